"""Audit of personal data for routes and pages: a dependency knows who calls and why (the route), so a route
audits in one line: `audit.read(session, [household_id], now=...)` (campaigns.accounts.audit writes the row).
Pages get theirs from api/web/auditing.py (the signed-in person)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.deps import CallerDep, RuntimeDep
from campaigns.accounts import audit
from campaigns.accounts.audit import Actor, ActorKind, AuditAction, task_households
from campaigns.accounts.partners import hash_key
from campaigns.models import ApiKey


@dataclass(frozen=True, slots=True)
class RequestAudit:
    """Who is calling, and the purpose recorded with each access: the route template, never the actual path."""

    actor: Actor
    purpose: str

    def read(self, session: Session, household_ids: Iterable[int], *, now: datetime) -> None:
        audit.record(session, actor=self.actor, action=AuditAction.READ, purpose=self.purpose,
                     household_ids=household_ids, now=now)

    def change(self, session: Session, household_ids: Iterable[int], *, now: datetime) -> None:
        audit.record(session, actor=self.actor, action=AuditAction.CHANGE, purpose=self.purpose,
                     household_ids=household_ids, now=now)

    def export(self, session: Session, *, count: int, now: datetime) -> None:
        audit.record(session, actor=self.actor, action=AuditAction.EXPORT, purpose=self.purpose,
                     household_ids=(), count=count, now=now)

    def read_tasks(self, session_factory: sessionmaker[Session], task_ids: Iterable[int], *, now: datetime) -> None:
        """Pages that read through a session of their own: the tasks' households, in a transaction of its own."""
        ids = list(task_ids)
        if ids:
            with session_factory.begin() as session:
                self.read(session, task_households(session, ids), now=now)

    def export_all(self, session: Session, *, now: datetime) -> None:
        """An export covering every household (its count is recorded, not every id)."""
        audit.record_export(session, purpose=self.purpose, now=now, actor=self.actor)


def route_purpose(request: Request) -> str:
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', request.url.path)}"


def api_audit(
    request: Request, caller: CallerDep, runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None
) -> RequestAudit:
    """For API routes: the caller's partner and the key it used (get_caller already refused a bad key)."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    with runtime.session_factory() as session:
        key_id = session.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(token)))
    return RequestAudit(Actor(ActorKind.API_KEY, partner_id=caller.partner_id, api_key_id=key_id),
                        route_purpose(request))


def provider_audit(request: Request) -> RequestAudit:
    """For a provider's signed callback (inbound SMS): no partner, the provider acting for the household."""
    return RequestAudit(Actor(ActorKind.PROVIDER), route_purpose(request))


ApiAuditDep = Annotated[RequestAudit, Depends(api_audit)]
ProviderAuditDep = Annotated[RequestAudit, Depends(provider_audit)]
