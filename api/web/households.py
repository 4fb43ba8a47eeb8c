"""The households for the campaign owners (« Ménages », DDETS/DRIHL and Département accounts: the list by coordinated
stage with a search sent by POST and pages, and one household's cases, contacts, responses and tasks by date), and
the household page of a social worker (what their structure's tasks need, named by one of its tasks).

A household outside the reader's scope answers the same 404 page as one that does not exist; other roles are
refused by the route's rule (403) whatever the number asked, so neither answer tells whether it exists."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.web.auditing import WebAuditDep
from api.web.campaign_access import CampaignUser, PilotDep
from api.web.error_pages import error_page
from api.web.list_forms import ListRequest, stage_list
from api.web.templating import render
from api.web.timeline_labels import stage_choices, timeline_rows
from api.web.worker_access import WorkerDep
from campaigns.intake.pilot_households import household_record, household_stage_counts, pilot_households
from campaigns.queues.household_view import worker_household

router = APIRouter(include_in_schema=False)



def _list(request: Request, user: CampaignUser, runtime: RuntimeDep, audit: WebAuditDep,
          asked: ListRequest) -> Response:
    with runtime.session_factory.begin() as session:
        paged = pilot_households(session, stage=asked.chosen("stade"), query=asked.search, page=asked.page)
        counts = household_stage_counts(session)
        if paged.rows:
            audit.read(session, [row.household_id for row in paged.rows], now=runtime.clock())
    return render(request, "menages/liste.html", {
        "user": user, "paged": paged, "counts": counts, "total": sum(counts.values()), "asked": asked,
        "stages": stage_choices()}, status_code=400 if asked.errors else 200)


@router.get("/menages", response_class=HTMLResponse)
def households_page(request: Request, user: PilotDep, runtime: RuntimeDep, audit: WebAuditDep,  # noqa: PLR0917
                    stade: str = "", page: str = "1") -> Response:
    return _list(request, user, runtime, audit, stage_list(stade, page=page))


@router.post("/menages", response_class=HTMLResponse)
def households_search(request: Request, user: PilotDep, runtime: RuntimeDep,  # noqa: PLR0917 - form fields
                      audit: WebAuditDep, recherche: Annotated[str, Form()] = "",
                      stade: Annotated[str, Form()] = "", page: Annotated[str, Form()] = "1") -> Response:
    return _list(request, user, runtime, audit, stage_list(stade, search=recherche, page=page))


@router.get("/menages/{household_id:int}", response_class=HTMLResponse)
def household_page(request: Request, household_id: int, user: PilotDep, runtime: RuntimeDep,
                   audit: WebAuditDep) -> Response:
    with runtime.session_factory.begin() as session:
        record = household_record(session, household_id)
        if record is None:
            return error_page(request, 404)
        audit.read(session, [household_id], now=runtime.clock())
    return render(request, "menages/menage.html", {"user": user, "household": record,
                                                   "events": timeline_rows(record["events"])})


@router.get("/mes-taches/{task_id:int}/menage", response_class=HTMLResponse)
def worker_household_page(request: Request, task_id: int, worker: WorkerDep, runtime: RuntimeDep,
                          audit: WebAuditDep) -> Response:
    """Named by the structure's own task, never by the household's internal number (docs/security.md rule 1)."""
    with runtime.session_factory.begin() as session:
        view = worker_household(session, task_id, partner_id=worker.partner_id)
        if view is None:
            return error_page(request, 404)
        audit.read(session, [view["household_id"]], now=runtime.clock())
    return render(request, "menages/menage_agent.html", {
        "worker": worker, "task": view["detail"], "tasks": view["tasks"],
        "events": timeline_rows(view["events"])})
