"""Who opens the campaign pages: administrators and campaign operators. Those of the pilots (DDETS/DRIHL,
Département) see and edit every campaign; an operator of another partner (ADIL, association) sees the campaigns it
owns or runs by delegation, without editing them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from api.deps import RuntimeDep
from api.web.auth import AccessDeniedError, WebUser, require_roles
from campaigns.campaign.access import is_pilot
from campaigns.campaign.lifecycle import Actor
from campaigns.models import UserRole


@dataclass(frozen=True, slots=True)
class CampaignUser:
    user: WebUser
    pilot: bool

    @property
    def partner_id(self) -> int:
        return self.user.partner_id

    @property
    def is_admin(self) -> bool:
        return self.user.role is UserRole.ADMIN

    @property
    def actor(self) -> Actor:
        return Actor(f"{self.user.display_name} ({self.user.partner_name})", user_id=self.user.id,
                     partner_id=self.user.partner_id)


def current_campaign_user(
    runtime: RuntimeDep, user: Annotated[WebUser, Depends(require_roles(UserRole.ADMIN, UserRole.OPERATEUR))]
) -> CampaignUser:
    with runtime.session_factory() as session:
        return CampaignUser(user, is_pilot(session, user.partner_id))


CampaignUserDep = Annotated[CampaignUser, Depends(current_campaign_user)]


def current_pilot(user: CampaignUserDep) -> CampaignUser:
    """Creating, editing and moving a campaign: the pilots' administrators and operators only."""
    if not user.pilot:
        raise AccessDeniedError
    return user


PilotDep = Annotated[CampaignUser, Depends(current_pilot)]


def current_admin(
    runtime: RuntimeDep, user: Annotated[WebUser, Depends(require_roles(UserRole.ADMIN))]
) -> CampaignUser:
    with runtime.session_factory() as session:
        return CampaignUser(user, is_pilot(session, user.partner_id))


AdminDep = Annotated[CampaignUser, Depends(current_admin)]
