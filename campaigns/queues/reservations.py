"""Social workers' queues (model: Twilio TaskRouter): reserve, release, complete with an outcome, reservations
that expire, tasks escalated past their deadline. Every change of hands is one conditional UPDATE on `version`,
so two workers can never hold the same task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaigns.accounts.staff import get_worker, has_supervisors
from campaigns.locale.addresses import address_key
from campaigns.locale.clock import local_date
from campaigns.locale.labels import TASK_OUTCOMES
from campaigns.models import (
    KEPT_ON_RESPONSE,
    Case,
    Household,
    HumanTask,
    Partner,
    TaskEscalation,
    TaskKind,
    TaskOutcome,
    TaskStatus,
    Worker,
)
from campaigns.planning.authority import Evidence
from campaigns.planning.responses import record_response
from campaigns.planning.standing import dwelling_cases, trusted_with
from campaigns.platform.errors import NotFoundError, ValidationError
from campaigns.queues.appointments import AppointmentRequest, check_request, record_appointment
from campaigns.queues.joint_visits import JointVisit, check_joint
from campaigns.queues.routing import end_of_day, open_due_dsf_chains, open_locate_task
from campaigns.queues.task_views import shown_case

DEFAULT_RESERVATION = timedelta(hours=4)
OPEN_TASK = (TaskStatus.PENDING.value, TaskStatus.RESERVED.value)

OUTCOME_LABELS: dict[TaskOutcome, str] = {outcome: TASK_OUTCOMES[outcome.value] for outcome in TaskOutcome}
# The household was reached: its pending steps for the stage stop, in every campaign. A refusal is an answer
# too (the household said no: more letters would only harass it), but it is not a follow-up.
RESPONSE_OUTCOMES = frozenset({TaskOutcome.JOINT, TaskOutcome.RENDEZ_VOUS_FIXE, TaskOutcome.VISITE_REALISEE,
                               TaskOutcome.DEJA_ACCOMPAGNE, TaskOutcome.REFUS, TaskOutcome.DIAGNOSTIC_REALISE,
                               TaskOutcome.PLAN_APUREMENT_SIGNE, TaskOutcome.FSL_DEMANDE, TaskOutcome.PROTOCOLE,
                               TaskOutcome.ORIENTATION})
# The household does not live at the address (gone, or never there: NPAI): wrong for every campaign.
_ADDRESS_GONE = frozenset({TaskOutcome.PARTI, TaskOutcome.NPAI})
# What counts as a follow-up ("suite") in the structure's report; the rest is "sans suite".
FOLLOW_UP_OUTCOMES = RESPONSE_OUTCOMES - {TaskOutcome.REFUS}
_CALL_ONLY = frozenset({TaskOutcome.JOINT, TaskOutcome.MESSAGE_LAISSE, TaskOutcome.PAS_DE_REPONSE,
                        TaskOutcome.FAUX_NUMERO})
_VISIT_ONLY = frozenset({TaskOutcome.VISITE_REALISEE, TaskOutcome.ABSENT})
_VISIT_KINDS = frozenset({TaskKind.VISITE.value, TaskKind.RECHERCHE.value})
_CALL_KINDS = frozenset({TaskKind.APPEL.value, TaskKind.DSF_RELANCE.value})


class TaskConflictError(Exception):
    """Someone else holds or closed the task (HTTP 409); the message is French."""


class TaskForbiddenError(Exception):
    """The worker may not take this task (an escalated task is for supervisors; HTTP 403)."""


def get_task(session: Session, task_id: int, *, partner_id: int) -> HumanTask:
    """Another structure's task is answered exactly like a task that does not exist."""
    task = session.get(HumanTask, task_id)
    if task is None or task.queue_partner_id != partner_id:
        raise NotFoundError("tâche introuvable")
    return task


def supervisors_only(session: Session, task: HumanTask, worker: Worker) -> bool:
    """An escalated task is for the structure's supervisors; a structure without any keeps it open to all."""
    if task.escalated_at is None or worker.is_supervisor:
        return False
    return has_supervisors(session, task.queue_partner_id)


def check_version(task: HumanTask, expected: int | None) -> int:
    if expected is not None and expected != task.version:
        raise TaskConflictError("la tâche a changé depuis votre lecture : rechargez-la")
    return task.version


def swap_holder(
    session: Session, task: HumanTask, version: int, statuses: tuple[str, ...], values: dict[str, Any]
) -> None:
    """UPDATE ... WHERE id = ? AND version = ? AND status IN (...): exactly one concurrent caller wins."""
    result = session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.version == version, HumanTask.status.in_(statuses))
        .values(version=version + 1, **values),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise TaskConflictError("la tâche vient d'être prise ou modifiée par un autre agent")
    session.expire(task)


def reserve(
    session: Session, *, task_id: int, partner_id: int, worker_id: int, now: datetime,
    duration: timedelta = DEFAULT_RESERVATION, scheduled_on: date | None = None, expected_version: int | None = None,
) -> HumanTask:
    """The worker holds the task for `duration`; a visit planned for a day is held until the end of that day."""
    task = get_task(session, task_id, partner_id=partner_id)
    worker = get_worker(session, worker_id, partner_id=partner_id)
    version = check_version(task, expected_version)
    if task.status != TaskStatus.PENDING:
        raise TaskConflictError("tâche déjà réservée" if task.status == TaskStatus.RESERVED else "tâche close")
    if supervisors_only(session, task, worker):
        raise TaskForbiddenError("tâche escaladée après son échéance : seul un superviseur peut la prendre")
    if task.due_at > now:
        raise ValidationError(f"tâche pas encore ouverte (à partir du {local_date(task.due_at):%d/%m/%Y})")
    until = now + duration
    if scheduled_on is not None:
        if scheduled_on < local_date(now):
            raise ValidationError("date prévue dans le passé")
        until = max(until, end_of_day(scheduled_on))
    swap_holder(session, task, version, (TaskStatus.PENDING.value,), {
        "status": TaskStatus.RESERVED.value, "reserved_by_worker_id": worker.id, "reserved_until": until,
        "scheduled_on": scheduled_on, "updated_at": now,
    })
    return task


def release(
    session: Session, *, task_id: int, partner_id: int, worker_id: int, now: datetime,
    expected_version: int | None = None,
) -> HumanTask:
    """Back to the queue: by the worker holding it, or by a supervisor."""
    task = get_task(session, task_id, partner_id=partner_id)
    worker = get_worker(session, worker_id, partner_id=partner_id)
    version = check_version(task, expected_version)
    if task.status != TaskStatus.RESERVED:
        raise TaskConflictError("tâche non réservée")
    if task.reserved_by_worker_id != worker.id and not worker.is_supervisor:
        raise TaskConflictError("tâche réservée par un autre agent")
    swap_holder(session, task, version, (TaskStatus.RESERVED.value,), {
        "status": TaskStatus.PENDING.value, "reserved_by_worker_id": None, "reserved_until": None,
        "scheduled_on": None, "updated_at": now,
    })
    return task


@dataclass(frozen=True, slots=True)
class Completion:
    task: HumanTask
    cancelled_contacts: int = 0
    phone_invalidated: int = 0
    addresses_invalidated: int = 0
    locate_task_id: int | None = None
    # Whether the outcome counted for every partner (a queue trusted with the household), or for the queue
    # partner's own campaigns and cases only.
    household_wide: bool = True


def outcomes_for(kind: str) -> list[TaskOutcome]:
    """The outcomes a task of this kind may be closed with, in the order of OUTCOME_LABELS."""
    excluded = _CALL_ONLY if kind in _VISIT_KINDS else _VISIT_ONLY if kind in _CALL_KINDS else frozenset()
    return [o for o in OUTCOME_LABELS if o not in excluded]


def _check_outcome(task: HumanTask, outcome: TaskOutcome | None) -> None:
    if outcome is None:
        if task.kind not in KEPT_ON_RESPONSE:
            raise ValidationError("résultat obligatoire pour un appel ou une visite")
        return
    if task.kind in _VISIT_KINDS and outcome in _CALL_ONLY:
        raise ValidationError(f"résultat « {OUTCOME_LABELS[outcome]} » impossible pour une visite")
    if task.kind in _CALL_KINDS and outcome in _VISIT_ONLY:
        raise ValidationError(f"résultat « {OUTCOME_LABELS[outcome]} » impossible pour un appel")


def complete(
    session: Session, *, task_id: int, partner_id: int, worker_id: int, outcome: TaskOutcome | None,
    note: str | None, now: datetime, expected_version: int | None = None,
    appointment: AppointmentRequest | None = None, joint: JointVisit | None = None,
) -> Completion:
    """Closes the task with its outcome, then applies it: an answer stops the stage's pending steps everywhere,
    a wrong number or a household gone invalidates the phone or the address for every campaign. A "rendez-vous
    fixé" may carry its appointment (stored, reminded by SMS: campaigns/queues/appointments.py); a visit may be
    joint (a second structure, or the landlord)."""
    task = get_task(session, task_id, partner_id=partner_id)
    worker = get_worker(session, worker_id, partner_id=partner_id)
    version = check_version(task, expected_version)
    if task.status not in OPEN_TASK:
        raise TaskConflictError("tâche déjà close")
    if task.status == TaskStatus.RESERVED and task.reserved_by_worker_id != worker.id:
        raise TaskConflictError("tâche réservée par un autre agent")
    if task.reserved_by_worker_id != worker.id and supervisors_only(session, task, worker):
        raise TaskForbiddenError("tâche escaladée après son échéance : seul un superviseur peut la clore")
    _check_outcome(task, outcome)
    if appointment is not None:
        if outcome != TaskOutcome.RENDEZ_VOUS_FIXE:
            raise ValidationError("rendez-vous : à indiquer seulement avec le résultat « Rendez-vous fixé »")
        check_request(appointment, now=now)
    joint_values = check_joint(session, task, joint)
    swap_holder(session, task, version, OPEN_TASK, {
        "status": TaskStatus.COMPLETED.value, "outcome": outcome.value if outcome else None,
        "note": (note or "").strip() or None, "reserved_by_worker_id": worker.id, "reserved_until": None,
        "completed_at": now, "updated_at": now, **joint_values,
    })
    done = _apply(session, task, outcome, now=now)
    if appointment is not None:
        # After the answer's cancellations: the reminder is planned for the appointment, never cancelled by it.
        record_appointment(session, task=task, worker_id=worker.id, request=appointment, now=now)
    return done


def _apply(session: Session, task: HumanTask, outcome: TaskOutcome | None, *, now: datetime) -> Completion:
    if outcome in RESPONSE_OUTCOMES:
        channel = "visite" if task.kind in _VISIT_KINDS or outcome == TaskOutcome.VISITE_REALISEE else "appel"
        # Evidence for everyone when the queue is trusted with the household; else the partner's own response.
        trusted = trusted_with(session, task.household_id, task.queue_partner_id)
        _, cancelled = record_response(
            session, household_id=task.household_id, partner=session.get_one(Partner, task.queue_partner_id),
            channel=channel, nature=outcome.value, responded_at=now, now=now,
            evidence=Evidence.WORKER_OUTCOME if trusted else None,
        )
        return Completion(task, cancelled_contacts=cancelled, household_wide=trusted)
    if outcome == TaskOutcome.FAUX_NUMERO:
        # The number the worker was shown is wrong wherever a partner gave it when the queue vouches for the
        # household, in its own cases otherwise (as for « parti », rule 4); another number stays usable. Not
        # `updated_at`: another partner's case view must not show that a worker called.
        case = shown_case(session, task)
        if case is None or not case.telephone:
            return Completion(task)
        holding = update(Case).where(Case.household_id == task.household_id, Case.telephone_index == case.telephone,
                                     Case.telephone_invalide.is_(False))
        trusted = trusted_with(session, task.household_id, task.queue_partner_id)
        if not trusted:
            holding = holding.where(Case.partner_id == task.queue_partner_id)
        count = session.execute(
            holding.values(telephone_invalide=True),
            execution_options={"synchronize_session": False},
        ).rowcount  # type: ignore[attr-defined]
        return Completion(task, phone_invalidated=int(count), household_wide=trusted)
    if outcome in _ADDRESS_GONE:
        # The worker found the household gone from the dwelling it was shown: that address, as normalised, is wrong
        # wherever a partner gave it (as for a letter returned NPAI, campaigns/delivery/returns.py); another
        # partner's different address is evidence of another dwelling and stays (docs/security.md, rule 4).
        count = _invalidate_shown_address(session, task)
        locate = open_locate_task(session, task=task, now=now)
        return Completion(task, addresses_invalidated=int(count), locate_task_id=locate,
                          household_wide=trusted_with(session, task.household_id, task.queue_partner_id))
    return Completion(task)


def _invalidate_shown_address(session: Session, task: HumanTask) -> int:
    """Marks invalid, in every case of the household (in the queue partner's own cases when it does not vouch for
    the household), the address the task's worker was shown; returns 1 if it was valid somewhere, else 0."""
    case = shown_case(session, task)
    key = address_key(case.adresse, case.code_postal) if case is not None and not case.adresse_invalide else None
    if key is None:
        return 0
    found = 0
    # Every case holding it only when the task's queue vouches for the household (docs/security.md, rule 4).
    household = session.get_one(Household, task.household_id)
    for other in dwelling_cases(session, household, task.queue_partner_id):
        if address_key(other.adresse, other.code_postal) == key:
            other.adresse_invalide = True  # not `updated_at`, as above
            found = 1
    session.flush()
    return found


def expire_reservations(session: Session, *, now: datetime) -> int:
    """Reservations past their time go back to the queue, for any worker to take."""
    result = session.execute(
        update(HumanTask)
        .where(HumanTask.status == TaskStatus.RESERVED.value, HumanTask.reserved_until <= now)
        .values(status=TaskStatus.PENDING.value, reserved_by_worker_id=None, reserved_until=None,
                scheduled_on=None, version=HumanTask.version + 1, updated_at=now),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def escalate_overdue(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Open tasks past their deadline escalate inside their structure (docs/domain.md §7): to its supervisors, or,
    in a structure without any, to its whole team queue; never to another institution (the campaign owner of
    another structure has no business with this structure's follow-up). A worker holding the task keeps it, so
    it stays in "my tasks" marked as escalated. Each escalation is recorded (when, from, to)."""
    tasks = session.scalars(
        select(HumanTask)
        .where(HumanTask.status.in_(OPEN_TASK), HumanTask.sla_due_at <= now, HumanTask.escalated_at.is_(None))
        .order_by(HumanTask.sla_due_at, HumanTask.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for task in tasks:
        structure = task.queue_partner_id
        # A structure with supervisors: only they may take it now (supervisors_only); else the whole team may.
        session.add(TaskEscalation(
            task_id=task.id, escalated_at=now, from_partner_id=structure,
            from_worker_id=task.reserved_by_worker_id, to_partner_id=structure, reason="echeance_depassee",
        ))
        task.escalated_at, task.escalated_to_partner_id = now, structure
        task.version += 1
        task.updated_at = now
    session.flush()
    return len(tasks)


@dataclass(frozen=True, slots=True)
class Maintenance:
    expired: int
    escalated: int
    dsf_tasks: int


def maintain_queues(session: Session, *, now: datetime) -> Maintenance:
    """The tick's share: expired reservations back to the queue, overdue tasks escalated, DSF chains opened."""
    return Maintenance(
        expired=expire_reservations(session, now=now),
        escalated=escalate_overdue(session, now=now),
        dsf_tasks=open_due_dsf_chains(session, now=now),
    )

