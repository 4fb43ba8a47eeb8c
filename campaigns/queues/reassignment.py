"""A supervisor hands an open task of the structure to one of its workers, with the queues' version check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.accounts.staff import get_worker
from campaigns.locale.clock import add_working_days, local_date
from campaigns.models import HumanTask, TaskStatus
from campaigns.platform.errors import ValidationError
from campaigns.queues.reservations import (
    DEFAULT_RESERVATION,
    OPEN_TASK,
    TaskConflictError,
    TaskForbiddenError,
    check_version,
    get_task,
    swap_holder,
)
from campaigns.queues.routing import end_of_day


def reassignment_deadline(now: datetime) -> datetime:
    """A reassigned task is held until the end of the next working day: the worker may not be at work now."""
    return max(now + DEFAULT_RESERVATION, end_of_day(add_working_days(local_date(now), 1)))


def reassign(
    session: Session, *, task_id: int, partner_id: int, supervisor_id: int, worker_id: int, now: datetime,
    expected_version: int | None = None,
) -> HumanTask:
    """The task, pending or held by someone else, becomes reserved by `worker_id`; an escalated task may be handed
    to an agent this way (the supervisor decides). The planned visit day is cleared: the new worker plans it."""
    task = get_task(session, task_id, partner_id=partner_id)
    supervisor = get_worker(session, supervisor_id, partner_id=partner_id)
    if not supervisor.is_supervisor:
        raise TaskForbiddenError("seul un superviseur peut réaffecter une tâche")
    worker = get_worker(session, worker_id, partner_id=partner_id)
    version = check_version(task, expected_version)
    if task.status not in OPEN_TASK:
        raise TaskConflictError("tâche déjà close")
    if task.status == TaskStatus.RESERVED and task.reserved_by_worker_id == worker.id:
        raise ValidationError(f"la tâche est déjà confiée à {worker.name}")
    if task.due_at > now:
        raise ValidationError(f"tâche pas encore ouverte (à partir du {local_date(task.due_at):%d/%m/%Y})")
    swap_holder(session, task, version, OPEN_TASK, {
        "status": TaskStatus.RESERVED.value, "reserved_by_worker_id": worker.id,
        "reserved_until": reassignment_deadline(now), "scheduled_on": None, "updated_at": now,
    })
    return task
