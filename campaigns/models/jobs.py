"""Import jobs, their rejected rows, and replayable answers to keyed requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.crypto.columns import BlindIndex, EncryptedBytes
from campaigns.models.enums import ImportStatus
from campaigns.platform.db import Base, UTCDateTime


class ImportJob(Base):
    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=ImportStatus.PENDING)
    total_rows: Mapped[int | None] = mapped_column(Integer, nullable=True)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    unknown_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The uploaded file, kept only until the job has run (minimum retention of personal data), encrypted at rest:
    # in pieces (`ImportChunk`) since 2026-12-08; `payload` holds the whole file of jobs created before.
    payload: Mapped[bytes | None] = mapped_column(EncryptedBytes("payload"), nullable=True, deferred=True)
    # HMAC of the file, kept equal to `payload` (set with the plain bytes), or computed as its pieces were stored:
    # the same file posted twice while the first job runs is found without decrypting every pending file
    # (campaigns/intake/jobs.py).
    payload_index: Mapped[str | None] = mapped_column(
        BlindIndex(), nullable=True, index=True, info={"blind_index_of": "payload"})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Last finished batch: a running job silent for longer than the lease is taken as dead.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ImportChunk(Base):
    """One piece of an uploaded file (about 1 MiB, encrypted on its own), in file order: a file is stored and read
    back piece by piece, never whole in memory (campaigns/intake/stored_files.py). Deleted when the job ends."""

    __tablename__ = "import_chunks"
    __table_args__ = (UniqueConstraint("import_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"))
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(EncryptedBytes("import_chunk"))


class ImportRejection(Base):
    __tablename__ = "import_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    field: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)


class IdempotencyRecord(Base):
    """First answer to a request carrying an Idempotency-Key, replayed for the same key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("partner_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


@event.listens_for(ImportJob.payload, "set")
def _index_payload(target: ImportJob, value: bytes | None, _old: object, _initiator: object) -> None:
    target.payload_index = value  # type: ignore[assignment]  # BlindIndex hashes the bytes when bound
