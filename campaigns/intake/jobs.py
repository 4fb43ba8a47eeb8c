"""Import jobs: a pushed list (JSON or CSV) is validated row by row, good rows kept, every rejection reported."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from campaigns.accounts import audit
from campaigns.intake.batches import ingest
from campaigns.intake.cases import serialise_partner_pushes
from campaigns.intake.csv_files import CsvFileError, read_csv
from campaigns.intake.fields import FIELDS, RowError, SignalementRow, parse_row
from campaigns.models import ImportJob, ImportRejection, ImportStatus, Partner
from campaigns.platform.clock import local_date

log = logging.getLogger(__name__)

EXTRA_FIELDS_MARK = "__extra__"
NOT_AN_OBJECT = "un objet JSON est attendu pour chaque signalement (ligne ignorée)"


@dataclass(slots=True)
class _BatchOutcome:
    valid: list[SignalementRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # fields dropped from kept rows, listed with the rejections


def create_import(
    session: Session, *, partner: Partner, source: str, payload: bytes | None, now: datetime
) -> ImportJob:
    job = ImportJob(partner_id=partner.id, source=source, payload=payload, created_at=now, unknown_columns=[])
    session.add(job)
    session.flush()
    return job


def create_or_join_import(
    session: Session, *, partner: Partner, payload: bytes, now: datetime
) -> tuple[ImportJob, bool]:
    """A CSV job for `payload`, or the partner's identical job not yet finished (the same file posted twice at
    once, e.g. a client retrying after a timeout): (job, created). One import, one report, no duplicate work."""
    serialise_partner_pushes(session, partner.id)
    # Files are encrypted: the same file is found by its keyed hash (`payload_index`), never by reading them back.
    twin = session.scalar(select(ImportJob).where(
        ImportJob.partner_id == partner.id,
        ImportJob.status.in_([ImportStatus.PENDING, ImportStatus.RUNNING]),
        ImportJob.payload_index == payload,
    ).order_by(ImportJob.id).limit(1))
    if twin is not None:
        return twin, False
    return create_import(session, partner=partner, source="csv", payload=payload, now=now), True


def _validate(
    rows: Iterable[tuple[int, Mapping[str, object]]], seen: dict[str, int], *, now: datetime
) -> _BatchOutcome:
    outcome = _BatchOutcome()
    today = local_date(now)
    for row_number, raw in rows:
        if not isinstance(raw, Mapping):  # a JSON element that is a list, a string, a number...
            outcome.errors.append(RowError(row_number, "", NOT_AN_OBJECT))
            continue
        if raw.get(EXTRA_FIELDS_MARK):
            outcome.errors.append(RowError(row_number, "", "la ligne contient plus de colonnes que l'en-tête"))
            continue
        parsed, errors = parse_row(raw, row_number, today=today, require_channel=True)
        if parsed is not None and parsed.reference in seen:
            first = seen[parsed.reference]
            errors = [RowError(row_number, "reference", f"référence « {parsed.reference} » déjà présente "
                               f"ligne {first} : une ligne par dossier")]
            parsed = None
        if parsed is None:
            outcome.errors.extend(errors)
            continue
        seen[parsed.reference] = row_number
        outcome.valid.append(parsed)
        outcome.warnings.extend(errors)  # a kept row's errors are warnings (campaigns/intake/fields.py DROPPABLE)
    return outcome


def _apply_batch(
    session: Session, job: ImportJob, partner: Partner, batch: list[tuple[int, Mapping[str, object]]],
    seen: dict[str, int], *, now: datetime,
) -> None:
    outcome = _validate(batch, seen, now=now)
    counts = ingest(session, partner=partner, rows=outcome.valid, now=now, import_id=job.id)
    if counts.created or counts.updated:
        audit.record_push(session, partner_id=partner.id, import_id=job.id, now=now,
                          references=[r.reference for r in outcome.valid])
    if outcome.errors or outcome.warnings:
        references = {row_number: _reference(raw) for row_number, raw in batch}
        session.execute(
            insert(ImportRejection),
            [
                {"import_id": job.id, "row_number": e.row_number, "field": e.field, "reason": e.reason,
                 "reference": references.get(e.row_number)}
                for e in sorted(outcome.errors + outcome.warnings, key=lambda e: e.row_number)
            ],
        )
    job.processed_rows += len(batch)
    job.created_count += counts.created
    job.updated_count += counts.updated
    job.unchanged_count += counts.unchanged
    job.rejected_count += len({e.row_number for e in outcome.errors})


def _reference(raw: object) -> str | None:
    """The reference of a refused row, as a text the rejection report can hold (None when there is none)."""
    reference = raw.get("reference") if isinstance(raw, Mapping) else None
    if not isinstance(reference, str | int) or isinstance(reference, bool):
        return None
    return str(reference)[:100].replace("\x00", "") or None


def push_items(
    session: Session, *, partner: Partner, items: Sequence[object], now: datetime
) -> ImportJob:
    """A JSON push, applied in the caller's transaction (small lists; big ones go through CSV jobs).
    Elements that are not objects are refused on their own line; the others are kept."""
    job = create_import(session, partner=partner, source="json", payload=None, now=now)
    unknown = sorted({str(k)[:60] for item in items if isinstance(item, Mapping) for k in item if k not in FIELDS})
    job.unknown_columns = unknown
    job.total_rows = len(items)
    job.started_at = now
    _apply_batch(session, job, partner, list(enumerate(items, start=1)), {}, now=now)  # type: ignore[arg-type]
    job.status = ImportStatus.DONE.value
    job.finished_at = now
    session.flush()
    return job


def _batches(rows: Iterator[tuple[int, dict[str, str]]], size: int) -> Iterator[list[tuple[int, dict[str, str]]]]:
    """Batches of rows; on a malformed record the rows read before it still come as a last batch, then the error
    (the partner is told the previous lines are kept: they must be, up to the broken line)."""
    batch: list[tuple[int, dict[str, str]]] = []
    try:
        for row in rows:
            batch.append(row)
            if len(batch) == size:
                yield batch
                batch = []
    except CsvFileError:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def run_import(
    session_factory: sessionmaker[Session], import_id: int, *, clock: Callable[[], datetime], batch_size: int
) -> None:
    """Runs a CSV job in batches, each in its own transaction, so progress is visible and kept."""
    with session_factory.begin() as session:
        job = session.get_one(ImportJob, import_id, with_for_update=True)
        if job.status != ImportStatus.PENDING:
            return
        payload = session.scalar(select(ImportJob.payload).where(ImportJob.id == import_id)) or b""
        job.status = ImportStatus.RUNNING.value
        job.started_at = job.heartbeat_at = clock()
    try:
        content = read_csv(payload)
    except CsvFileError as exc:
        _end(session_factory, import_id, clock(), error=str(exc))
        return
    with session_factory.begin() as session:
        job = session.get_one(ImportJob, import_id)
        job.unknown_columns = list(content.unknown_columns)
    seen: dict[str, int] = {}
    try:
        for batch in _batches(content.rows, batch_size):
            with session_factory.begin() as session:
                job = session.get_one(ImportJob, import_id)
                if job.status != ImportStatus.RUNNING:
                    return  # reclaimed by another process meanwhile: it owns the job now
                partner = session.get_one(Partner, job.partner_id)
                _apply_batch(session, job, partner, list(batch), seen, now=clock())
                job.heartbeat_at = clock()
    except CsvFileError as exc:
        # A malformed record midway: the batches before it are kept, the partner is told where it broke.
        _end(session_factory, import_id, clock(), error=f"{exc} ; les lignes précédentes sont conservées")
        return
    except Exception:
        log.exception("import %s failed", import_id)
        _end(session_factory, import_id, clock(), error="erreur interne pendant l'import ; les lignes déjà "
             "traitées sont conservées, relancez le même fichier pour terminer")
        raise
    _end(session_factory, import_id, clock(), error=None)


def _end(session_factory: sessionmaker[Session], import_id: int, now: datetime, *, error: str | None) -> None:
    with session_factory.begin() as session:
        job = session.get_one(ImportJob, import_id)
        job.status = (ImportStatus.FAILED if error else ImportStatus.DONE).value
        job.error = error
        job.total_rows = job.processed_rows
        job.finished_at = now
        job.payload = None


def reclaim_stale_imports(session: Session, *, now: datetime, lease: timedelta) -> list[int]:
    """Jobs whose process died (an API thread, a lost Celery task) are reset to run again from the start.

    Safe because applying the same rows twice changes nothing; the counts are reset with them.
    """
    stale = session.scalars(
        select(ImportJob).where(
            ((ImportJob.status == ImportStatus.PENDING) & (ImportJob.created_at < now - lease))
            | ((ImportJob.status == ImportStatus.RUNNING) & (ImportJob.heartbeat_at < now - lease))
        ).with_for_update(skip_locked=True)
    ).all()
    for job in stale:
        log.warning("import %s: no progress for %s, started again", job.id, lease)
        job.status = ImportStatus.PENDING.value
        job.processed_rows = job.created_count = job.updated_count = job.unchanged_count = job.rejected_count = 0
        session.execute(delete(ImportRejection).where(ImportRejection.import_id == job.id))
    return [job.id for job in stale]
