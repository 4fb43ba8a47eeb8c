"""Dry run of the campaigns on the current households, for the owners (no sending)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import OwnerDep, RuntimeDep
from campaigns.locale.clock import PARIS
from campaigns.simulation.report import format_fr
from campaigns.simulation.stock import simulate

router = APIRouter(prefix="/api/v1", tags=["simulation"])


@router.get("/simulation", summary="Simuler les campagnes : courriers par ménage et profil, avec et sans coordination")
def get_simulation(  # noqa: PLR0917 - one parameter per query option
    caller: OwnerDep,
    runtime: RuntimeDep,
    debut: Annotated[date | None, Query(description="Premier jour (AAAA-MM-JJ), par défaut aujourd'hui")] = None,
    jours: Annotated[int, Query(ge=1, le=730)] = 90,
    brouillons: Annotated[bool, Query(description="Rejouer aussi les brouillons, activés au premier jour")] = False,
    par_menage: Annotated[bool, Query(description="Lister aussi chaque ménage (menages)")] = False,
) -> dict[str, Any]:
    start = datetime.combine(debut, time(9, 0), tzinfo=PARIS) if debut else runtime.clock()
    with runtime.session_factory() as session:
        report = simulate(session, start=start, days=jours, rules=runtime.coordination_rules,
                          include_drafts=brouillons)
    return {**report.as_dict(per_household=par_menage), "tableau": format_fr(report, per_household=par_menage)}
