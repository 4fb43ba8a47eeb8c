"""The landlord response rate, apart from the household's (docs/domain.md §11.7), for the pilots."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from api.deps import OwnerDep, RuntimeDep
from campaigns.evaluation.landlords import landlord_rates
from campaigns.evaluation.sums import Period
from campaigns.reports.landlords import landlord_json

router = APIRouter(prefix="/api/v1/evaluation", tags=["évaluation"])


@router.get("/bailleurs", summary="Taux de réponse des bailleurs aux courriers qui leur sont adressés")
def get_landlord_rates(
    caller: OwnerDep, runtime: RuntimeDep,
    debut: Annotated[date, Query(description="Premier jour de la période (AAAA-MM-JJ)")],
    fin: Annotated[date, Query(description="Dernier jour de la période, inclus (AAAA-MM-JJ)")],
) -> dict[str, Any]:
    if fin < debut:
        raise HTTPException(status_code=422, detail=[{"champ": "fin", "motif": "la fin précède le début"}])
    with runtime.session_factory() as session:
        return landlord_json(landlord_rates(session, period=Period(debut, fin)))
