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
