"""Import jobs: a pushed list (JSON or CSV) is validated row by row, good rows kept, every rejection reported."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from campaigns.accounts import audit
from campaigns.crypto.columns import KeyedDigest
from campaigns.intake.batches import ingest
from campaigns.intake.cases import serialise_partner_pushes
from campaigns.intake.csv_files import CsvFileError, Pieces, read_csv
from campaigns.intake.fields import FIELDS, RowError, SignalementRow, parse_row
from campaigns.intake.heap import release_free_heap
from campaigns.intake.mojibake import REPAIRED, repair_mapping
from campaigns.intake.reference_lines import ReferenceLines
from campaigns.intake.stored_files import UploadSpool, drop_file, file_pieces, spool_bytes, store_file
from campaigns.locale.clock import local_date
from campaigns.models import ImportJob, ImportRejection, ImportStatus, Partner

log = logging.getLogger(__name__)

EXTRA_FIELDS_MARK = "__extra__"
NOT_AN_OBJECT = "un objet JSON est attendu pour chaque signalement (ligne ignorée)"


@dataclass(slots=True)
class _BatchOutcome:
    valid: list[SignalementRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # fields dropped from kept rows, listed with the rejections


def create_import(
    session: Session, *, partner: Partner, source: str, payload: bytes | UploadSpool | None, now: datetime
) -> ImportJob:
    """A job; its file (`payload`: bytes, or an upload spooled as it was received) stored in encrypted pieces."""
    job = ImportJob(partner_id=partner.id, source=source, created_at=now, unknown_columns=[])
    session.add(job)
    session.flush()
    if isinstance(payload, bytes):
        with spool_bytes(session, payload) as spool:
            store_file(session, job, spool)
    elif payload is not None:
        store_file(session, job, payload)
    return job


def create_or_join_import(
    session: Session, *, partner: Partner, payload: bytes | UploadSpool, now: datetime
) -> tuple[ImportJob, bool]:
    """A CSV job for `payload`, or the partner's identical job not yet finished (the same file posted twice at
    once, e.g. a client retrying after a timeout): (job, created). One import, one report, no duplicate work."""
    serialise_partner_pushes(session, partner.id)
    # Files are encrypted: the same file is found by its keyed hash (`payload_index`), never by reading them back.
    index: bytes | KeyedDigest = payload if isinstance(payload, bytes) else payload.finish()
    twin = session.scalar(select(ImportJob).where(
        ImportJob.partner_id == partner.id,
        ImportJob.status.in_([ImportStatus.PENDING, ImportStatus.RUNNING]),
        ImportJob.payload_index == index,
    ).order_by(ImportJob.id).limit(1))
    if twin is not None:
        return twin, False
    return create_import(session, partner=partner, source="csv", payload=payload, now=now), True


def _validate(
    rows: Iterable[tuple[int, Mapping[str, object]]], seen: ReferenceLines, *, now: datetime
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
        fixed, repaired = repair_mapping(raw)
        parsed, errors = parse_row(fixed, row_number, today=today, require_channel=True)
        if parsed is not None and (first := seen.line_of(parsed.reference)) is not None:
            errors = [RowError(row_number, "reference", f"référence « {parsed.reference} » déjà présente "
                               f"ligne {first} : une ligne par dossier")]
            parsed = None
        if parsed is None:
            outcome.errors.extend(errors)
            continue
        seen.add(parsed.reference, row_number)
        outcome.valid.append(parsed)
        outcome.warnings += [RowError(row_number, name, REPAIRED, warning=True) for name in repaired if name in FIELDS]
        outcome.warnings.extend(errors)  # a kept row's errors are warnings (campaigns/intake/fields.py DROPPABLE)
    return outcome


def _apply_batch(
    session: Session, job: ImportJob, partner: Partner, batch: list[tuple[int, Mapping[str, object]]],
    seen: ReferenceLines, *, now: datetime,
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
    _apply_batch(session, job, partner, list(enumerate(items, start=1)), ReferenceLines(), now=now)  # type: ignore[arg-type]
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
    """Runs a CSV job in batches, each in its own transaction with the job's progress (rows done, counts,
    rejections), so progress is visible and kept. A job reclaimed after its process died (`reclaim_stale_imports`)
    resumes after the last committed batch: the rows before it are read again only to know their references
    (a reference repeated later in the file is still refused), never applied twice."""
    with session_factory.begin() as session:
        job = session.get_one(ImportJob, import_id, with_for_update=True)
        if job.status != ImportStatus.PENDING:
            return
        job.status = ImportStatus.RUNNING.value
        job.heartbeat_at = clock()
        job.started_at = job.started_at or job.heartbeat_at
        done = job.processed_rows  # rows of the file committed by an earlier run of this job
    pieces = file_pieces(session_factory, import_id)  # read lazily, one encrypted piece at a time
    try:
        content = read_csv(pieces)
    except CsvFileError as exc:
        _end(session_factory, import_id, clock(), error=str(exc))
        return
    with session_factory.begin() as session:
        job = session.get_one(ImportJob, import_id)
        job.unknown_columns = list(content.unknown_columns)
        # GET /api/v1/imports/{id} shows rows done of total while it runs.
        job.total_rows = _count_rows(pieces, content.encoding)
    seen = ReferenceLines()  # bounded: 16 bytes a reference once frozen
    try:
        for batch in _batches(itertools.islice(content.rows, done), batch_size):
            _validate(batch, seen, now=clock())  # already applied: only their references are needed
        for batch in _batches(content.rows, batch_size):
            with session_factory.begin() as session:
                # Locked: a reclaimer skips a job whose batch is being applied (skip_locked), and of two runs of
                # one job (this one thought dead, and its successor), the one whose progress is no longer the
                # job's stops; the other goes on alone.
                job = session.get_one(ImportJob, import_id, with_for_update=True)
                if job.status != ImportStatus.RUNNING or job.processed_rows != done:
                    return  # reclaimed by another process meanwhile: it owns the job now
                partner = session.get_one(Partner, job.partner_id)
                _apply_batch(session, job, partner, list(batch), seen, now=clock())
                job.heartbeat_at = clock()
                done = job.processed_rows
            # The batch's transient C-heap blocks, freed, are handed back: without it the RSS of a big file's run
            # stood 9-21 MB higher and rose faster with level live objects (campaigns/intake/heap.py).
            release_free_heap()
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


def _count_rows(pieces: Pieces, encoding: str) -> int:
    """The data rows of a readable file (up to a malformed record, where the import will stop too)."""
    count = 0
    try:
        for _row in read_csv(pieces, encoding=encoding).rows:
            count += 1
    except CsvFileError:
        pass
    return count


def _end(session_factory: sessionmaker[Session], import_id: int, now: datetime, *, error: str | None) -> None:
    with session_factory.begin() as session:
        job = session.get_one(ImportJob, import_id)
        job.status = (ImportStatus.FAILED if error else ImportStatus.DONE).value
        job.error = error
        job.total_rows = job.processed_rows
        job.finished_at = now
        drop_file(session, job)


def reclaim_stale_imports(session: Session, *, now: datetime, lease: timedelta) -> list[int]:
    """Jobs whose process died (an API thread, a lost Celery task) are set to run again, from where they stopped.

    Their progress (rows done, counts, rejections) was committed with each batch, so it is kept: the next run
    resumes after the last committed batch (`run_import`) and its counts go on from there.
    """
    stale = session.scalars(
        select(ImportJob).where(
            ((ImportJob.status == ImportStatus.PENDING) & (ImportJob.created_at < now - lease))
            | ((ImportJob.status == ImportStatus.RUNNING) & (ImportJob.heartbeat_at < now - lease))
        ).with_for_update(skip_locked=True)
    ).all()
    for job in stale:
        log.warning("import %s: no progress for %s, resumed after row %s", job.id, lease, job.processed_rows)
        job.status = ImportStatus.PENDING.value
    return [job.id for job in stale]
