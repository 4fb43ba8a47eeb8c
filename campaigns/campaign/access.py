"""Who sees which campaign: the pilots (DDETS/DRIHL, Département) every one; another partner only the campaigns it
owns or runs as delegated operator, and through them only their households (docs/domain.md §9.4, §10.2)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from campaigns.models import Campaign, Partner, PartnerKind
from campaigns.platform.errors import NotFoundError


def is_pilot(session: Session, partner_id: int) -> bool:
    partner = session.get_one(Partner, partner_id)
    return PartnerKind(partner.kind).is_owner


def visible_campaigns(session: Session, *, partner_id: int) -> list[Campaign]:
    query = select(Campaign).order_by(Campaign.id)
    if not is_pilot(session, partner_id):
        query = query.where(or_(Campaign.owner_partner_id == partner_id, Campaign.delegate_partner_id == partner_id))
    return list(session.scalars(query))


def get_visible_campaign(session: Session, campaign_id: int, *, partner_id: int) -> Campaign:
    """The campaign if this partner may see it; otherwise "not found" (its existence is not revealed)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not (
        is_pilot(session, partner_id) or partner_id in (campaign.owner_partner_id, campaign.delegate_partner_id)
    ):
        raise NotFoundError("campagne introuvable")
    return campaign
