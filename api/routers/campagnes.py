"""Campaigns through the API (same schema as the YAML files)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from api.deps import OwnerDep, RuntimeDep
from campaigns.campaign_config import CampaignSpec, upsert_campaign
from campaigns.models import Campaign, Partner

router = APIRouter(prefix="/api/v1/campagnes", tags=["campagnes"])


def _view(campaign: Campaign, owner: str) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "owner": owner,
        "stages": campaign.stages,
        "territory": {"communes": campaign.communes, "postcodes": campaign.postcodes},
        "active": campaign.active,
        "priority": campaign.priority,
        "coordination": campaign.coordination,
        "over_cap": campaign.over_cap,
        "sending_hours": campaign.sending_hours,
        "segment": campaign.segment,
        "languages": campaign.languages,
        "falc": campaign.falc,
        "unit_costs": campaign.unit_costs,
        "steps": [
            {"channel": s.channel, "delay_days": s.delay_days, "delay_from": s.delay_from,
             "conditions": s.conditions, "template": s.template, "regulatory": s.regulatory, "dsf": s.dsf,
             "announced": s.announced}
            for s in campaign.steps
        ],
    }


@router.put("", summary="Créer ou remplacer une campagne (par son nom)")
def put_campaign(spec: CampaignSpec, caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        campaign = upsert_campaign(session, spec, now=runtime.clock())
        return _view(campaign, spec.owner)


@router.get("", summary="Lister les campagnes")
def list_campaigns(caller: OwnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        rows = session.execute(
            select(Campaign, Partner.name).join(Partner, Partner.id == Campaign.owner_partner_id).order_by(Campaign.id)
        )
        return {"campagnes": [_view(c, owner) for c, owner in rows]}
