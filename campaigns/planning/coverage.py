"""Which households a campaign covers: its territory (communes, postcode prefixes) and its segment (park,
allocataire). Shared by enrollment, activation and the dry runs, so that all three pick the same households."""

from __future__ import annotations

from campaigns.locale.text import normalise_text
from campaigns.models import Campaign


def covers_segment(campaign: Campaign, *, parc: str | None, allocataire: str | None) -> bool:
    """An unknown value is in no segment: a campaign for the social park does not write to unknown parks."""
    segment = campaign.segment or {}
    if segment.get("parc") and parc not in segment["parc"]:
        return False
    return not (segment.get("allocataire") and (allocataire or "inconnu") not in segment["allocataire"])


def covers_territory(campaign: Campaign, *, commune: str | None, code_postal: str | None) -> bool:
    if not campaign.communes and not campaign.postcodes:
        return True
    if commune and normalise_text(commune) in campaign.communes:
        return True
    return bool(code_postal) and any(code_postal.startswith(p) for p in campaign.postcodes)  # type: ignore[union-attr]
