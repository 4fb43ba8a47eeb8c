"""Typed dependencies: the runtime, database sessions and the authenticated partner."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from sqlalchemy.orm import Session

from campaigns.models import PartnerKind
from campaigns.partners import authenticate
from campaigns.runtime import Runtime


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


def get_caller(runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None) -> Caller:
    unauthorized = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Clé d'API absente, invalide ou révoquée : envoyez « Authorization: Bearer <clé> ».",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if not authorization or not authorization.startswith("Bearer "):
        raise unauthorized
    with runtime.session_factory() as session:
        partner = authenticate(session, authorization.removeprefix("Bearer ").strip())
        if partner is None:
            raise unauthorized
        return Caller(partner.id, partner.name, PartnerKind(partner.kind))


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_owner(caller: CallerDep) -> Caller:
    if not caller.kind.is_owner:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="Réservé aux pilotes de la prévention (DDETS/DRIHL, Département).",
        )
    return caller


OwnerDep = Annotated[Caller, Depends(require_owner)]
