"""Audit of personal data read by pages: the signed-in person and their partner (api/auditing.py records it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.auditing import RequestAudit, route_purpose
from api.web.auth import CurrentUserDep
from campaigns.accounts.audit import Actor, ActorKind


def web_audit(request: Request, user: CurrentUserDep) -> RequestAudit:
    """For pages: the signed-in person and their partner."""
    return RequestAudit(Actor(ActorKind.USER, partner_id=user.partner_id, user_id=user.id), route_purpose(request))


WebAuditDep = Annotated[RequestAudit, Depends(web_audit)]
