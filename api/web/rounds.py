"""« Ma tournée »: the worker's visits of a day grouped by commune, as a page and as the printable PDF sheet."""

from __future__ import annotations

from datetime import date
from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.int_bounds import bounded_day
from api.web.auditing import web_audit
from api.web.templating import render
from api.web.worker_access import SignedInWorker, WorkerDep
from campaigns.accounts.staff import get_worker
from campaigns.locale.clock import local_date
from campaigns.models import Partner
from campaigns.queues.agenda import worker_calendar
from campaigns.queues.appointments import worker_appointments
from campaigns.queues.task_reports import RoundStop, round_stops

router = APIRouter(include_in_schema=False)

DAY_ERROR = "Jour de la tournée : date invalide, format attendu AAAA-MM-JJ."


def _parse_day(value: str, runtime: RuntimeDep) -> date | None:
    """The day asked for (today when empty); None when it is not a date."""
    if not value.strip():
        return local_date(runtime.clock())
    try:
        return bounded_day(value)
    except ValueError:
        return None


def _stops(runtime: RuntimeDep, worker: SignedInWorker, day: date) -> tuple[str, list[RoundStop]]:
    with runtime.session_factory() as session:
        me = get_worker(session, worker.worker_id, partner_id=worker.partner_id)
        stops = round_stops(session, partner_id=worker.partner_id, worker=me, day=day)
        return session.get_one(Partner, worker.partner_id).name, stops


@router.get("/mes-taches/tournee", response_class=HTMLResponse)
def round_page(
    request: Request, worker: WorkerDep, runtime: RuntimeDep, jour: Annotated[str, Query(max_length=20)] = ""
) -> HTMLResponse:
    day = _parse_day(jour, runtime)
    if day is None:
        return render(request, "taches/tournee.html", {
            "worker": worker, "day": None, "jour": jour, "error": DAY_ERROR, "communes": [], "count": 0,
        }, status_code=400)
    _, stops = _stops(runtime, worker, day)
    web_audit(request, worker.user).read_tasks(runtime.session_factory, [s.task_id for s in stops], now=runtime.clock())
    communes = [(commune or "Commune inconnue", list(group)) for commune, group in groupby(stops, lambda s: s.commune)]
    return render(request, "taches/tournee.html", {
        "worker": worker, "day": day, "jour": day.isoformat(), "error": None, "communes": communes,
        "count": len(stops),
    })


@router.get("/mes-taches/tournee.pdf", response_model=None)
def round_pdf(
    request: Request, worker: WorkerDep, runtime: RuntimeDep, jour: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    day = _parse_day(jour, runtime)
    if day is None:
        return render(request, "erreur.html", {"title": "Date invalide", "message": DAY_ERROR}, status_code=400)
    structure, stops = _stops(runtime, worker, day)
    web_audit(request, worker.user).read_tasks(runtime.session_factory, [s.task_id for s in stops], now=runtime.clock())
    pdf = runtime.round_pdf(structure=structure, worker=worker.name, day=day, stops=stops)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="tournee-{day.isoformat()}.pdf"'})


@router.get("/mes-taches/agenda.ics")
def agenda_file(request: Request, worker: WorkerDep, runtime: RuntimeDep) -> Response:
    """« Mon agenda (.ics) »: the signed-in worker's own appointments, never another's (no id in the address)."""
    now = runtime.clock()
    with runtime.session_factory() as session:
        me = get_worker(session, worker.worker_id, partner_id=worker.partner_id)
        body = worker_calendar(session, worker=me, now=now)
        tasks = [a.task_id for a in worker_appointments(session, partner_id=me.partner_id, worker_id=me.id)]
    web_audit(request, worker.user).read_tasks(runtime.session_factory, tasks, now=now)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="mon-agenda.ics"'})
