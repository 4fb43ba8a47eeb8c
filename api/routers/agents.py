"""The workers of the caller's structure: a display name and whether they supervise (no other personal data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.auditing import ApiAuditDep
from api.deps import CallerDep, RuntimeDep
from campaigns.accounts.staff import add_worker, get_worker
from campaigns.models import Appointment, Worker
from campaigns.queues.agenda import worker_calendar

router = APIRouter(prefix="/api/v1", tags=["taches"])


class WorkerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nom: str = Field(min_length=1, max_length=100, description="Nom affiché (prénom et initiale suffisent)")
    superviseur: bool = False


def _worker(worker: Worker) -> dict[str, Any]:
    return {"id": worker.id, "nom": worker.name, "superviseur": worker.is_supervisor}


@router.get("/agents", summary="Agents de votre structure")
def get_workers(caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        workers = session.scalars(
            select(Worker).where(Worker.partner_id == caller.partner_id, Worker.active.is_(True)).order_by(Worker.id)
        )
        return {"agents": [_worker(w) for w in workers]}


@router.post("/agents", status_code=201, summary="Ajouter un agent à votre structure")
def post_worker(payload: WorkerIn, caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        worker = add_worker(session, partner_id=caller.partner_id, name=payload.nom,
                            is_supervisor=payload.superviseur, now=runtime.clock())
        return _worker(worker)


@router.get("/agents/{agent_id}/agenda.ics", summary="Rendez-vous d'un agent de votre structure (iCalendar)",
            response_class=Response, responses={200: {"content": {"text/calendar": {}}}})
def get_agenda(agent_id: int, caller: CallerDep, runtime: RuntimeDep, audit: ApiAuditDep) -> Response:
    """Another structure's worker answers 404, as if absent."""
    now = runtime.clock()
    with runtime.session_factory.begin() as session:
        worker = get_worker(session, agent_id, partner_id=caller.partner_id)
        body = worker_calendar(session, worker=worker, now=now)
        households = session.scalars(
            select(Appointment.household_id).where(Appointment.worker_id == worker.id)).all()
        audit.read(session, sorted(set(households)), now=now)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="agenda-{agent_id}.ics"'})
