"""Typed dependencies: the runtime, database sessions and the authenticated partner."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from sqlalchemy.orm import Session

from api.ratelimit import RateLimiter
from api.roles import ApiRole, api_role
from campaigns.accounts.partners import authenticate, hash_key
from campaigns.models import PartnerKind
from campaigns.platform.logs import current as log_context
from campaigns.runtime.root import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """A session with no transaction begun: the router owns `with session.begin():`."""
    with runtime.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True, slots=True)
class Caller:
    partner_id: int
    name: str
    kind: PartnerKind

    @property
    def role(self) -> ApiRole:
        return api_role(self.kind)


_CALLER = "caller"


def get_caller(
    request: Request, runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None
) -> Caller:
    """The key's partner. Checked once per request (api.access.enforce_access does it first): the rate limit
    counts one call, and the route's own dependency gets the same answer."""
    cached = getattr(request.state, _CALLER, None)
    if isinstance(cached, Caller):
        return cached
    unauthorized = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Clé d'API absente, invalide, expirée ou révoquée : envoyez « Authorization: Bearer <clé> ».",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if not authorization or not authorization.startswith("Bearer "):
        raise unauthorized
    key = authorization.removeprefix("Bearer ").strip()
    with runtime.session_factory() as session:
        partner = authenticate(session, key, now=runtime.clock())
        if partner is None:
            raise unauthorized
        caller = Caller(partner.id, partner.name, PartnerKind(partner.kind))
    _check_rate(request, key)
    setattr(request.state, _CALLER, caller)
    context = log_context()
    if context is not None:  # the request's log lines name the partner (campaigns/platform/logs.py)
        context.partner_id = caller.partner_id
    return caller


def _check_rate(request: Request, key: str) -> None:
    """Counted per key (its hash: the key itself never leaves this function), after authentication."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return
    decision = limiter.hit(hash_key(key)[:32])
    if not decision.allowed:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Trop de requêtes avec cette clé d'API : réessayez dans {decision.retry_after} s.",
            headers={"Retry-After": str(decision.retry_after)},
        )


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_owner(caller: CallerDep) -> Caller:
    if not caller.kind.is_owner:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="Réservé aux pilotes de la prévention (DDETS/DRIHL, Département).",
        )
    return caller


OwnerDep = Annotated[Caller, Depends(require_owner)]
