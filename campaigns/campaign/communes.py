"""The communes a campaign's territory is picked from: a reference list plus the communes of the cases received."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.locale.text import normalise_text
from campaigns.models import Case
from campaigns.platform.resources import presets_dir

REFERENCE_FILE = presets_dir() / "communes.yaml"


@dataclass(frozen=True, slots=True)
class CommuneChoice:
    name: str
    postcode: str

    @property
    def key(self) -> str:
        """As a campaign stores it (campaign_config.upsert_campaign normalises commune names)."""
        return normalise_text(self.name)

    @property
    def departement(self) -> str:
        return self.postcode[:2]


@cache
def reference_communes() -> tuple[CommuneChoice, ...]:
    document = yaml.safe_load(REFERENCE_FILE.read_text("utf-8"))
    return tuple(
        CommuneChoice(str(item["nom"]), str(item["code_postal"]))
        for items in document["communes"].values()
        for item in items
    )


def commune_choices(session: Session) -> dict[str, list[CommuneChoice]]:
    """Every commune to offer, by département, each once (the reference spelling wins over a case's)."""
    found: dict[str, CommuneChoice] = {c.key: c for c in reference_communes()}
    # Commune names and postcodes only: no person is read.
    rows = session.execute(
        select(Case.commune, Case.code_postal).where(Case.code_postal.is_not(None)).distinct()
    ).all()
    for name, postcode in rows:
        choice = CommuneChoice(name.strip(), postcode or "")
        if choice.key and choice.key not in found:
            found[choice.key] = choice
    grouped: dict[str, list[CommuneChoice]] = {}
    for choice in sorted(found.values(), key=lambda c: (c.departement, c.key)):
        grouped.setdefault(choice.departement, []).append(choice)
    return grouped


def commune_postcodes(session: Session) -> dict[str, set[str]]:
    """Normalised commune name -> the postcodes it is known with (to compare a commune with a département)."""
    known: dict[str, set[str]] = {}
    for choices in commune_choices(session).values():
        for choice in choices:
            known.setdefault(choice.key, set()).add(choice.postcode)
    return known
