"""One household as a social worker reads it: what their structure's tasks need, gathered on one page by date.

Named by one of the structure's own tasks (never the household's internal number, whose order would tell that the
household existed before the structure's push: docs/security.md rule 1); any other task answers like an unknown
one. Only what `task_views.task_detail` gives the worker for that queue: the contact details, what was sent and
answered, their structure's tasks with their notes, other structures' tasks with their outcome only (a queue
reading its own cases only, `own_view`: the tasks of the case the task was opened for, its letters and responses).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import HumanTask
from campaigns.queues.task_views import own_view, shown_cases, task_detail


def worker_household(session: Session, task_id: int, *, partner_id: int) -> dict[str, Any] | None:
    """The household of the structure's task `task_id`, or None when the task is not in its queue."""
    task = session.get(HumanTask, task_id)
    if task is None or task.queue_partner_id != partner_id:
        return None
    tasks = list(session.scalars(select(HumanTask).where(
        HumanTask.household_id == task.household_id, HumanTask.queue_partner_id == partner_id)
        .order_by(HumanTask.created_at.desc(), HumanTask.id.desc())))
    if own_view(session, task.household_id, partner_id):
        # The tasks of the case this task was opened for: what it would show alone in its household.
        shown = shown_cases(session, tasks, partner_id)
        case_id = getattr(shown[task.id], "id", None)
        # A task whose case cannot be traced stands alone (never grouped with another untraced one).
        tasks = [t for t in tasks if getattr(shown[t.id], "id", None) == case_id and (case_id is not None
                                                                                     or t.id == task.id)]
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
    return {"detail": detail, "events": events, "household_id": task.household_id,
            "tasks": [{"id": t.id, "kind": t.kind, "status": t.status, "stage": t.stage, "created_at": t.created_at}
                      for t in tasks]}
