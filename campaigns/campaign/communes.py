"""The communes a campaign's territory is picked from: a reference list (Insee codes, campaigns/presets/communes.yaml)
plus the communes of the cases received, all named as the code officiel géographique names them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.locale.text import normalise_text
from campaigns.models import Case
from campaigns.platform.communes import commune_by_code, commune_label, official_commune
from campaigns.platform.resources import presets_dir

REFERENCE_FILE = presets_dir() / "communes.yaml"


@dataclass(frozen=True, slots=True)
class CommuneChoice:
    name: str
    postcode: str
    code_departement: str = ""

    @property
    def key(self) -> str:
        """As a campaign stores it (campaign_config.upsert_campaign normalises commune names)."""
        return normalise_text(self.name)

    @property
    def departement(self) -> str:
        return self.code_departement or self.postcode[:2]


@cache
def reference_communes() -> tuple[CommuneChoice, ...]:
    """The listed communes by their COG name and first postcode (none without the dataset: see set-up)."""
    document = yaml.safe_load(REFERENCE_FILE.read_text("utf-8"))
    found = [commune_by_code(str(code)) for codes in document["communes"].values() for code in codes]
    return tuple(CommuneChoice(c.name, c.postcodes[0] if c.postcodes else "", c.departement)
                 for c in found if c is not None)


def commune_choices(session: Session) -> dict[str, list[CommuneChoice]]:
    """Every commune to offer, by département, each once (the reference spelling wins over a case's)."""
    found: dict[str, CommuneChoice] = {c.key: c for c in reference_communes()}
    # Commune names and postcodes only: no person is read.
    rows = session.execute(
        select(Case.commune, Case.code_postal).where(Case.code_postal.is_not(None)).distinct()
    ).all()
    for name, postcode in rows:
        choice = CommuneChoice(commune_label(name, postcode), postcode or "")
        if choice.key and choice.key not in found:
            found[choice.key] = choice
    grouped: dict[str, list[CommuneChoice]] = {}
    for choice in sorted(found.values(), key=lambda c: (c.departement, c.key)):
        grouped.setdefault(choice.departement, []).append(choice)
    return grouped


def commune_postcodes(session: Session) -> dict[str, set[str]]:
    """Normalised commune name -> its postcodes (to compare a commune with a département): every postcode La Poste
    gives the commune in the code officiel géographique's dataset, and those its cases were received with."""
    known: dict[str, set[str]] = {}
    for choices in commune_choices(session).values():
        for choice in choices:
            official = official_commune(choice.name, choice.postcode or None)
            known.setdefault(choice.key, set()).update({choice.postcode} | set(official.postcodes if official else ()))
    return known
