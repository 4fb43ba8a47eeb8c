"""Partners push impayé lists (JSON inline, CSV as a job) and read back their own cases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select

from api.auditing import ApiAuditDep
from api.deps import CallerDep, RuntimeDep
from api.idempotency import find_replay, remember, request_hash, request_hasher
from campaigns.crypto.columns import keyring_for
from campaigns.intake.case_views import case_view
from campaigns.intake.jobs import create_or_join_import, push_items
from campaigns.intake.reports import import_report
from campaigns.intake.stored_files import CHUNK_BYTES, UploadSpool, UploadTooLargeError
from campaigns.models import Case, Partner
from campaigns.runtime.root import Runtime

router = APIRouter(prefix="/api/v1", tags=["signalements"])

_PUSH_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"fichier": {"type": "string", "format": "binary"}}}
            },
        },
    }
}


def _json(status_code: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json", headers=headers)


def _parse_items(body: bytes, limit: int) -> list[object]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HTTPException(status_code=400, detail=f"JSON invalide : {exc}") from None
    items = document.get("signalements") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise HTTPException(status_code=422, detail="une liste de signalements est attendue")
    # An element that is not an object is a row error of its own (campaigns/intake/jobs.py): the others are kept.
    if len(items) > limit:
        raise HTTPException(
            status_code=413,
            detail=f"{len(items)} lignes : au plus {limit} par requête JSON ; envoyez un fichier CSV au-delà",
        )
    return items


def _push_json(runtime: Runtime, caller_id: int, items: list[object], keyed: tuple[str, str] | None
               ) -> tuple[int, dict[str, Any]]:
    now = runtime.clock()
    with runtime.session_factory.begin() as session:
        if keyed and (replay := find_replay(session, partner_id=caller_id, key=keyed[0], digest=keyed[1])):
            return replay
        partner = session.get_one(Partner, caller_id)
        job = push_items(session, partner=partner, items=items, now=now)
        body = import_report(session, job, rejections_url=f"/api/v1/imports/{job.id}/rejets.csv")
        if keyed:
            remember(session, partner_id=caller_id, key=keyed[0], digest=keyed[1], status_code=200, body=body,
                     now=now)
        return 200, body


def _push_csv(runtime: Runtime, caller_id: int, payload: UploadSpool, keyed: tuple[str, str] | None
              ) -> tuple[int, dict[str, Any], bool]:
    now = runtime.clock()
    with runtime.session_factory.begin() as session:
        if keyed and (replay := find_replay(session, partner_id=caller_id, key=keyed[0], digest=keyed[1])):
            return replay[0], replay[1], False
        partner = session.get_one(Partner, caller_id)
        # The same file posted twice at once (a retry after a timeout) joins the first job: one import.
        job, created = create_or_join_import(session, partner=partner, payload=payload, now=now)
        body = import_report(session, job, rejections_url=f"/api/v1/imports/{job.id}/rejets.csv")
        if keyed:
            remember(session, partner_id=caller_id, key=keyed[0], digest=keyed[1], status_code=202, body=body,
                     now=now)
    if created:
        runtime.submit_import(job.id, background=True)
    return 202, body, created


@router.post("/signalements", openapi_extra=_PUSH_DOC, summary="Pousser une liste d'impayés (JSON ou CSV)")
async def push_signalements(
    request: Request,
    caller: CallerDep,
    runtime: RuntimeDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Response:
    limit = runtime.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status_code=413, detail=_too_large(limit))
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await request.body()
        if len(body) > limit:
            raise HTTPException(status_code=413, detail=_too_large(limit))
        keyed = (idempotency_key, request_hash("POST", request.url.path, body)) if idempotency_key else None
        items = _parse_items(body, runtime.settings.json_push_max_rows)
        code, report = await run_in_threadpool(_push_json, runtime, caller.partner_id, items, keyed)
        return _json(code, report)
    if content_type not in ("text/csv", "multipart/form-data", "application/octet-stream", "text/plain"):
        raise HTTPException(
            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="type de contenu non pris en charge : application/json, text/csv ou multipart/form-data",
        )
    # A CSV file is never whole in memory: encrypted piece by piece into a temporary file as it arrives, hashed
    # (keyed, to find the same file posted twice; plain, for Idempotency-Key) on the way.
    digest = request_hasher("POST", request.url.path)
    with UploadSpool(keyring_for(runtime.engine.dialect), limit=limit) as spool:
        try:
            async for piece in _body_pieces(request, content_type):
                spool.write(piece)
                digest.update(piece)
        except UploadTooLargeError:
            raise HTTPException(status_code=413, detail=_too_large(limit)) from None
        keyed = (idempotency_key, digest.hexdigest()) if idempotency_key else None
        code, report, _ = await run_in_threadpool(_push_csv, runtime, caller.partner_id, spool, keyed)
    return _json(code, report, headers={"Location": f"/api/v1/imports/{report['id']}"})


def _too_large(limit: int) -> str:
    return f"fichier trop volumineux : au plus {limit // 1_048_576} Mo"


async def _body_pieces(request: Request, content_type: str) -> AsyncIterator[bytes]:
    """The CSV file as it arrives: the body itself, or the form's « fichier » (spooled to disk by the form parser)."""
    if content_type != "multipart/form-data":
        async for piece in request.stream():
            if piece:
                yield piece
        return
    form = await request.form()
    upload = form.get("fichier")
    if upload is None or isinstance(upload, str):
        raise HTTPException(status_code=422, detail="champ « fichier » absent du formulaire")
    while piece := await upload.read(CHUNK_BYTES):
        yield piece


@router.get("/signalements/{reference}", summary="Lire un de ses propres dossiers")
def get_signalement(reference: str, caller: CallerDep, runtime: RuntimeDep, audit: ApiAuditDep) -> dict[str, Any]:
    with runtime.session_factory.begin() as session:
        case = session.scalar(select(Case).where(Case.partner_id == caller.partner_id, Case.reference == reference))
        if case is None:
            # Same answer whether the reference is another partner's or nobody's.
            raise HTTPException(status_code=404, detail="dossier introuvable")
        audit.read(session, [case.household_id], now=runtime.clock())
        return case_view(session, case, viewer_partner_id=caller.partner_id)
