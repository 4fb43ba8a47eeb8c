"""Appointments fixed with a household when a worker closes a call or visit task with "rendez-vous fixé"
(docs/domain.md §5): stored as data (day, time, place), shown on the worker's round sheet and calendar, and
reminded to the household by SMS the day before (a Dispatch on the SMS channel: opt-outs and the campaign's
sending hours are checked when it goes, like any SMS; docs/campaigns.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.dispatch import sending_opening
from campaigns.locale.clock import PARIS, local_date
from campaigns.models import (
    APPOINTMENT_REMINDER,
    Appointment,
    Campaign,
    ChannelKind,
    Dispatch,
    Enrollment,
    Household,
    HumanTask,
)
from campaigns.planning.authority import own_campaigns
from campaigns.planning.standing import trusted_with
from campaigns.platform.errors import ValidationError

# The reminder goes the day before the appointment, from this hour (then within the campaign's sending hours).
REMINDER_HOUR = time(10, 0)
DEFAULT_DURATION = timedelta(hours=1)
PLACE_MAX_LENGTH = 200


@dataclass(frozen=True, slots=True)
class AppointmentRequest:
    """What the worker enters: the day, the time (Europe/Paris) and the place (optional)."""

    day: date
    at: time
    place: str | None = None

    def starts_at(self) -> datetime:
        return datetime.combine(self.day, self.at, tzinfo=PARIS)


def check_request(request: AppointmentRequest, *, now: datetime) -> None:
    """French messages for a rendez-vous that cannot be: in the past, or a place too long."""
    if request.starts_at() <= now:
        raise ValidationError("rendez-vous : la date et l'heure sont passées")
    if request.place is not None and len(request.place) > PLACE_MAX_LENGTH:
        raise ValidationError(f"rendez-vous : lieu de {PLACE_MAX_LENGTH} caractères au plus")


def _enrollment(session: Session, task: HumanTask) -> Enrollment | None:
    """The enrollment the reminder belongs to: the task's own step's, or the household's at its current stage.
    A queue not trusted with the household (`standing.household_view`: a task opened on its own word) reminds
    under its own campaigns only (owned or run by delegation, which write with its own cases' number), never
    under another partner's, or not at all (docs/security.md, rules 2 and 5)."""
    own = None if trusted_with(session, task.household_id, task.queue_partner_id) else own_campaigns(
        session, task.queue_partner_id)
    if task.dispatch_id is not None:
        origin = session.get_one(Dispatch, task.dispatch_id)
        enrollment = session.get_one(Enrollment, origin.enrollment_id)
        return enrollment if own is None or enrollment.campaign_id in own else None
    if own is not None:
        return session.scalars(
            select(Enrollment).where(Enrollment.household_id == task.household_id, Enrollment.campaign_id.in_(own))
            .order_by(Enrollment.id.desc()).limit(1)
        ).first()
    household = session.get_one(Household, task.household_id)
    return session.scalars(
        select(Enrollment).where(Enrollment.household_id == task.household_id,
                                 Enrollment.stage_entry_id == household.current_entry_id)
        .order_by(Enrollment.id).limit(1)
    ).first()


def reminder_time(campaign: Campaign, starts_at: datetime, *, now: datetime) -> datetime | None:
    """10:00 the day before (or now, when later), moved into the campaign's sending hours; None when that would
    fall on the appointment's own day or later: a reminder of "tomorrow" sent that morning would mislead."""
    day_before = local_date(starts_at) - timedelta(days=1)
    due = max(datetime.combine(day_before, REMINDER_HOUR, tzinfo=PARIS), now)
    due = sending_opening(campaign, due)
    return due if local_date(due) < local_date(starts_at) else None


def _plan_reminder(session: Session, task: HumanTask, appointment: Appointment, *, now: datetime) -> Dispatch | None:
    enrollment = _enrollment(session, task)
    if enrollment is None:
        return None
    campaign = session.get_one(Campaign, enrollment.campaign_id)
    due = reminder_time(campaign, appointment.starts_at, now=now)
    if due is None:
        return None
    reminder = Dispatch(
        dedup_key=f"rdv:{appointment.id}", enrollment_id=enrollment.id, campaign_id=campaign.id,
        household_id=task.household_id, stage_entry_id=enrollment.stage_entry_id, stage=enrollment.stage,
        # Not a step of the campaign's sequence: a position no step has.
        step_position=-1, channel=ChannelKind.SMS.value, template=APPOINTMENT_REMINDER, conditions=["sms"],
        regulatory=False, due_at=due,
    )
    session.add(reminder)
    session.flush()
    return reminder


def record_appointment(
    session: Session, *, task: HumanTask, worker_id: int, request: AppointmentRequest, now: datetime
) -> Appointment:
    """Stores the appointment of a task just closed with "rendez-vous fixé" and plans its SMS reminder."""
    check_request(request, now=now)
    place = (request.place or "").strip() or None
    appointment = Appointment(
        task_id=task.id, household_id=task.household_id, partner_id=task.queue_partner_id, worker_id=worker_id,
        starts_at=request.starts_at(), duration_minutes=int(DEFAULT_DURATION.total_seconds() // 60), place=place,
        created_at=now,
    )
    session.add(appointment)
    session.flush()
    reminder = _plan_reminder(session, task, appointment, now=now)
    appointment.reminder_dispatch_id = reminder.id if reminder is not None else None
    return appointment


def find_appointment(session: Session, task_id: int) -> Appointment | None:
    return session.scalar(select(Appointment).where(Appointment.task_id == task_id))


def appointment_view(session: Session, appointment: Appointment | None) -> dict[str, object] | None:
    """The appointment as the API shows it (French keys), with its reminder's status."""
    if appointment is None:
        return None
    local = appointment.starts_at.astimezone(PARIS)
    reminder = (session.get(Dispatch, appointment.reminder_dispatch_id)
                if appointment.reminder_dispatch_id is not None else None)
    return {
        "date": local.date().isoformat(), "heure": local.strftime("%H:%M"), "lieu": appointment.place,
        "duree_minutes": appointment.duration_minutes,
        "rappel_sms": None if reminder is None else {
            "id": reminder.id, "prevu_le": reminder.due_at.isoformat(), "statut": reminder.status,
            "motif": reminder.reason,
        },
    }


def worker_appointments(
    session: Session, *, partner_id: int, worker_id: int, since: datetime | None = None,
    day: date | None = None,
) -> list[Appointment]:
    """A worker's appointments (from `since`, or on one local `day`), in time order."""
    query = select(Appointment).where(Appointment.partner_id == partner_id, Appointment.worker_id == worker_id)
    if since is not None:
        query = query.where(Appointment.starts_at >= since)
    if day is not None:
        start = datetime.combine(day, time(0, 0), tzinfo=PARIS)
        query = query.where(Appointment.starts_at >= start, Appointment.starts_at < start + timedelta(days=1))
    return list(session.scalars(query.order_by(Appointment.starts_at, Appointment.id)))

