"""« Mes imports » for a bailleur's accounts: the lists it pushed, their reports and rejected rows (on screen and as
CSV), and a form to push a CSV file as POST /api/v1/signalements does (docs/web.md, docs/api.md). A bailleur reads
its own imports only (docs/security.md, rule 1): another partner's import answers 404."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import RuntimeDep
from api.web.auth import WebUser, require_roles
from api.web.templating import render
from api.web.worker_access import flash, pop_flash
from campaigns.crypto.columns import keyring_for
from campaigns.intake.jobs import create_or_join_import
from campaigns.intake.reports import import_report, rejections_csv
from campaigns.intake.stored_files import CHUNK_BYTES, UploadSpool, UploadTooLargeError
from campaigns.locale.labels import IMPORT_STATUSES, plural
from campaigns.models import ImportJob, Partner, UserRole
from campaigns.runtime.root import Runtime

router = APIRouter(include_in_schema=False)

LandlordDep = Annotated[WebUser, Depends(require_roles(UserRole.BAILLEUR))]
LIST_LIMIT = 50
STATUS_LABELS = IMPORT_STATUSES
SOURCE_LABELS = {"csv": "fichier CSV", "json": "envoi par l'API"}


def _not_found(request: Request) -> HTMLResponse:
    return render(request, "erreur.html", {"title": "Import introuvable", "code": 404, "message": (
        "Cet import n'existe pas, ou il a été envoyé par une autre structure que la vôtre.")}, status_code=404)


def _own_job(session: Session, import_id: int, partner_id: int) -> ImportJob | None:
    job = session.get(ImportJob, import_id)
    return job if job is not None and job.partner_id == partner_id else None


def summary(report: dict[str, Any]) -> str:
    """« 12 lignes lues : 9 dossiers créés, 1 mis à jour, 0 inchangé, 2 rejetées. »"""
    total = report["lignes_traitees"]
    return (f"{plural(total, 'ligne lue', 'lignes lues')} : {plural(report['crees'], 'dossier créé', 'dossiers créés')}"
            f", {plural(report['mis_a_jour'], 'mis à jour', 'mis à jour')}, "
            f"{plural(report['inchanges'], 'inchangé', 'inchangés')}, "
            f"{plural(report['rejetes'], 'ligne rejetée', 'lignes rejetées')}.")


def _imports_context(runtime: Runtime, partner_id: int) -> dict[str, Any]:
    with runtime.session_factory() as session:
        jobs = session.scalars(select(ImportJob).where(ImportJob.partner_id == partner_id)
                               .order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(LIST_LIMIT)).all()
        rows = [{"id": j.id, "created_at": j.created_at, "source": SOURCE_LABELS.get(j.source, j.source),
                 "status": STATUS_LABELS.get(j.status, j.status), "processed": j.processed_rows,
                 "rejected": j.rejected_count} for j in jobs]
    return {"rows": rows, "error": None, "limit_mb": runtime.settings.max_upload_bytes // 1_048_576}


@router.get("/mes-imports", response_class=HTMLResponse)
def imports_page(request: Request, user: LandlordDep, runtime: RuntimeDep) -> HTMLResponse:
    return render(request, "bailleur/imports.html", {**_imports_context(runtime, user.partner_id),
                                                     "notice": pop_flash(request)})


def _push(runtime: Runtime, partner_id: int, payload: UploadSpool) -> int:
    with runtime.session_factory.begin() as session:
        job, created = create_or_join_import(session, partner=session.get_one(Partner, partner_id), payload=payload,
                                             now=runtime.clock())
        job_id = job.id
    if created:
        runtime.submit_import(job_id, background=True)
    return job_id


@router.post("/mes-imports", response_class=HTMLResponse)
async def push_file(request: Request, user: LandlordDep, runtime: RuntimeDep,
                    fichier: Annotated[UploadFile | None, File()] = None) -> Response:
    limit = runtime.settings.max_upload_bytes
    error = None
    # Read and encrypted piece by piece into a temporary file: the file is never whole in memory.
    with UploadSpool(keyring_for(runtime.engine.dialect), limit=limit) as spool:
        try:
            while fichier is not None and (piece := await fichier.read(CHUNK_BYTES)):
                spool.write(piece)
        except UploadTooLargeError:
            error = f"Le fichier dépasse {limit // 1_048_576} Mo : découpez-le en plusieurs fichiers."
        if error is None and not spool.has_content:
            error = "Choisissez un fichier CSV non vide (une ligne d'en-tête, puis un ménage par ligne)."
        if error is not None:
            return render(request, "bailleur/imports.html", {**_imports_context(runtime, user.partner_id),
                                                             "error": error, "notice": None}, status_code=400)
        job_id = await run_in_threadpool(_push, runtime, user.partner_id, spool)
    flash(request, "success", "Fichier reçu : il est lu ligne à ligne, le rapport ci-dessous se complète.")
    return RedirectResponse(f"/mes-imports/{job_id}", status_code=303)


@router.get("/mes-imports/{import_id:int}", response_class=HTMLResponse)
def import_page(request: Request, import_id: int, user: LandlordDep, runtime: RuntimeDep) -> HTMLResponse:
    with runtime.session_factory() as session:
        job = _own_job(session, import_id, user.partner_id)
        if job is None:
            return _not_found(request)
        report = import_report(session, job, rejections_url=f"/mes-imports/{job.id}/rejets.csv")
        created_at = job.created_at
    return render(request, "bailleur/import.html", {
        "report": report, "created_at": created_at, "summary": summary(report), "notice": pop_flash(request),
        "status": STATUS_LABELS.get(report["statut"], report["statut"]),
        "finished": report["statut"] in ("done", "failed")})


@router.get("/mes-imports/{import_id:int}/rejets.csv")
def rejections_file(request: Request, import_id: int, user: LandlordDep, runtime: RuntimeDep) -> Response:
    session = runtime.session_factory()
    job = _own_job(session, import_id, user.partner_id)
    if job is None:
        session.close()
        return _not_found(request)

    def stream() -> Iterator[str]:
        try:
            yield from rejections_csv(session, job)
        finally:
            session.close()

    return StreamingResponse(stream(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="rejets-import-{import_id}.csv"'})
