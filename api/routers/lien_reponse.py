"""What the answer link (docs/web.md, « Le lien de réponse ») asks of a structure: its opening hours, from which the
household picks a call-back slot, and the addresses households proposed, which it accepts or refuses before a
letter uses them. Each partner reads and sets its own only; another partner's proposal answers 404, as if absent
(docs/security.md, rule 1)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.auditing import ApiAuditDep
from api.deps import CallerDep, RuntimeDep
from campaigns.answers import proposals
from campaigns.answers.slots import read_hours, stored_hours, structure_hours
from campaigns.models import Partner

router = APIRouter(prefix="/api/v1", tags=["lien de réponse"])


class HoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    horaires: dict[str, list[list[str]]] = Field(
        description="Par jour (lundi … dimanche), les plages [\"HH:MM\", \"HH:MM\"] où la structure rappelle ; "
                    "un jour absent est fermé", max_length=7)


def _hours(partner: Partner) -> dict[str, Any]:
    return {"horaires": stored_hours(structure_hours(partner.opening_hours)),
            "par_defaut": not partner.opening_hours}


@router.get("/horaires", summary="Horaires de rappel de votre structure (créneaux du lien de réponse)")
def get_hours(caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        return _hours(session.get_one(Partner, caller.partner_id))


@router.put("/horaires", summary="Définir les horaires de rappel de votre structure")
def put_hours(body: HoursIn, caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    hours = read_hours(body.horaires)
    with runtime.session_factory.begin() as session:
        partner = session.get_one(Partner, caller.partner_id)
        partner.opening_hours = stored_hours(hours)
        return _hours(partner)


@router.get("/adresses-proposees", summary="Adresses proposées par les ménages, que votre structure vérifie")
def get_proposals(
    caller: CallerDep, runtime: RuntimeDep, audit: ApiAuditDep,
    statut: Annotated[Literal["a_verifier", "acceptee", "refusee", "toutes"], Query()] = "a_verifier",
) -> dict[str, Any]:
    wanted = None if statut == "toutes" else proposals.Review(statut)
    with runtime.session_factory.begin() as session:
        found = proposals.list_proposals(session, partner_id=caller.partner_id, status=wanted)
        audit.read(session, sorted({p.household_id for p in found}), now=runtime.clock())
        return {"adresses": [p.as_json() for p in found]}


def _review(proposal_id: int, caller: CallerDep, runtime: RuntimeDep, audit: ApiAuditDep, *,
            accept: bool) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        done = proposals.review(session, proposal_id=proposal_id, partner_id=caller.partner_id, accept=accept,
                                now=runtime.clock(), actor=audit.actor)
        return done.as_json()


@router.post("/adresses-proposees/{proposal_id}/accepter",
             summary="Accepter une adresse proposée : les prochains courriers l'utilisent")
def accept_proposal(proposal_id: int, caller: CallerDep,
                    runtime: RuntimeDep, audit: ApiAuditDep) -> dict[str, Any]:
    return _review(proposal_id, caller, runtime, audit, accept=True)


@router.post("/adresses-proposees/{proposal_id}/refuser", summary="Refuser une adresse proposée")
def refuse_proposal(proposal_id: int, caller: CallerDep,
                    runtime: RuntimeDep, audit: ApiAuditDep) -> dict[str, Any]:
    return _review(proposal_id, caller, runtime, audit, accept=False)
