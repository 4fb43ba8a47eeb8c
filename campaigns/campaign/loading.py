"""Campaign files (YAML): each campaign created or replaced by name, checked and logged like an edit in the pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.campaign.config import parse_campaigns_yaml
from campaigns.campaign.edits import save_campaign
from campaigns.campaign.issues import CampaignInvalidError
from campaigns.campaign.lifecycle import Actor
from campaigns.models import Campaign
from campaigns.platform.errors import ValidationError


def load_campaigns_file(session: Session, path: Path, *, now: datetime) -> list[Campaign]:
    """Creates or replaces the file's campaigns by name, checked and logged like an edit in the pages."""
    saved = []
    for spec in parse_campaigns_yaml(path.read_text("utf-8")):
        existing = session.scalar(select(Campaign).where(Campaign.name == spec.name))
        try:
            result = save_campaign(session, spec, campaign=existing, actor=Actor(f"fichier {path.name}"), now=now,
                                   action="chargee")
        except CampaignInvalidError as exc:
            raise ValidationError(f"campagne « {spec.name} » : {exc}") from None
        saved.append(result.campaign)
    return saved
