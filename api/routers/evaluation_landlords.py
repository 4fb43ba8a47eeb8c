"""The landlord response rate, apart from the household's (docs/domain.md §11.7), for the pilots: read from the
evaluation facts of the period, like GET /api/v1/evaluation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from api.deps import OwnerDep, RuntimeDep
from api.routers.evaluation import DebutQuery, FinQuery, _period
from campaigns.evaluation.landlords import landlord_rates
from campaigns.evaluation.period import reader_scope
from campaigns.reports.landlords import landlord_json

router = APIRouter(prefix="/api/v1/evaluation", tags=["évaluation"])


@router.get("/bailleurs", summary="Taux de réponse des bailleurs aux courriers qui leur sont adressés")
def get_landlord_rates(caller: OwnerDep, runtime: RuntimeDep, debut: DebutQuery, fin: FinQuery) -> dict[str, Any]:
    period = _period(debut, fin)
    with runtime.session_factory() as session:
        scope = reader_scope(session, caller.partner_id, caller.name, caller.kind)
        if scope is None:
            raise HTTPException(status_code=status.HTTP_403_FORBIDDEN,
                                detail="Réservé aux pilotes de la prévention.")
        return landlord_json(landlord_rates(session, period=period, scope=scope))
