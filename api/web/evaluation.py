"""The evaluation page (/evaluation): charts and tables of aggregates only, filters, CSV/XLSX exports.

Open to evaluators and administrators. Everything shown comes from `campaigns.reports.tables` (small cells "< 5",
no name, address or allocataire number) and the charts from `campaigns.reports.charts`, the same as
`chaine rapport`. Each user reads its own partner's view (`reader_scope`, the API's rule, docs/security.md E1 to
E3): a pilot's every household, a bailleur's its own households, another institution's the households its
campaigns and its queue reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from api.deps import RuntimeDep
from api.int_bounds import bounded_day, whole_number
from api.web.auth import WebUser, require_roles
from api.web.templating import render
from campaigns.evaluation.period import PARC_LABELS, Period, Scope, reader_scope
from campaigns.evaluation.time_to_response import evaluate_with_events
from campaigns.facts.stays import BAILLEUR_KINDS, day_of
from campaigns.models import Partner, PartnerKind, UserRole
from campaigns.models.stages import OPEN_STAGES
from campaigns.reports.charts import CHART_CSS, format_cell, report_charts
from campaigns.reports.files import report_csv, report_xlsx
from campaigns.reports.tables import CURVE_DAYS, Report, build_report
from campaigns.runtime.root import Runtime

router = APIRouter(include_in_schema=False)
# The page: a bailleur's accounts read it too, scoped to their own households by reader_scope (docs/security.md E2).
EvaluatorDep = Annotated[WebUser, Depends(require_roles(UserRole.EVALUATEUR, UserRole.ADMIN, UserRole.BAILLEUR))]
# The files: evaluators and administrators only, as the API's exports are the pilots' (api/access_rules.py).
ExporterDep = Annotated[WebUser, Depends(require_roles(UserRole.EVALUATEUR, UserRole.ADMIN))]
MAX_DAYS = 3 * 366
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Shown in their own sections rather than among "Tous les tableaux".
_SHOWN_ELSEWHERE = {"comparaisons", "experiences"}
_PAGE_CSS = CHART_CSS + "\n.evaluation-graphique{overflow-x:auto}\n"


@dataclass
class Filters:
    """The GET form: période, stade, bailleur, parc; `errors` name the field in French."""

    debut: str = ""
    fin: str = ""
    stade: str = ""
    bailleur: str = ""
    parc: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def query(self) -> str:
        """The filters as a query string (codes and ids only: nothing personal goes in a URL)."""
        return urlencode({k: v for k, v in (("debut", self.debut), ("fin", self.fin), ("stade", self.stade),
                                            ("bailleur", self.bailleur), ("parc", self.parc)) if v})


@dataclass(frozen=True, slots=True)
class Reader:
    scope: Scope  # before the filters
    bailleurs: list[tuple[int, str]]  # the bailleur filter's choices (none for a bailleur reading its own)


def _reader(runtime: Runtime, user: WebUser) -> Reader:
    with runtime.session_factory() as session:
        kind = PartnerKind(session.scalars(select(Partner.kind).where(Partner.id == user.partner_id)).one())
        scope = reader_scope(session, user.partner_id, user.partner_name, kind, institution=True)
        assert scope is not None  # the web roles open every partner kind, each to its own view
        bailleurs = [] if scope.restricted else [
            (i, name) for i, name in session.execute(
                select(Partner.id, Partner.name).where(Partner.kind.in_(BAILLEUR_KINDS)).order_by(Partner.name))]
    return Reader(scope, bailleurs)


@dataclass(frozen=True, slots=True)
class Asked:
    period: Period
    scope: Scope
    settings: list[tuple[str, str]]  # the filters as the page shows them, written into the exports


def _parse(filters: Filters, reader: Reader, today: date) -> Asked | None:
    """The period, the scope and the filters' labels asked for, or None with `filters.errors` filled in."""
    days: dict[str, date] = {}
    defaults = {"debut": today - timedelta(days=364), "fin": today}
    for name, label in (("debut", "début"), ("fin", "fin")):
        text = getattr(filters, name).strip()
        try:
            days[name] = bounded_day(text) if text else defaults[name]
        except ValueError:
            filters.errors[name] = f"Date de {label} invalide : utilisez le format AAAA-MM-JJ, par exemple 2026-01-31."
    if not filters.errors:
        if days["fin"] < days["debut"]:
            filters.errors["fin"] = "La date de fin doit suivre la date de début."
        elif (days["fin"] - days["debut"]).days > MAX_DAYS:
            filters.errors["fin"] = "La période ne peut pas dépasser trois ans."
    stage = filters.stade or None
    if stage is not None and stage not in {s.value for s in OPEN_STAGES}:
        filters.errors["stade"] = "Stade inconnu : choisissez un stade de la liste."
    parc = filters.parc or None
    if parc is not None and parc not in PARC_LABELS:
        filters.errors["parc"] = "Parc inconnu : choisissez « parc social » ou « parc privé »."
    bailleur = None
    if filters.bailleur and not reader.scope.restricted:
        names = dict(reader.bailleurs)
        bailleur = whole_number(filters.bailleur)
        if bailleur not in names:
            filters.errors["bailleur"] = "Bailleur inconnu : choisissez un bailleur de la liste."
    if filters.errors:
        return None
    filters.debut, filters.fin = days["debut"].isoformat(), days["fin"].isoformat()
    base = reader.scope
    stage_label = next((s.label for s in OPEN_STAGES if s.value == stage), None)
    parts = [base.label] if base.restricted else []
    settings = [("périmètre", base.label)]
    if not base.restricted:
        chosen = dict(reader.bailleurs)[bailleur] if bailleur is not None else "tous les bailleurs"
        settings.append(("bailleur", chosen))
    settings += [("stade", stage_label or "tous les stades"),
                 ("parc", PARC_LABELS[parc] if parc is not None else "parcs social et privé")]
    if bailleur is not None:
        parts.append(f"ménages signalés par {dict(reader.bailleurs)[bailleur]}")
    if stage_label is not None:
        parts.append("stade : " + stage_label)
    if parc is not None:
        parts.append(PARC_LABELS[parc])
    scope = replace(base, bailleur_id=base.bailleur_id if base.restricted else bailleur,
                    label=" · ".join(parts) or base.label, stage=stage, parc=parc)
    return Asked(Period(days["debut"], days["fin"]), scope, settings)


def _report(runtime: Runtime, period: Period, scope: Scope) -> Report:
    with runtime.session_factory() as session:
        evaluation = evaluate_with_events(session, period=period, scope=scope, now=runtime.clock())
    return build_report(evaluation)


def _filters(debut: str = "", fin: str = "", stade: str = "", bailleur: str = "", parc: str = "") -> Filters:
    return Filters(debut, fin, stade, bailleur, parc)


FiltersDep = Annotated[Filters, Depends(_filters)]


@router.get("/evaluation", response_class=HTMLResponse)
def evaluation_page(request: Request, user: EvaluatorDep, runtime: RuntimeDep, filters: FiltersDep) -> HTMLResponse:
    reader = _reader(runtime, user)
    parsed = _parse(filters, reader, day_of(runtime.clock()))
    context: dict[str, Any] = {
        "user": user, "filters": filters, "reader": reader, "stages": [(s.value, s.label) for s in OPEN_STAGES],
        "parcs": list(PARC_LABELS.items()), "report": None, "charts": [], "tables": [], "fmt": format_cell,
        "may_export": user.role != UserRole.BAILLEUR,
    }
    if parsed is None:
        return render(request, "evaluation/index.html", context, status_code=400)
    report = _report(runtime, parsed.period, parsed.scope)
    charts = report_charts(report, CURVE_DAYS)
    context |= {
        "report": report, "query": filters.query(),
        "charts": [{"chart": c, "svg": Markup(c.svg)} for c in charts],  # noqa: S704 - built and escaped by reports_charts
        "summary": report.table("synthese"), "comparisons": report.table("comparaisons"),
        "experiments": next((t for t in report.tables if t.key == "experiences"), None),
        "tables": [t for t in report.tables if t.key not in _SHOWN_ELSEWHERE],
    }
    return render(request, "evaluation/index.html", context)


def _export(runtime: Runtime, user: WebUser, filters: Filters) -> tuple[Report, Asked] | None:
    """The report of the page with these filters, and what was asked (the files name it: what is on screen)."""
    reader = _reader(runtime, user)
    parsed = _parse(filters, reader, day_of(runtime.clock()))
    if parsed is None:
        return None
    return _report(runtime, parsed.period, parsed.scope), parsed


def _attachment(period: Period, extension: str) -> dict[str, str]:
    name = f"evaluation_{period.start.isoformat()}_{period.end.isoformat()}.{extension}"
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _invalid(request: Request, filters: Filters) -> HTMLResponse:
    return render(request, "erreur.html", {
        "title": "Export impossible",
        "message": "Les filtres de l'export sont invalides : " + " ".join(filters.errors.values()),
    }, status_code=400)


@router.get("/evaluation/export.csv")
def evaluation_csv(request: Request, user: ExporterDep, runtime: RuntimeDep, filters: FiltersDep) -> Response:
    built = _export(runtime, user, filters)
    if built is None:
        return _invalid(request, filters)
    report, asked = built
    return Response(report_csv(report, asked.settings), media_type="text/csv; charset=utf-8",
                    headers=_attachment(asked.period, "csv"))


@router.get("/evaluation/export.xlsx")
def evaluation_xlsx(request: Request, user: ExporterDep, runtime: RuntimeDep, filters: FiltersDep) -> Response:
    built = _export(runtime, user, filters)
    if built is None:
        return _invalid(request, filters)
    report, asked = built
    return Response(report_xlsx(report, asked.settings), media_type=XLSX, headers=_attachment(asked.period, "xlsx"))


@router.get("/evaluation/graphiques.css")
def charts_css() -> Response:
    """The charts' few rules, as a file of this site: the pages' security policy allows no inline style."""
    return Response(_PAGE_CSS, media_type="text/css; charset=utf-8", headers={"Cache-Control": "max-age=3600"})
