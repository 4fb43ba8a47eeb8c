"""personal data protection: encrypted case fields, phone blind index, retention, audit log

Existing plain values are encrypted here, in batches, with the keys of the engine running the migration
(CHAINE_DATA_KEYS, or the embedded keys file).

Revision ID: 8d2f4c6a1e90
Revises: 179b6f4b4e12
Create Date: 2026-11-25 19:00:00
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '8d2f4c6a1e90'
down_revision: str | None = '179b6f4b4e12'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Column, its plain type before, the kind of value it holds.
_ENCRYPTED = (
    ("date_naissance", sa.Date(), "date"),
    ("date_naissance_cotitulaire", sa.Date(), "date"),
    ("adresse", sa.String(length=200), "text"),
    ("complement_adresse", sa.String(length=200), "text"),
    ("telephone", sa.String(length=20), "text"),
    ("email", sa.String(length=200), "text"),
    ("montant_dette", sa.Numeric(precision=12, scale=2), "decimal"),
    ("loyer_mensuel", sa.Numeric(precision=12, scale=2), "decimal"),
)
_BATCH = 2_000


def _typed(value: Any, kind: str) -> Any:
    """Raw values as read back without the ORM (SQLite hands dates and amounts back as text or floats)."""
    if value is None:
        return None
    if kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if kind == "decimal":
        return Decimal(str(value))
    return str(value)


def _convert(source: str, target: str, *, encrypt: bool) -> None:
    from campaigns.crypto.columns import EncryptedDate, EncryptedDecimal, EncryptedText, keyring_for

    bind = op.get_bind()
    types = {"date": EncryptedDate, "decimal": EncryptedDecimal, "text": EncryptedText}
    names = [name for name, _, _ in _ENCRYPTED]
    last = 0
    while True:
        rows = bind.execute(sa.text(
            f"SELECT id, {', '.join(n + source for n in names)} FROM cases WHERE id > :last ORDER BY id LIMIT :n"
        ), {"last": last, "n": _BATCH}).all()
        if not rows:
            return
        keyring = keyring_for(bind.dialect)
        updates = []
        for row in rows:
            values: dict[str, Any] = {"row_id": row[0]}
            for (name, _, kind), raw in zip(_ENCRYPTED, row[1:], strict=True):
                column = types[kind](name)
                if encrypt:
                    values[name] = column.process_bind_param(_typed(raw, kind), bind.dialect)
                else:
                    values[name] = None if raw is None else column.process_result_value(raw, bind.dialect)
            if encrypt:
                phone = _typed(row[1 + names.index("telephone")], "text")
                values["telephone_index"] = keyring.blind_index(phone) if phone else None
            updates.append(values)
        assignments = ", ".join(f"{n}{target} = :{n}" for n in names)
        if encrypt:
            assignments += ", telephone_index = :telephone_index"
        bind.execute(sa.text(f"UPDATE cases SET {assignments} WHERE id = :row_id"), updates)
        last = rows[-1][0]


def upgrade() -> None:
    op.create_table(
        'audit_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=20), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('api_key_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('purpose', sa.String(length=200), nullable=False),
        sa.Column('household_ids', sa.JSON(), nullable=False),
        sa.Column('household_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_audit_events_api_key_id_api_keys')),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_audit_events_partner_id_partners')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    )
    op.create_index(op.f('ix_audit_events_occurred_at'), 'audit_events', ['occurred_at'], unique=False)
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('telephone_index', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))
        for name, _, _ in _ENCRYPTED:
            batch_op.add_column(sa.Column(f'{name}_chiffre', sa.LargeBinary(), nullable=True))
    _convert("", "_chiffre", encrypt=True)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for name, _, _ in _ENCRYPTED:
            batch_op.drop_column(name)
        for name, _, _ in _ENCRYPTED:
            batch_op.alter_column(f'{name}_chiffre', new_column_name=name, existing_type=sa.LargeBinary(),
                                  existing_nullable=True)
        batch_op.create_index(batch_op.f('ix_cases_telephone_index'), ['telephone_index'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_telephone_index'))
        for name, plain, _ in _ENCRYPTED:
            batch_op.add_column(sa.Column(f'{name}_clair', plain, nullable=True))
    _convert("", "_clair", encrypt=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for name, _, _ in _ENCRYPTED:
            batch_op.drop_column(name)
        for name, plain, _ in _ENCRYPTED:
            batch_op.alter_column(f'{name}_clair', new_column_name=name, existing_type=plain, existing_nullable=True)
        batch_op.drop_column('purged_at')
        batch_op.drop_column('telephone_index')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('retention_days')
    op.drop_index(op.f('ix_audit_events_occurred_at'), table_name='audit_events')
    op.drop_table('audit_events')
