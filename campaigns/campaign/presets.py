"""Campaign presets taken from the sources (campaigns/presets/campagnes/*.yaml): starting points a user edits."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError as PydanticValidationError

from campaigns.campaign.config import CampaignSpec
from campaigns.campaign.issues import CampaignInvalidError, issues_from_pydantic
from campaigns.models import PartnerKind
from campaigns.platform.errors import NotFoundError
from campaigns.platform.resources import presets_dir

PRESETS_DIR = presets_dir() / "campagnes"


# The documents the presets were drawn from (docs/domain.md, "Sources"), as a user reads them.
SOURCE_DOCUMENTS = {
    "000": "le rapport de la mission expérimentale de prévention des expulsions de l'ADIL 44 (2020-2021)",
    "001": "le circuit de traitement des commandements de payer de la Vendée (2021-2023)",
    "002": "la charte de prévention des expulsions locatives de Loire-Atlantique (2019, annexes de 2023)",
    "003": "la charte de prévention des expulsions de la Seine-Saint-Denis (2022)",
    "004": "le retour d'expérience de l'équipe mobile de prévention des expulsions de l'Essonne",
}


@dataclass(frozen=True, slots=True)
class Preset:
    """`id` is the file name; `owner_kind`/`operator_kind` say who usually runs it (a suggestion only)."""

    id: str
    title: str
    description: str
    sources: str
    owner_kind: PartnerKind
    operator_kind: PartnerKind | None
    campaign: dict[str, Any]

    @property
    def source_note(self) -> str:
        """« D'après la charte de prévention des expulsions locatives de Loire-Atlantique (2019, annexes de 2023). »:
        the documents named in words, without their line numbers or the project's own notes (kept in `sources`)."""
        codes = [code for code in SOURCE_DOCUMENTS if any(part.strip().startswith(code)
                                                            for part in self.sources.split(";"))]
        if not codes:
            return ""
        names = [SOURCE_DOCUMENTS[code] for code in codes]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]
        return f"D'après {joined}."

    def spec(self, *, name: str, owner: str, delegate: str | None = None) -> CampaignSpec:
        """The preset as a draft of `owner`'s, named `name`."""
        data = {**self.campaign, "name": name, "owner": owner, "delegate": delegate or None, "active": False}
        try:
            return CampaignSpec.model_validate(data)
        except PydanticValidationError as exc:
            raise CampaignInvalidError(issues_from_pydantic(exc)) from None


def _load(path: Path) -> Preset:
    document = yaml.safe_load(path.read_text("utf-8"))
    about = document["modele"]
    operator = about.get("operateur")
    return Preset(
        id=path.stem, title=about["titre"], description=" ".join(about["description"].split()),
        sources=about["sources"], owner_kind=PartnerKind(about["proprietaire"]),
        operator_kind=PartnerKind(operator) if operator else None, campaign=dict(document["campagne"]),
    )


@cache
def presets() -> tuple[Preset, ...]:
    return tuple(_load(path) for path in sorted(PRESETS_DIR.glob("*.yaml")))


def get_preset(preset_id: str) -> Preset:
    for preset in presets():
        if preset.id == preset_id:
            return preset
    raise NotFoundError(f"modèle de campagne inconnu « {preset_id} »")
