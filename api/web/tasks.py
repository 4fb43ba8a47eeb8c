"""« Mes tâches »: the queue of the worker's structure with filters, one task's page, and its claim, release and
outcome forms. Every action goes through campaigns.queues.reservations, as the API does."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import RuntimeDep
from api.int_bounds import DAY_OUT_OF_BOUNDS, bounded_day, whole_number
from api.web.auditing import WebAuditDep
from api.web.task_labels import KIND_LABELS, deadline_fr, outcome_label
from api.web.templating import render
from api.web.worker_access import SignedInWorker, WorkerDep, clause, flash, not_found_page, pop_flash, sentence
from campaigns.accounts.staff import has_supervisors
from campaigns.locale.clock import local_date
from campaigns.models import KEPT_ON_RESPONSE, TaskOutcome, TaskStatus, Worker
from campaigns.platform.errors import NotFoundError, ValidationError
from campaigns.queues import reservations as queues
from campaigns.queues.appointments import PLACE_MAX_LENGTH, AppointmentRequest
from campaigns.queues.task_views import VISIT_KINDS, TaskFilters, list_tasks, task_detail

router = APIRouter(include_in_schema=False)

DEADLINES = {"en_retard": "En retard", "aujourdhui": "Aujourd'hui", "semaine": "Cette semaine"}
LIST_LIMIT = 200
COMMUNE_MAX_LENGTH = 100
NOTE_MAX_LENGTH = 4000
_CONFLICTS = (queues.TaskConflictError, queues.TaskForbiddenError, NotFoundError, ValidationError)


def _mark_late(tasks: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    return [{**t, "en_retard": datetime.fromisoformat(t["echeance"]) < now} for t in tasks]


def _list_filters(kind: str, deadline: str, commune: str, now: datetime) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"limit": LIST_LIMIT}
    if kind:
        if kind in KIND_LABELS:
            values["kind"] = kind
        else:
            errors["type"] = "Type de tâche inconnu : choisissez une valeur de la liste."
    today = local_date(now)
    if deadline == "en_retard":
        values["late_at"] = now
    elif deadline == "aujourdhui":
        values["due_by"] = today
    elif deadline == "semaine":
        values["due_by"] = today + timedelta(days=6 - today.weekday())
    elif deadline:
        errors["echeance"] = "Échéance inconnue : choisissez une valeur de la liste."
    if len(commune) > COMMUNE_MAX_LENGTH:
        errors["commune"] = f"Commune : {COMMUNE_MAX_LENGTH} caractères au plus."
    elif commune:
        values["commune"] = commune
    return values, errors


@router.get("/mes-taches", response_class=HTMLResponse)
def my_tasks(
    request: Request,
    *,
    worker: WorkerDep,
    runtime: RuntimeDep,
    audit: WebAuditDep,
    kind: Annotated[str, Query(alias="type")] = "",
    echeance: str = "",
    commune: str = "",
) -> HTMLResponse:
    now = runtime.clock()
    commune = commune.strip()
    values, errors = _list_filters(kind.strip(), echeance.strip(), commune, now)
    mine: list[dict[str, Any]] = []
    available: list[dict[str, Any]] = []
    escalated: list[dict[str, Any]] = []
    team: list[dict[str, Any]] = []
    agents: dict[int, str] = {}
    if not errors:
        with runtime.session_factory() as session:
            mine = list_tasks(session, partner_id=worker.partner_id, now=now, filters=TaskFilters(
                status=TaskStatus.RESERVED.value, worker_id=worker.worker_id, **values))
            # Escalated tasks are for the supervisors when the structure has any (queues.reserve refuses them):
            # an agent still sees them, in their own marked section, so nothing of the structure's queue is hidden.
            kept = not worker.is_supervisor and has_supervisors(session, worker.partner_id)
            available = list_tasks(session, partner_id=worker.partner_id, now=now, filters=TaskFilters(
                status=TaskStatus.PENDING.value, escalated=False if kept else None, **values))
            if kept:
                escalated = list_tasks(session, partner_id=worker.partner_id, now=now, filters=TaskFilters(
                    status=TaskStatus.PENDING.value, escalated=True, **values))
            team = [t for t in list_tasks(session, partner_id=worker.partner_id, now=now, filters=TaskFilters(
                status=TaskStatus.RESERVED.value, **values)) if t["agent_id"] != worker.worker_id]
            agents = {w.id: w.name for w in session.scalars(select(Worker).where(
                Worker.partner_id == worker.partner_id, Worker.id.in_({t["agent_id"] for t in team})))}
    audit.read_tasks(runtime.session_factory, [t["id"] for t in (*mine, *available, *escalated, *team)], now=now)
    return render(request, "taches/liste.html", {
        "worker": worker, "notice": pop_flash(request), "errors": errors,
        "filters": {"type": kind, "echeance": echeance, "commune": commune},
        "kinds": KIND_LABELS, "deadlines": DEADLINES, "limit": LIST_LIMIT,
        "mine": _mark_late(mine, now), "available": _mark_late(available, now),
        "escalated": _mark_late(escalated, now), "team": _mark_late(team, now), "agents": agents,
    }, status_code=400 if errors else 200)


def _task_context(session: Session, task_id: int, worker: SignedInWorker, now: datetime) -> dict[str, Any]:
    task = queues.get_task(session, task_id, partner_id=worker.partner_id)
    me = session.get_one(Worker, worker.worker_id)
    holder = session.get(Worker, task.reserved_by_worker_id) if task.reserved_by_worker_id else None
    mine = task.status == TaskStatus.RESERVED and task.reserved_by_worker_id == worker.worker_id
    detail = task_detail(session, task)
    return {
        "task": {**detail, "en_retard": task.status in queues.OPEN_TASK
                 and datetime.fromisoformat(detail["echeance"]) < now},
        "holder": holder.name if holder else None,
        "mine": mine,
        "may_take": task.status == TaskStatus.PENDING and task.due_at <= now
        and not queues.supervisors_only(session, task, me),
        "may_release": task.status == TaskStatus.RESERVED and (mine or me.is_supervisor),
        "is_visit": task.kind in VISIT_KINDS,
        "outcomes": {o.value: outcome_label(o.value) for o in queues.outcomes_for(task.kind)},
        "outcome_required": task.kind not in KEPT_ON_RESPONSE,
        "today": local_date(now).isoformat(),
    }


def _task_page(request: Request, runtime: RuntimeDep, worker: SignedInWorker, task_id: int, *,
               form: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> HTMLResponse:
    with runtime.session_factory() as session:
        try:
            context = _task_context(session, task_id, worker, runtime.clock())
        except NotFoundError:
            return not_found_page(request)
    return render(request, "taches/tache.html", {
        **context, "worker": worker, "notice": pop_flash(request), "form": form or {}, "errors": errors or {},
    }, status_code=400 if errors else 200)


@router.get("/mes-taches/{task_id:int}", response_class=HTMLResponse)
def task_page(request: Request, task_id: int, worker: WorkerDep, runtime: RuntimeDep,
              audit: WebAuditDep) -> HTMLResponse:
    page = _task_page(request, runtime, worker, task_id)
    if page.status_code == 200:  # shown: not another structure's task (404)
        audit.read_tasks(runtime.session_factory, [task_id], now=runtime.clock())
    return page


def _version(value: str) -> int | None:
    return whole_number(value)


def _day(value: str) -> date | None:
    """A date from an <input type="date"> (AAAA-MM-JJ); ValueError when it is not one or is out of bounds
    (api/int_bounds.py: 9999-12-31 overflowed the reservation's arithmetic)."""
    return bounded_day(value) if value.strip() else None


def _day_problem(exc: ValueError) -> str:
    return DAY_OUT_OF_BOUNDS if str(exc) == DAY_OUT_OF_BOUNDS else "date invalide, format attendu JJ/MM/AAAA"


def _back(task_id: int) -> RedirectResponse:
    return RedirectResponse(f"/mes-taches/{task_id}", status_code=303)


@router.post("/mes-taches/{task_id:int}/prendre", response_model=None)
def claim(
    request: Request, task_id: int, *, worker: WorkerDep, runtime: RuntimeDep,
    version: Annotated[str, Form()] = "", date_prevue: Annotated[str, Form()] = "",
) -> Response:
    now = runtime.clock()
    try:
        planned = _day(date_prevue)
    except ValueError as exc:
        planned = None
        error = f"Jour prévu de la visite : {_day_problem(exc)}."
    else:
        error = "Jour prévu de la visite : la date est passée." if planned and planned < local_date(now) else ""
    if error:
        return _task_page(request, runtime, worker, task_id, form={"date_prevue": date_prevue},
                          errors={"date_prevue": error})
    try:
        with runtime.session_factory.begin() as session:
            task = queues.reserve(session, task_id=task_id, partner_id=worker.partner_id, worker_id=worker.worker_id,
                                  now=now, scheduled_on=planned, expected_version=_version(version))
            until = task.reserved_until
    except NotFoundError:
        return not_found_page(request)
    except _CONFLICTS as exc:
        flash(request, "error", f"Vous n'avez pas pu prendre la tâche : {clause(str(exc))}")
        return _back(task_id)
    planned_text = f" Visite prévue le {planned:%d/%m/%Y}." if planned else ""
    flash(request, "success",
          f"Vous avez pris la tâche : elle vous est réservée jusqu'au {deadline_fr(until)}.{planned_text}")
    return _back(task_id)


@router.post("/mes-taches/{task_id:int}/rendre", response_model=None)
def release(request: Request, task_id: int, worker: WorkerDep, runtime: RuntimeDep,
            version: Annotated[str, Form()] = "") -> Response:
    try:
        with runtime.session_factory.begin() as session:
            queues.release(session, task_id=task_id, partner_id=worker.partner_id, worker_id=worker.worker_id,
                           now=runtime.clock(), expected_version=_version(version))
    except NotFoundError:
        return not_found_page(request)
    except _CONFLICTS as exc:
        flash(request, "error", f"La tâche n'a pas été rendue : {clause(str(exc))}")
        return _back(task_id)
    flash(request, "success", f"La tâche n° {task_id} est rendue à la file de votre structure.")
    return RedirectResponse("/mes-taches", status_code=303)


def _appointment(
    outcome: str, day: str, hour: str, place: str, now: datetime
) -> tuple[AppointmentRequest | None, dict[str, str]]:
    """The rendez-vous as data (campaigns/queues/appointments.py): day, time and place, with French errors."""
    if not day.strip() and not hour.strip() and not place.strip():
        return None, {}
    if outcome != TaskOutcome.RENDEZ_VOUS_FIXE:
        return None, {"date_rdv": "Date du rendez-vous : à indiquer seulement avec le résultat « Rendez-vous fixé »."}
    try:
        when = _day(day)
    except ValueError as exc:
        return None, {"date_rdv": f"Date du rendez-vous : {_day_problem(exc)}."}
    if when is None:
        return None, {"date_rdv": "Date du rendez-vous : indiquez le jour du rendez-vous."}
    if when < local_date(now):
        return None, {"date_rdv": "Date du rendez-vous : la date est passée."}
    if not hour.strip():
        return None, {"heure_rdv": "Heure du rendez-vous : indiquez l'heure, format HH:MM."}
    try:
        at = time.fromisoformat(hour.strip())
    except ValueError:
        return None, {"heure_rdv": "Heure du rendez-vous : heure invalide, format attendu HH:MM."}
    if len(place.strip()) > PLACE_MAX_LENGTH:
        return None, {"lieu_rdv": f"Lieu du rendez-vous : {PLACE_MAX_LENGTH} caractères au plus."}
    request = AppointmentRequest(day=when, at=at, place=place.strip() or None)
    if request.starts_at() <= now:
        return None, {"heure_rdv": "Heure du rendez-vous : l'heure est passée."}
    return request, {}


def _appointment_line(request: AppointmentRequest | None) -> str | None:
    """The rendez-vous also opens the note, as the structure's notes always showed it."""
    if request is None:
        return None
    place = f", {request.place}" if request.place else ""
    return f"Rendez-vous le {request.day:%d/%m/%Y} à {request.at.hour} h {request.at.minute:02d}{place}."


def _completion_notice(done: queues.Completion) -> str:
    parts = [f"Tâche terminée : « {outcome_label(done.task.outcome)} »." if done.task.outcome else "Tâche terminée."]
    # A queue not trusted with the household acts on its own campaigns and cases only (docs/security.md, rule 2).
    everyone = done.household_wide
    if done.cancelled_contacts == 1:
        parts.append("Le ménage a répondu : le contact encore prévu à ce stade est annulé, pour tous les partenaires."
                     if everyone else "Le ménage a répondu : le contact encore prévu à ce stade par vos campagnes "
                     "est annulé.")
    elif done.cancelled_contacts > 1:
        parts.append(f"Le ménage a répondu : les {done.cancelled_contacts} contacts encore prévus à ce stade sont "
                     "annulés, pour tous les partenaires." if everyone else f"Le ménage a répondu : les "
                     f"{done.cancelled_contacts} contacts encore prévus à ce stade par vos campagnes sont annulés.")
    if done.phone_invalidated:
        parts.append("Le numéro de téléphone est marqué comme faux pour toutes les campagnes." if everyone
                     else "Le numéro de téléphone est marqué comme faux dans vos dossiers.")
    if done.addresses_invalidated:
        parts.append("L'adresse est marquée comme invalide pour toutes les campagnes." if everyone
                     else "L'adresse est marquée comme invalide dans vos dossiers.")
    if done.locate_task_id is not None:
        parts.append(f"Une tâche de recherche du ménage est ouverte (n° {done.locate_task_id}).")
    return " ".join(parts)


@router.post("/mes-taches/{task_id:int}/terminer", response_model=None)
def complete(
    request: Request, task_id: int, *, worker: WorkerDep, runtime: RuntimeDep, audit: WebAuditDep,
    version: Annotated[str, Form()] = "", resultat: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
    date_rdv: Annotated[str, Form()] = "", heure_rdv: Annotated[str, Form()] = "",
    lieu_rdv: Annotated[str, Form()] = "",
) -> Response:
    now = runtime.clock()
    form = {"resultat": resultat, "note": note, "date_rdv": date_rdv, "heure_rdv": heure_rdv, "lieu_rdv": lieu_rdv}
    errors: dict[str, str] = {}
    outcome = None
    if resultat:
        try:
            outcome = TaskOutcome(resultat)
        except ValueError:
            errors["resultat"] = "Résultat : choisissez une valeur de la liste."
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = f"Note : {NOTE_MAX_LENGTH} caractères au plus ({len(note)} saisis)."
    appointment, appointment_errors = _appointment(resultat, date_rdv, heure_rdv, lieu_rdv, now)
    errors |= appointment_errors
    if errors:
        return _task_page(request, runtime, worker, task_id, form=form, errors=errors)
    full_note = "\n".join(p for p in (_appointment_line(appointment), note.strip()) if p) or None
    try:
        with runtime.session_factory.begin() as session:
            done = queues.complete(session, task_id=task_id, partner_id=worker.partner_id,
                                   worker_id=worker.worker_id, outcome=outcome, note=full_note, now=now,
                                   expected_version=_version(version), appointment=appointment)
            audit.change(session, [done.task.household_id], now=now)
            notice = _completion_notice(done)
    except NotFoundError:
        return not_found_page(request)
    except ValidationError as exc:
        # The outcome is the one field the service checks ("résultat obligatoire…", "résultat « … » impossible…").
        return _task_page(request, runtime, worker, task_id, form=form,
                          errors={"resultat": sentence(str(exc))})
    except _CONFLICTS as exc:
        flash(request, "error", f"La tâche n'a pas été close : {clause(str(exc))}")
        return _back(task_id)
    flash(request, "success", notice)
    return RedirectResponse("/mes-taches", status_code=303)
