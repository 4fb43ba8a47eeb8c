"""Idempotency-Key: the first answer to a keyed request is stored and replayed for the same key."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns.models import IdempotencyRecord


def request_hash(method: str, path: str, body: bytes) -> str:
    hasher = request_hasher(method, path)
    hasher.update(body)
    return hasher.hexdigest()


def request_hasher(method: str, path: str) -> hashlib._Hash:
    """`request_hash` of a body read piece by piece: update() with each piece, then hexdigest()."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n")


def find_replay(session: Session, *, partner_id: int, key: str, digest: str) -> tuple[int, dict[str, Any]] | None:
    record = session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.partner_id == partner_id, IdempotencyRecord.key == key)
    )
    if record is None:
        return None
    if record.request_hash != digest:
        raise HTTPException(
            status_code=422,
            detail="Cette Idempotency-Key a déjà servi pour une autre requête : utilisez une nouvelle clé.",
        )
    return record.status_code, record.body


def remember(
    session: Session, *, partner_id: int, key: str, digest: str, status_code: int, body: dict[str, Any],
    now: datetime,
) -> None:
    """Stored in the same transaction as the work it describes; a concurrent twin fails on the unique key."""
    session.add(
        IdempotencyRecord(
            partner_id=partner_id, key=key, request_hash=digest, status_code=status_code, body=body, created_at=now
        )
    )
    try:
        session.flush()
    except IntegrityError:
        raise HTTPException(
            status_code=409, detail="Une requête avec la même Idempotency-Key est en cours : réessayez."
        ) from None
