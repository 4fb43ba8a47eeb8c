"""Owner-only exports: the household grouping of every case."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.deps import OwnerDep, RuntimeDep
from campaigns.household_exports import grouping_csv

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])


@router.get("/menages.csv", summary="Regroupement des dossiers en ménages (CSV)")
def export_households(caller: OwnerDep, runtime: RuntimeDep) -> StreamingResponse:
    def stream() -> object:
        with runtime.session_factory() as session:
            yield from grouping_csv(session)

    return StreamingResponse(
        stream(),  # type: ignore[arg-type]
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="menages.csv"'},
    )
