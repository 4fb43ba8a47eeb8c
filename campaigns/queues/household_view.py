"""One household as a social worker reads it: what their structure's tasks need, gathered on one page by date.

Only a household with a task in the structure's queue is shown (any other answers like an unknown one), and only
what `task_views.task_detail` gives the worker for that queue: the contact details, what was sent and answered,
their structure's tasks with their notes, other structures' tasks with their outcome only (a bailleur's queue: its
own cases, letters, responses and tasks, `landlord_queue`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import HumanTask
from campaigns.queues.task_views import task_detail


def worker_household(session: Session, household_id: int, *, partner_id: int) -> dict[str, Any] | None:
    tasks = list(session.scalars(select(HumanTask).where(
        HumanTask.household_id == household_id, HumanTask.queue_partner_id == partner_id)
        .order_by(HumanTask.created_at.desc(), HumanTask.id.desc())))
    if not tasks:
        return None
    detail = task_detail(session, tasks[0])
    events: list[dict[str, Any]] = [
        {"kind": "contact", "at": datetime.fromisoformat(e["date"]), "channel": e["canal"], "status": e["statut"],
         "partner": e["expediteur"]} for e in detail["envois"]]
    events += [{"kind": "reponse", "at": datetime.fromisoformat(r["date"]), "channel": r["canal"],
                "nature": r["nature"], "stage": r["stade"]} for r in detail["reponses"]]
    events += [{"kind": "tache", "at": t.created_at, "task_kind": t.kind, "status": t.status, "outcome": t.outcome,
                "stage": t.stage, "done_at": t.completed_at, "escalated": t.escalated_at is not None,
                "own": True, "task_id": t.id, "note": t.note} for t in tasks]
    events += [{"kind": "tache", "at": datetime.fromisoformat(t["date"]), "task_kind": t["type"],
                "status": t["statut"], "outcome": t["resultat"], "stage": t["stade"], "own": False}
               for t in detail["autres_taches"] if not t["votre_structure"]]
    events.sort(key=lambda e: e["at"], reverse=True)
    return {"detail": detail, "events": events,
            "tasks": [{"id": t.id, "kind": t.kind, "status": t.status, "stage": t.stage, "created_at": t.created_at}
                      for t in tasks]}
