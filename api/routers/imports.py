"""Import jobs: progress, report, and the rejected rows as CSV."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from api.deps import CallerDep, RuntimeDep
from campaigns.intake.reports import import_report, rejections_csv
from campaigns.models import ImportJob

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])


def _own_job(session: Session, import_id: int, partner_id: int) -> ImportJob:
    job = session.get(ImportJob, import_id)
    if job is None or job.partner_id != partner_id:
        raise HTTPException(status_code=404, detail="import introuvable")
    return job


@router.get("/{import_id}", summary="État et rapport d'un import")
def get_import(import_id: int, caller: CallerDep, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        job = _own_job(session, import_id, caller.partner_id)
        return import_report(session, job, rejections_url=f"/api/v1/imports/{job.id}/rejets.csv")


@router.get("/{import_id}/rejets.csv", summary="Lignes rejetées d'un import (CSV)")
def get_rejections(import_id: int, caller: CallerDep, runtime: RuntimeDep) -> StreamingResponse:
    session = runtime.session_factory()
    try:
        job = _own_job(session, import_id, caller.partner_id)
    except HTTPException:
        session.close()
        raise

    def stream() -> Any:
        try:
            yield from rejections_csv(session, job)
        finally:
            session.close()

    return StreamingResponse(
        stream(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="rejets-import-{import_id}.csv"'},
    )
