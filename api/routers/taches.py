"""The call and visit tasks in the caller's queue, with what a worker needs to act and nothing more."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from api.deps import CallerDep, RuntimeDep
from campaigns.models import Case, HumanTask, TaskStatus

router = APIRouter(prefix="/api/v1", tags=["taches"])


@router.get("/taches", summary="Tâches d'appel et de visite de votre file")
def list_tasks(
    caller: CallerDep,
    runtime: RuntimeDep,
    statut: Annotated[TaskStatus | None, Query()] = TaskStatus.PENDING,
    limite: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        stmt = select(HumanTask).where(HumanTask.queue_partner_id == caller.partner_id)
        if statut is not None:
            stmt = stmt.where(HumanTask.status == statut.value)
        tasks = session.scalars(stmt.order_by(HumanTask.due_at, HumanTask.id).limit(limite)).all()
        cases = {
            c.household_id: c
            for c in session.scalars(
                select(Case)
                .where(Case.household_id.in_({t.household_id for t in tasks}))
                .order_by(Case.date_stade, Case.updated_at)
            )
        }
        return {
            "taches": [
                {
                    "id": t.id,
                    "type": t.kind,
                    "stade": t.stage,
                    "statut": t.status,
                    "echeance": t.due_at.isoformat(),
                    "menage": _household_summary(cases.get(t.household_id)),
                }
                for t in tasks
            ]
        }


def _household_summary(case: Case | None) -> dict[str, Any] | None:
    if case is None:
        return None
    return {
        "nom": case.nom,
        "prenom": case.prenom,
        "telephone": case.telephone,
        "adresse": case.adresse,
        "complement_adresse": case.complement_adresse,
        "code_postal": case.code_postal,
        "commune": case.commune,
        "date_audience": case.date_audience.isoformat() if case.date_audience else None,
    }
