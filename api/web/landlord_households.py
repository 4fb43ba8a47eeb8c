"""« Mes ménages » for a bailleur's accounts: its households by the stage it reported, with what its own campaigns
sent, the responses it recorded and whether its case is closed; a search (name, reference, commune) sent by POST and
pages; one household's page, reached by the bailleur's own case (never the household: its number would tell whether
someone else knew the tenant first).

Rule 1 of docs/security.md (no oracle): another partner's case, a case that does not exist and a purged one answer the
same 404 page as any unknown address; a search finds the bailleur's own cases only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.web.auditing import WebAuditDep
from api.web.auth import WebUser
from api.web.error_pages import error_page
from api.web.landlord_pages import LandlordDep
from api.web.list_forms import ListRequest, stage_list
from api.web.templating import render
from api.web.timeline_labels import stage_choices, timeline_rows
from campaigns.intake.case_search import display_name
from campaigns.intake.landlord_households import own_case, own_households, own_timeline, stage_counts
from campaigns.models import Case
from campaigns.models.stages import Stage

router = APIRouter(include_in_schema=False)



def _list(request: Request, user: WebUser, runtime: RuntimeDep, audit: WebAuditDep, asked: ListRequest) -> Response:
    with runtime.session_factory.begin() as session:
        paged = own_households(session, partner_id=user.partner_id, stage=asked.chosen("stade"),
                               query=asked.search, page=asked.page)
        counts = stage_counts(session, partner_id=user.partner_id)
        if paged.rows:
            audit.read(session, {row.household_id for row in paged.rows}, now=runtime.clock())
    return render(request, "bailleur/menages.html", {
        "paged": paged, "counts": counts, "total": sum(counts.values()), "asked": asked,
        "stages": stage_choices()}, status_code=400 if asked.errors else 200)


@router.get("/mes-menages", response_class=HTMLResponse)
def households_page(request: Request, user: LandlordDep, runtime: RuntimeDep,  # noqa: PLR0917 - query fields
                    audit: WebAuditDep, stade: str = "", page: str = "1") -> Response:
    return _list(request, user, runtime, audit, stage_list(stade, page=page))


@router.post("/mes-menages", response_class=HTMLResponse)
def households_search(request: Request, user: LandlordDep, runtime: RuntimeDep,  # noqa: PLR0917 - form fields
                      audit: WebAuditDep, recherche: Annotated[str, Form()] = "",
                      stade: Annotated[str, Form()] = "", page: Annotated[str, Form()] = "1") -> Response:
    return _list(request, user, runtime, audit, stage_list(stade, search=recherche, page=page))


def _case_summary(case: Case) -> dict[str, Any]:
    co_holder = display_name(case.prenom_cotitulaire, case.nom_cotitulaire) \
        if case.prenom_cotitulaire or case.nom_cotitulaire else None
    return {
        "reference": case.reference, "name": display_name(case.prenom, case.nom), "co_holder": co_holder,
        "address": ", ".join(p for p in (case.adresse, case.complement_adresse) if p),
        "town": " ".join(p for p in (case.code_postal, case.commune) if p), "stage": case.stage,
        "stage_date": case.date_stade, "hearing": case.date_audience, "closed": case.stage == Stage.CLOTURE,
        "debt": str(case.montant_dette) if case.montant_dette is not None else None, "updated_at": case.updated_at,
    }


@router.get("/mes-menages/{case_id:int}", response_class=HTMLResponse)
def household_page(request: Request, case_id: int, user: LandlordDep, runtime: RuntimeDep,
                   audit: WebAuditDep) -> Response:
    with runtime.session_factory.begin() as session:
        case = own_case(session, case_id, partner_id=user.partner_id)
        if case is None:
            return error_page(request, 404)
        timeline = own_timeline(session, case)
        summary = _case_summary(case)
        audit.read(session, [case.household_id], now=runtime.clock())
    return render(request, "bailleur/menage.html", {
        "case": summary, **timeline, "events": timeline_rows(timeline["events"])})
