"""A household answered: recorded once; the partner's own pending steps of the stage stop, and everyone's only with an
attributed reason (docs/security.md, rule 2; campaigns.planning.authority)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select

from api.auditing import ApiAuditDep
from api.deps import CallerDep, RuntimeDep
from api.int_bounds import BodyMoment
from campaigns.crypto.handles import contact_of
from campaigns.delivery.returns import record_npai
from campaigns.locale.addresses import address_key
from campaigns.locale.clock import PARIS
from campaigns.models import Case, Dispatch, HumanTask, Partner
from campaigns.planning.authority import EVIDENCE_LABELS, PARTNER_EVIDENCE, Evidence
from campaigns.planning.landlord_answers import record_landlord_answer
from campaigns.planning.responses import record_response
from campaigns.planning.standing import trusted_with

router = APIRouter(prefix="/api/v1", tags=["reponses"])


class ResponseChannel(StrEnum):
    COURRIER = "courrier"
    SMS = "sms"
    EMAIL = "email"
    APPEL = "appel"
    VISITE = "visite"
    ACCUEIL = "accueil"
    AUTRE = "autre"


class ResponseNature(StrEnum):
    APPEL_ENTRANT = "appel_entrant"
    APPEL_SORTANT_JOINT = "appel_sortant_joint"
    SMS = "sms"
    EMAIL = "email"
    COURRIER = "courrier"
    RENDEZ_VOUS = "rendez_vous"
    VISITE = "visite"
    PAIEMENT = "paiement"
    # A diagnostic of the household's situation was made (ADIL 44, docs/domain.md §11.5): the evaluation counts
    # the households diagnosed, whatever way they were reached (an incoming call, the call or visit of a task).
    DIAGNOSTIC_REALISE = "diagnostic_realise"
    AUTRE = "autre"


class ResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str | None = Field(default=None, description="Référence d'un de vos dossiers")
    tache_id: int | None = Field(default=None, description="Ou une tâche de votre file")
    canal: ResponseChannel
    nature: ResponseNature
    date: BodyMoment | None = Field(default=None, description="Par défaut : maintenant")
    motif_menage: Evidence | None = Field(
        default=None, description="Pour arrêter les relances de tous les partenaires (jamais un courrier "
        "réglementaire) : rendez_vous_honore, accompagnement_engage, plan_apurement_signe ou appel_du_menage (le "
        "ménage a appelé le partenaire) ; tracé au journal")
    partie: Literal["menage", "bailleur"] = Field(
        default="menage", description="Qui a répondu : le ménage, ou le bailleur (ses observations à la demande de "
        "l'État) ; la réponse du bailleur est comptée à part et n'arrête rien des relances du ménage")

    @field_validator("motif_menage")
    @classmethod
    def _partner_evidence(cls, value: Evidence | None) -> Evidence | None:
        if value is not None and value not in PARTNER_EVIDENCE:
            raise ValueError("motif possible : " + ", ".join(e.value for e in PARTNER_EVIDENCE))
        return value

    @model_validator(mode="after")
    def _one_target(self) -> ResponseIn:
        if (self.reference is None) == (self.tache_id is None):
            raise ValueError("indiquez soit « reference », soit « tache_id »")
        if self.partie == "bailleur" and self.motif_menage is not None:
            raise ValueError("« motif_menage » ne vaut que pour une réponse du ménage")
        return self


def _moment(value: datetime | date | None, now: datetime) -> datetime:
    if value is None:
        return now
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=PARIS)
    return datetime.combine(value, time(12, 0), tzinfo=PARIS)


@router.post("/reponses", status_code=201, summary="Enregistrer une réponse du ménage")
def post_response(payload: ResponseIn, caller: CallerDep, runtime: RuntimeDep, audit: ApiAuditDep) -> dict[str, Any]:
    now = runtime.clock()
    responded_at = _moment(payload.date, now)
    if responded_at > now.astimezone(UTC) and (responded_at - now).total_seconds() > 300:
        raise HTTPException(status_code=422, detail=[{"champ": "date", "motif": "date dans le futur"}])
    with runtime.session_factory.begin() as session:
        case_id: int | None = None
        evidence = payload.motif_menage
        if payload.reference is not None:
            case = session.scalar(
                select(Case).where(Case.partner_id == caller.partner_id, Case.reference == payload.reference)
            )
            if case is None:
                raise HTTPException(status_code=404, detail="dossier introuvable")
            household_id, case_id, stage = case.household_id, case.id, case.stage
        else:
            task = session.get(HumanTask, payload.tache_id)
            if task is None or task.queue_partner_id != caller.partner_id:
                raise HTTPException(status_code=404, detail="tâche introuvable")
            # A call or visit the service put in this partner's queue reached the household: evidence for everyone
            # when the queue is trusted with the household, else the partner's own response (rule 2).
            household_id, stage = task.household_id, task.stage
            if evidence is None and trusted_with(session, household_id, caller.partner_id):
                evidence = Evidence.WORKER_OUTCOME
        partner = session.get_one(Partner, caller.partner_id)
        if payload.partie == "bailleur":
            answer = record_landlord_answer(
                session, household_id=household_id, partner=partner, channel=payload.canal.value,
                nature=payload.nature.value, responded_at=responded_at, now=now, case_id=case_id)
            audit.change(session, [household_id], now=now)
            return {"id": answer.id, "partie": "bailleur", "stade": stage, "contacts_annules": 0}
        response, cancelled = record_response(
            session, household_id=household_id, partner=partner, channel=payload.canal.value,
            nature=payload.nature.value, responded_at=responded_at, now=now, case_id=case_id, evidence=evidence,
        )
        audit.change(session, [household_id], now=now)
        if payload.motif_menage is not None:
            label = EVIDENCE_LABELS[payload.motif_menage]
            replace(audit, purpose=f"{audit.purpose} : arrêt pour tout le ménage, {payload.motif_menage.value} "
                                   f"({label})").change(session, [household_id], now=now)
        # The partner's own stage and its own contacts only: nothing of what others know (rule 1).
        return {"id": response.id, "partie": "menage", "stade": stage, "contacts_annules": cancelled}


class NpaiIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    courrier_id: str = Field(description="Identifiant du courrier revenu (champ « id » des contacts d'un dossier)",
                             max_length=64)


@router.post("/npai", status_code=201, summary="Enregistrer un courrier revenu « n'habite pas à l'adresse indiquée »")
def post_npai(payload: NpaiIn, caller: CallerDep, runtime: RuntimeDep, audit: ApiAuditDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        dispatch_id = contact_of(session, payload.courrier_id, caller.partner_id)
        if dispatch_id is None:
            # Same answer as another partner's letter or nobody's (campaigns.delivery.returns.record_npai).
            raise HTTPException(status_code=404, detail="courrier introuvable")
        outcome = record_npai(session, dispatch_id=dispatch_id, partner_id=caller.partner_id,
                              now=runtime.clock(), address_key=address_key)
        audit.change(session, [session.get_one(Dispatch, outcome.dispatch_id).household_id], now=runtime.clock())
        return {"courrier_id": payload.courrier_id, "statut": "returned",
                "destinataire": "bailleur" if outcome.to_landlord else "menage",
                "adresse_invalidee": outcome.returned_address, "adresses_invalidees": outcome.invalidated_addresses,
                "prochaine_adresse": outcome.next_address, "tache_recherche": outcome.locate_task_id}
