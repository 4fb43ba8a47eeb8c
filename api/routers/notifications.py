"""Notices to the social services (M24): when the préfet grants the concours de la force publique, the State informs
the competent EDS and the CCAS of the commune by letter (campaigns/messages/notices.py). A structure reads the notices
addressed to it, the State those its campaigns sent; a landlord never reads them (api/access_rules.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.auditing import ApiAuditDep
from api.deps import CallerDep, RuntimeDep
from campaigns.delivery.notices import list_notices

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/notifications", summary="Informations aux services sociaux (M24) reçues ou envoyées par votre structure")
def get_notices(caller: CallerDep, runtime: RuntimeDep, audit: ApiAuditDep,
                limite: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        found = list_notices(session, partner_id=caller.partner_id, limit=limite)
        audit.read(session, found.household_ids, now=runtime.clock())
        return {"notifications": found.notices}
