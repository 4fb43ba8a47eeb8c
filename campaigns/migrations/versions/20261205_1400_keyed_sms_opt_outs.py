"""sms opt-outs keyed: HMAC of the number (blind index key) instead of a plain SHA-256

A plain SHA-256 of a French phone number is reversed by trying the few hundred million numbers there are: the
opt-out list was, in effect, numbers in clear. Rows are converted for every number a case still holds (decrypted
with the engine's keys); a row no case matches stays as it was, and is still honoured (sms_events.is_opted_out
looks up both forms), so no STOP is forgotten.

Revision ID: b4e8d1c7a3f6
Revises: 3f7a9c2e5b18
Create Date: 2026-12-05 14:00:00
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b4e8d1c7a3f6'
down_revision: str | None = '3f7a9c2e5b18'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2_000


def _known_phones() -> dict[str, str]:
    """SHA-256 -> HMAC of every phone number cases hold (numbers are encrypted: opened with the engine's keys)."""
    from campaigns.crypto.columns import EncryptedText, keyring_for

    bind = op.get_bind()
    column = EncryptedText("telephone")
    pairs: dict[str, str] = {}
    last = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT id, telephone FROM cases WHERE id > :last AND telephone IS NOT NULL ORDER BY id LIMIT :n"
        ), {"last": last, "n": _BATCH}).all()
        if not rows:
            return pairs
        keyring = keyring_for(bind.dialect)
        for _, stored in rows:
            phone = column.process_result_value(stored, bind.dialect)
            if phone:
                pairs[hashlib.sha256(phone.encode()).hexdigest()] = keyring.blind_index(phone)
        last = rows[-1][0]


def _rename(mapping: dict[str, str]) -> None:
    bind = op.get_bind()
    stored = set(bind.scalars(sa.text("SELECT phone_hash FROM sms_opt_outs")).all())
    changes = [{"old": old, "new": new} for old, new in mapping.items() if old in stored and new not in stored]
    if changes:
        bind.execute(sa.text("UPDATE sms_opt_outs SET phone_hash = :new WHERE phone_hash = :old"), changes)


def upgrade() -> None:
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM sms_opt_outs")):
        _rename(_known_phones())


def downgrade() -> None:
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM sms_opt_outs")):
        _rename({new: old for old, new in _known_phones().items()})
