"""The call, visit and DSF tasks of the caller's structure: the queue, one task, reserve / release / complete, the
day's round of visits (PDF) and the follow-up report. Another structure's task is answered 404, as if absent."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.auditing import ApiAuditDep
from api.deps import CallerDep, RuntimeDep
from api.int_bounds import BodyDay
from campaigns.accounts.audit import task_households
from campaigns.accounts.staff import get_worker
from campaigns.models import Partner, TaskKind, TaskOutcome, TaskStatus
from campaigns.queues import reservations as queues
from campaigns.queues.appointments import (
    PLACE_MAX_LENGTH,
    AppointmentRequest,
    appointment_view,
    find_appointment,
)
from campaigns.queues.joint_visits import JointVisit, joint_view
from campaigns.queues.task_reports import queue_report, round_stops
from campaigns.queues.task_views import TaskFilters, list_tasks, task_detail, task_summary

router = APIRouter(prefix="/api/v1", tags=["taches"])


def _refused(exc: Exception) -> HTTPException:
    code = 403 if isinstance(exc, queues.TaskForbiddenError) else 409
    return HTTPException(status_code=code, detail=str(exc))


@router.get("/taches", summary="Tâches d'appel, de visite et DSF de votre structure")
def get_tasks(  # noqa: PLR0917 - one parameter per query filter
    caller: CallerDep,
    runtime: RuntimeDep,
    audit: ApiAuditDep,
    statut: Annotated[TaskStatus | Literal["toutes"], Query(description="Par défaut : à traiter")] = TaskStatus.PENDING,
    type_: Annotated[TaskKind | None, Query(alias="type")] = None,
    echeance: Annotated[date | None, Query(description="Échéance au plus tard ce jour (AAAA-MM-JJ)")] = None,
    commune: Annotated[str | None, Query(max_length=100)] = None,
    escaladee: Annotated[bool | None, Query(description="Tâches escaladées aux superviseurs")] = None,
    agent: Annotated[int | None, Query(description="Tâches tenues par cet agent")] = None,
    a_venir: Annotated[bool, Query(description="Inclure les tâches pas encore ouvertes")] = False,
    limite: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    filters = TaskFilters(
        status=None if statut == "toutes" else TaskStatus(statut).value, kind=type_.value if type_ else None,
        due_by=echeance, commune=commune, escalated=escaladee, worker_id=agent, include_future=a_venir,
        limit=limite,
    )
    with runtime.session_factory.begin() as session:
        tasks = list_tasks(session, partner_id=caller.partner_id, filters=filters, now=runtime.clock())
        audit.read(session, task_households(session, [t["id"] for t in tasks]), now=runtime.clock())
        return {"taches": tasks}


@router.get("/taches/resultats", summary="Codes de résultat d'une tâche et leurs libellés")
def get_outcomes() -> dict[str, Any]:
    return {
        "resultats": [
            {"code": o.value, "libelle": label, "vaut_reponse": o in queues.RESPONSE_OUTCOMES}
            for o, label in queues.OUTCOME_LABELS.items()
        ]
    }


@router.get("/taches/bilan", summary="Suites données aux ménages orientés vers votre structure")
def get_report(caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    follow_ups = frozenset(o.value for o in queues.FOLLOW_UP_OUTCOMES)
    with runtime.session_factory.begin() as session:
        return queue_report(session, partner_id=caller.partner_id, follow_ups=follow_ups)


@router.get("/taches/tournee", summary="Tournée de visites d'un agent pour un jour (PDF à imprimer)",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def get_round(
    caller: CallerDep,
    runtime: RuntimeDep,
    date_: Annotated[date, Query(alias="date", description="Jour de la tournée (AAAA-MM-JJ)")],
    agent: Annotated[int, Query(description="Identifiant de l'agent")],
    audit: ApiAuditDep,
) -> Response:
    with runtime.session_factory.begin() as session:
        worker = get_worker(session, agent, partner_id=caller.partner_id)
        stops = round_stops(session, partner_id=caller.partner_id, worker=worker, day=date_)
        audit.read(session, task_households(session, [s.task_id for s in stops]), now=runtime.clock())
        structure = session.get_one(Partner, caller.partner_id).name
        worker_name = worker.name
    pdf = runtime.round_pdf(structure=structure, worker=worker_name, day=date_, stops=stops)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="tournee-{date_.isoformat()}.pdf"'})


@router.get("/taches/{task_id}", summary="Une tâche de votre structure, avec ce qu'il faut pour agir")
def get_task(task_id: int, caller: CallerDep, runtime: RuntimeDep, audit: ApiAuditDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        task = queues.get_task(session, task_id, partner_id=caller.partner_id)
        audit.read(session, [task.household_id], now=runtime.clock())
        return {**task_detail(session, task),
                "rendez_vous": appointment_view(session, find_appointment(session, task.id)),
                "visite_conjointe": joint_view(session, task)}


class ReserveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_id: int
    duree_minutes: int = Field(default=int(queues.DEFAULT_RESERVATION.total_seconds() // 60), ge=5, le=7 * 24 * 60)
    date_prevue: BodyDay | None = Field(
        default=None, description="Visite : jour prévu (tenue jusqu'au soir de ce jour)")
    version: int | None = Field(default=None, description="Version lue : refus si la tâche a changé depuis")


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_id: int
    version: int | None = None


class AppointmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: BodyDay = Field(description="Jour du rendez-vous (AAAA-MM-JJ)")
    heure: dt.time = Field(description="Heure, à Paris (HH:MM)")
    lieu: str | None = Field(default=None, max_length=PLACE_MAX_LENGTH, description="Lieu : domicile, permanence...")


class JointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    structure_id: int | None = Field(default=None, description="L'autre structure venue à la visite")
    bailleur: bool = Field(default=False, description="Le bailleur a participé à la visite")


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_id: int
    resultat: TaskOutcome | None = Field(
        default=None, description="Obligatoire sauf pour dsf_ccapex et dsf_transmission")
    note: str | None = Field(default=None, max_length=4000, description="Visible de votre structure seulement")
    version: int | None = None
    rendez_vous: AppointmentIn | None = Field(
        default=None, description="Avec « rendez_vous_fixe » : le rendez-vous, rappelé au ménage par SMS la veille")
    visite_conjointe: JointIn | None = Field(default=None, description="Visite faite avec une autre structure ou "
                                             "le bailleur")


def _appointment(payload: AppointmentIn | None) -> AppointmentRequest | None:
    return None if payload is None else AppointmentRequest(day=payload.date, at=payload.heure, place=payload.lieu)


def _joint(payload: JointIn | None) -> JointVisit | None:
    return None if payload is None else JointVisit(partner_id=payload.structure_id, landlord=payload.bailleur)


@router.post("/taches/{task_id}/reserver", summary="Réserver une tâche pour un agent")
def post_reserve(task_id: int, payload: ReserveIn, caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    try:
        with runtime.session_factory.begin() as session:
            task = queues.reserve(
                session, task_id=task_id, partner_id=caller.partner_id, worker_id=payload.agent_id,
                now=runtime.clock(), duration=timedelta(minutes=payload.duree_minutes),
                scheduled_on=payload.date_prevue, expected_version=payload.version,
            )
            return task_summary(task)
    except (queues.TaskConflictError, queues.TaskForbiddenError) as exc:
        raise _refused(exc) from None


@router.post("/taches/{task_id}/liberer", summary="Rendre une tâche à la file")
def post_release(task_id: int, payload: ReleaseIn, caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    try:
        with runtime.session_factory.begin() as session:
            task = queues.release(session, task_id=task_id, partner_id=caller.partner_id,
                                  worker_id=payload.agent_id, now=runtime.clock(), expected_version=payload.version)
            return task_summary(task)
    except (queues.TaskConflictError, queues.TaskForbiddenError) as exc:
        raise _refused(exc) from None


@router.post("/taches/{task_id}/terminer", summary="Clore une tâche avec son résultat")
def post_complete(task_id: int, payload: CompleteIn, caller: CallerDep, runtime: RuntimeDep,
                  audit: ApiAuditDep) -> dict[str, Any]:
    try:
        with runtime.session_factory.begin() as session:
            done = queues.complete(
                session, task_id=task_id, partner_id=caller.partner_id, worker_id=payload.agent_id,
                outcome=payload.resultat, note=payload.note, now=runtime.clock(), expected_version=payload.version,
                appointment=_appointment(payload.rendez_vous), joint=_joint(payload.visite_conjointe),
            )
            audit.change(session, [done.task.household_id], now=runtime.clock())
            return {
                **task_summary(done.task),
                "rendez_vous": appointment_view(session, find_appointment(session, done.task.id)),
                "visite_conjointe": joint_view(session, done.task),
                "contacts_annules": done.cancelled_contacts,
                "telephones_invalides": done.phone_invalidated,
                "adresses_invalidees": done.addresses_invalidated,
                "tache_recherche": done.locate_task_id,
            }
    except (queues.TaskConflictError, queues.TaskForbiddenError) as exc:
        raise _refused(exc) from None
