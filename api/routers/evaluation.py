"""Evaluation of the contacts for owners (everything: JSON, CSV and XLSX) and bailleurs (their own households:
JSON), docs/security.md E1 and E2."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response

from api.deps import CallerDep, OwnerDep, RuntimeDep
from campaigns.evaluation.period import Period, Scope, reader_scope
from campaigns.evaluation.time_to_response import evaluate_with_events
from campaigns.reports.files import report_csv, report_xlsx
from campaigns.reports.tables import Report, build_report, report_json
from campaigns.runtime.root import Runtime

router = APIRouter(prefix="/api/v1/evaluation", tags=["évaluation"])

MAX_DAYS = 3 * 366
DebutQuery = Annotated[date, Query(description="Premier jour de la période (AAAA-MM-JJ)")]
FinQuery = Annotated[date, Query(description="Dernier jour de la période, inclus (AAAA-MM-JJ)")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(debut: date, fin: date) -> Period:
    if fin < debut:
        raise HTTPException(status_code=422, detail=[{"champ": "fin", "motif": "la fin précède le début"}])
    if (fin - debut).days > MAX_DAYS:
        raise HTTPException(status_code=422, detail=[{"champ": "fin", "motif": "période de trois ans au plus"}])
    return Period(debut, fin)


def _report(runtime: Runtime, period: Period, scope: Scope) -> Report:
    with runtime.session_factory() as session:
        evaluation = evaluate_with_events(session, period=period, scope=scope, now=runtime.clock())
    return build_report(evaluation)


@router.get("", summary="Évaluation des contacts sur une période (taux, comparaisons, délais, indicateurs)")
def get_evaluation(caller: CallerDep, runtime: RuntimeDep, debut: DebutQuery, fin: FinQuery) -> dict[str, Any]:
    # A bailleur sees its own households only (those it pushed), never another bailleur's row nor who else writes
    # to its tenants (docs/security.md E1, E2).
    with runtime.session_factory() as session:
        scope = reader_scope(session, caller.partner_id, caller.name, caller.kind)
    if scope is None:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN,
                            detail="Réservé aux pilotes de la prévention et aux bailleurs (pour leurs ménages).")
    return report_json(_report(runtime, _period(debut, fin), scope))


def _filename(period: Period, extension: str) -> str:
    return f'attachment; filename="evaluation_{period.start.isoformat()}_{period.end.isoformat()}.{extension}"'


@router.get("/export.csv", summary="Évaluation en CSV (une ligne par valeur, séparateur « ; »)")
def export_csv(caller: OwnerDep, runtime: RuntimeDep, debut: DebutQuery, fin: FinQuery) -> Response:
    period = _period(debut, fin)
    return Response(report_csv(_report(runtime, period, Scope())), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": _filename(period, "csv")})


@router.get("/export.xlsx", summary="Évaluation en classeur XLSX (un onglet par tableau)")
def export_xlsx(caller: OwnerDep, runtime: RuntimeDep, debut: DebutQuery, fin: FinQuery) -> Response:
    period = _period(debut, fin)
    return Response(report_xlsx(_report(runtime, period, Scope())), media_type=XLSX,
                    headers={"Content-Disposition": _filename(period, "xlsx")})
