"""A worker's calendar as an iCalendar file (RFC 5545, written with the `icalendar` library): one event per
appointment fixed with a household (campaigns/queues/appointments.py), for the worker's phone or mail client.

A calendar is often synchronised to a provider outside the structure: an event names the commune and the task
number, never the household's name or phone; the place is the one the worker typed (docs/security.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from campaigns.locale.clock import PARIS
from campaigns.models import Appointment, HumanTask, Worker
from campaigns.queues.appointments import worker_appointments
from campaigns.queues.task_views import shown_case

# Past appointments kept in the file, so that a calendar refreshed after the day still shows them.
HISTORY = timedelta(days=30)
PRODID = "-//chaîne//agenda des rendez-vous//FR"


def _event(session: Session, appointment: Appointment, *, now: datetime) -> Event:
    task = session.get_one(HumanTask, appointment.task_id)
    case = shown_case(session, task)
    commune = case.commune if case is not None and case.commune else None
    event = Event()
    event.add("uid", f"rendez-vous-{appointment.id}@chaine")
    event.add("dtstamp", now)
    start = appointment.starts_at.astimezone(PARIS)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=appointment.duration_minutes))
    event.add("summary", f"Rendez-vous ménage{f' — {commune}' if commune else ''} (tâche n° {task.id})")
    if appointment.place:
        event.add("location", appointment.place)
    event.add("description", f"Tâche n° {task.id} : détails dans chaîne, « Mes tâches ».")
    return event


def worker_calendar(session: Session, *, worker: Worker, now: datetime) -> bytes:
    """The worker's appointments from 30 days ago on, as an .ics file."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Rendez-vous — {worker.name}")
    calendar.add("x-wr-timezone", "Europe/Paris")
    for appointment in worker_appointments(session, partner_id=worker.partner_id, worker_id=worker.id,
                                           since=now - HISTORY):
        calendar.add_component(_event(session, appointment, now=now))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
