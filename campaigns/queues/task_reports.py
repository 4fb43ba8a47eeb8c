"""A worker's day and a structure's queue in figures: the round sheet (visits and appointments of a day) and the
queue report (households with a follow-up, in progress, "sans suite"), each scoped as the task views are
(docs/security.md, rule 1)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.locale.clock import PARIS
from campaigns.locale.text import normalise_text
from campaigns.models import (
    Appointment,
    HumanTask,
    TaskStatus,
    Worker,
)
from campaigns.models.enums import RESPONSE_REASONS
from campaigns.platform.communes import commune_label
from campaigns.queues.task_cases import task_case_ids
from campaigns.queues.task_views import VISIT_KINDS, own_views, task_detail


@dataclass(frozen=True, slots=True)
class RoundStop:
    """One visit of a worker's day, as printed on the round sheet."""

    task_id: int
    commune: str
    name: str
    address: str
    phone: str | None
    stage: str
    hearing: date | None
    debt: str | None
    announced: bool
    bailleur: str | None
    # A rendez-vous fixed with the household for that day: its time ("10 h 00") and place, or None for a visit.
    appointment_time: str | None = None
    appointment_place: str | None = None


def round_stops(session: Session, *, partner_id: int, worker: Worker, day: date) -> list[RoundStop]:
    """The visits the worker holds for `day` and the appointments fixed for that day (docs/domain.md §5), by
    commune, then time, then address."""
    tasks = list(session.scalars(
        select(HumanTask).where(
            HumanTask.queue_partner_id == partner_id, HumanTask.reserved_by_worker_id == worker.id,
            HumanTask.kind.in_(VISIT_KINDS), HumanTask.scheduled_on == day,
            HumanTask.status.in_((TaskStatus.RESERVED.value, TaskStatus.IN_PROGRESS.value, TaskStatus.COMPLETED.value)),
        )
    ).all())
    start = datetime.combine(day, time(0, 0), tzinfo=PARIS)
    appointments = {a.task_id: a for a in session.scalars(select(Appointment).where(
        Appointment.partner_id == partner_id, Appointment.worker_id == worker.id,
        Appointment.starts_at >= start, Appointment.starts_at < start + timedelta(days=1)))}
    tasks += [session.get_one(HumanTask, task_id) for task_id in appointments if task_id not in {t.id for t in tasks}]
    stops = []
    for task in tasks:
        appointment = appointments.get(task.id)
        local = appointment.starts_at.astimezone(PARIS) if appointment is not None else None
        detail = task_detail(session, task)
        menage = detail["menage"] or {}
        address = ", ".join(p for p in (menage.get("adresse"), menage.get("complement_adresse")) if p)
        bailleur = detail["bailleur"]
        stops.append(RoundStop(
            task_id=task.id, commune=commune_label(menage.get("commune"), menage.get("code_postal")),
            address=address or "adresse inconnue",
            name=f"{menage.get('prenom') or ''} {(menage.get('nom') or '').upper()}".strip(),
            phone=menage.get("telephone"), stage=detail["stade_libelle"],
            hearing=date.fromisoformat(menage["date_audience"]) if menage.get("date_audience") else None,
            debt=detail["montant_dette"], announced=task.announced is not False,
            bailleur=" — ".join(p for p in (bailleur["nom"], bailleur["telephone"]) if p) if bailleur else None,
            appointment_time=f"{local.hour} h {local.minute:02d}" if local is not None else None,
            appointment_place=appointment.place if appointment is not None else None,
        ))
    return sorted(stops, key=lambda s: (normalise_text(s.commune), _clock(s.appointment_time), s.address, s.task_id))


def _clock(label: str | None) -> tuple[int, int]:
    """"9 h 30" → (9, 30); a visit without a time comes after the day's appointments of its commune."""
    if label is None:
        return (24, 0)
    hour, minute = label.split(" h ")
    return (int(hour), int(minute))


def queue_report(session: Session, *, partner_id: int, follow_ups: frozenset[str]) -> dict[str, Any]:
    """Households routed to the structure: with a follow-up (an answer), still in progress, or "sans suite". A
    household the queue reads its own cases only in (`own_view`) counts once per case its tasks were opened for,
    as on an empty base: two of its rows joined through another partner's data never count as one
    (docs/security.md rule 1)."""
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.queue_partner_id == partner_id)))
    restricted = own_views(session, {t.household_id for t in tasks}, partner_id)
    opened_for = task_case_ids(session, [t for t in tasks if t.household_id in restricted])
    by_household: dict[tuple[int, int | None], list[HumanTask]] = defaultdict(list)
    for task in tasks:
        by_household[(task.household_id, opened_for.get(task.id))].append(task)
    counts = {"avec_suite": 0, "en_cours": 0, "sans_suite": 0}
    for own in by_household.values():
        if any(t.outcome in follow_ups or t.reason in RESPONSE_REASONS for t in own):
            counts["avec_suite"] += 1
        elif any(t.status in (TaskStatus.PENDING, TaskStatus.RESERVED, TaskStatus.IN_PROGRESS) for t in own):
            counts["en_cours"] += 1
        else:
            counts["sans_suite"] += 1
    total = len(by_household)
    outcomes = Counter(t.outcome for t in tasks if t.outcome)
    return {
        "menages": total,
        **counts,
        "taux_sans_suite": round(counts["sans_suite"] / total, 3) if total else None,
        "par_resultat": dict(sorted(outcomes.items())),
        "taches_ouvertes": sum(1 for t in tasks if t.status in (TaskStatus.PENDING, TaskStatus.RESERVED)),
    }

