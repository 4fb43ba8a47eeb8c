"""Key rotation: every encrypted value re-encrypted with the first key of CHAINE_DATA_KEYS, blind indexes
recomputed with CHAINE_BLIND_INDEX_KEY. Batches commit one by one; a value already under the first key is left
as it is, so an interrupted rotation is simply run again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import LargeBinary, String, Table, select, text, type_coerce
from sqlalchemy.orm import Session, sessionmaker

from campaigns.crypto.cipher import Keyring
from campaigns.crypto.columns import BlindIndex, EncryptedValue, keyring_for
from campaigns.platform.db import Base

BATCH = 1_000


@dataclass(slots=True)
class RotationResult:
    rows: int = 0
    reencrypted: int = 0  # values that were under an older key


def encrypted_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables
            if any(isinstance(c.type, (EncryptedValue, BlindIndex)) for c in t.columns)]


def rotate(session_factory: sessionmaker[Session], *, batch: int = BATCH,
           progress: Callable[[str, int], None] | None = None) -> RotationResult:
    result = RotationResult()
    with session_factory() as session:
        keyring = keyring_for(session.get_bind().dialect)
    for table in encrypted_tables():
        last = 0
        while True:
            with session_factory.begin() as session:
                done, last = _rotate_batch(session, table, keyring, after=last, batch=batch, result=result)
            if progress is not None:
                progress(table.name, result.rows)
            if done < batch:
                break
    return result


def _rotate_batch(session: Session, table: Table, keyring: Keyring, *, after: int, batch: int,
                  result: RotationResult) -> tuple[int, int]:
    encrypted = [c for c in table.columns if isinstance(c.type, EncryptedValue)]
    types: dict[str, EncryptedValue[Any]] = {c.name: cast(EncryptedValue[Any], c.type) for c in encrypted}
    indexes = [(c.name, str(c.info["blind_index_of"])) for c in table.columns if "blind_index_of" in c.info]
    rows = session.execute(
        select(table.c.id, *(type_coerce(c, LargeBinary) for c in encrypted),
               *(type_coerce(table.c[index], String) for index, _ in indexes))
        .where(table.c.id > after).order_by(table.c.id).limit(batch)
    ).all()
    updates = []
    moved: dict[str, str] = {}  # old -> new phone index, when the blind index key changed
    for row_id, *stored in rows:
        values: dict[str, object] = {"row_id": row_id}
        for column, value in zip(encrypted, stored[:len(encrypted)], strict=True):
            if value is None:
                values[column.name] = None
                continue
            raw = bytes(value)
            if keyring.stored_key_id(raw) == keyring.current_key_id:
                keyring.decrypt(raw, types[column.name].context)  # still proves the value opens
                values[column.name] = raw
            else:
                values[column.name] = types[column.name].reencrypt(raw, keyring)
                result.reencrypted += 1
        for (index, source), old in zip(indexes, stored[len(encrypted):], strict=True):
            plain = values[source]
            # An index without its value is kept: a file stored in pieces (import_chunks) is indexed on its job,
            # whose `payload` is empty (under a new blind index key it then no longer finds a twin upload).
            values[index] = (keyring.blind_index_bytes(keyring.decrypt(plain, types[source].context))
                             if isinstance(plain, bytes) else old)
        for (index, _), old in zip(indexes, stored[len(encrypted):], strict=True):
            if index == "telephone_index" and old and values[index] and old != values[index]:
                moved[old] = str(values[index])
        updates.append(values)
    _move_opt_outs(session, moved)
    if updates:
        names = [c.name for c in encrypted] + [index for index, _ in indexes]
        assignments = ", ".join(f'"{name}" = :{name}' for name in names)
        session.execute(text(f'UPDATE "{table.name}" SET {assignments} WHERE id = :row_id'), updates)  # noqa: S608
    result.rows += len(rows)
    return len(rows), rows[-1][0] if rows else after


def _move_opt_outs(session: Session, moved: dict[str, str]) -> None:
    """STOP opt-outs are the same HMAC of the number as the cases' phone index (sms_events.phone_hash): when the
    blind index key changes, they follow it in the same transaction, or every STOP would be forgotten."""
    if not moved:
        return
    pairs = [{"old": old, "new": new} for old, new in moved.items()]
    session.execute(text("UPDATE sms_opt_outs SET phone_hash = :new WHERE phone_hash = :old AND NOT EXISTS "
                         "(SELECT 1 FROM sms_opt_outs AS o WHERE o.phone_hash = :new)"), pairs)
    session.execute(text("DELETE FROM sms_opt_outs WHERE phone_hash = :old"), pairs)
