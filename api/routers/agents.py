"""The workers of the caller's structure: a display name and whether they supervise (no other personal data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import CallerDep, RuntimeDep
from campaigns.accounts.staff import add_worker
from campaigns.models import Worker

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
