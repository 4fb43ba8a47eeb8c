"""The audit log of personal data, exported by the pilots (DDETS/DRIHL, Département) as CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse

from api.auditing import ApiAuditDep
from api.deps import OwnerDep, RuntimeDep
from campaigns.accounts.audit import day_bounds, journal_csv

router = APIRouter(prefix="/api/v1", tags=["journal"])


@router.get("/journal", summary="Journal des accès aux données personnelles (CSV)",
            response_class=StreamingResponse, responses={200: {"content": {"text/csv": {}}}})
def export_journal(
    caller: OwnerDep,
    runtime: RuntimeDep,
    audit: ApiAuditDep,
    du: Annotated[date, Query(description="Premier jour (AAAA-MM-JJ)")],
    au: Annotated[date, Query(description="Dernier jour, inclus (AAAA-MM-JJ)")],
) -> StreamingResponse:
    if au < du:
        raise HTTPException(status_code=422, detail=[{"champ": "au", "motif": "antérieur au premier jour « du »"}])
    if (au - du).days > 366:
        raise HTTPException(status_code=422, detail=[{"champ": "au", "motif": "période d'un an au plus"}])
    start, end = day_bounds(du, au)
    with runtime.session_factory.begin() as session:
        # The export itself is an access to the log (ids only): it is recorded too.
        audit.export(session, count=0, now=runtime.clock())

    def stream() -> object:
        with runtime.session_factory() as session:
            yield from journal_csv(session, start=start, end=end)

    return StreamingResponse(
        stream(),  # type: ignore[arg-type]
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="journal-{du.isoformat()}-{au.isoformat()}.csv"'},
    )
