"""What a supervisor reads about the structure's queue: counts per kind and state, each worker's load, late tasks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from campaigns.models import HumanTask, TaskKind, TaskStatus, Worker
from campaigns.queues.reservations import OPEN_TASK
from campaigns.queues.task_views import TaskFilters, list_tasks

# The deadline before escalation, or the opening time for tasks without one (as in task_views.list_tasks).
_deadline = func.coalesce(HumanTask.sla_due_at, HumanTask.due_at)


@dataclass(frozen=True, slots=True)
class KindCounts:
    """Open tasks of one kind: to take now, not yet open, held, escalated, late (the last two overlap the others)."""

    kind: str
    pending: int = 0
    upcoming: int = 0
    reserved: int = 0
    escalated: int = 0
    late: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.upcoming + self.reserved


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def queue_counts(session: Session, *, partner_id: int, now: datetime) -> list[KindCounts]:
    """One row per task kind that has open tasks, in TaskKind order."""
    rows = session.execute(
        select(HumanTask.kind, HumanTask.status, _count_if(HumanTask.due_at <= now),
               _count_if(HumanTask.escalated_at.is_not(None)), _count_if(_deadline < now), func.count())
        .where(HumanTask.queue_partner_id == partner_id, HumanTask.status.in_(OPEN_TASK))
        .group_by(HumanTask.kind, HumanTask.status)
    ).all()
    counts: dict[str, Counter[str]] = {}
    for kind, status, opened, escalated, late, total in rows:
        tally = counts.setdefault(kind, Counter())
        if status == TaskStatus.RESERVED:
            tally["reserved"] += total
        else:
            tally["pending"] += opened
            tally["upcoming"] += total - opened
        tally["escalated"] += escalated
        tally["late"] += late
    rank = {k.value: i for i, k in enumerate(TaskKind)}
    return [KindCounts(kind, **counts[kind]) for kind in sorted(counts, key=lambda k: (rank.get(k, len(rank)), k))]


@dataclass(frozen=True, slots=True)
class WorkerLoad:
    worker_id: int
    name: str
    supervisor: bool
    held: int
    late: int


def workload(session: Session, *, partner_id: int, now: datetime) -> list[WorkerLoad]:
    """Every active worker of the structure with the tasks they hold, and how many of those are late."""
    rows = session.execute(
        select(HumanTask.reserved_by_worker_id, func.count(), _count_if(_deadline < now))
        .where(HumanTask.queue_partner_id == partner_id, HumanTask.status == TaskStatus.RESERVED.value)
        .group_by(HumanTask.reserved_by_worker_id)
    ).all()
    held = {worker_id: (count, late) for worker_id, count, late in rows}
    workers = session.scalars(
        select(Worker).where(Worker.partner_id == partner_id, Worker.active.is_(True)).order_by(Worker.name, Worker.id)
    )
    return [WorkerLoad(w.id, w.name, w.is_supervisor, *held.get(w.id, (0, 0))) for w in workers]


def open_tasks(session: Session, *, partner_id: int, now: datetime, late_only: bool = False,
               limit: int = 200) -> list[dict[str, Any]]:
    """Open tasks of the structure (to take or held), most urgent first, as list_tasks gives them."""
    late_at = now if late_only else None
    found = [
        task
        for status in OPEN_TASK
        for task in list_tasks(session, partner_id=partner_id, now=now,
                               filters=TaskFilters(status=status, late_at=late_at, limit=limit))
    ]
    return sorted(found, key=lambda t: (t["priorite"], t["echeance"], t["id"]))[:limit]
