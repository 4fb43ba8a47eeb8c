"""names, co-tenants, CAF numbers, closure reasons, task notes and stored import files encrypted at rest

Existing plain values are encrypted here, in batches, with the keys of the engine running the migration
(CHAINE_DATA_KEYS, or the embedded keys file), as 20261125_1900_personal_data_protection did for phones and
addresses. Import files get a blind index (`payload_index`) so that the same file posted twice is still found.
The downgrade decrypts them back into plain columns.

Revision ID: e1f6a2b9c4d7
Revises: d8e3f0a5b2c9
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = 'e1f6a2b9c4d7'
down_revision: str | None = 'd8e3f0a5b2c9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Table -> (column, its plain type before, nullable).
_ENCRYPTED: dict[str, tuple[tuple[str, sa.types.TypeEngine[Any], bool], ...]] = {
    "cases": (
        ("nom", sa.String(length=100), True),
        ("prenom", sa.String(length=100), False),
        ("nom_cotitulaire", sa.String(length=100), True),
        ("prenom_cotitulaire", sa.String(length=100), True),
        ("numero_allocataire", sa.String(length=20), True),
        ("motif_cloture", sa.String(length=200), True),
    ),
    "human_tasks": (("note", sa.Text(), True),),
}
_BATCH = 2_000


def _convert(table: str, source: str, target: str, *, encrypt: bool) -> None:
    """Every row's values of `<column><source>` written to `<column><target>`, encrypted or decrypted."""
    from campaigns.crypto.columns import EncryptedText

    bind = op.get_bind()
    columns = [name for name, _, _ in _ENCRYPTED[table]]
    types = [EncryptedText(name) for name in columns]
    last = 0
    while True:
        rows = bind.execute(sa.text(
            f"SELECT id, {', '.join(n + source for n in columns)} FROM {table} "  # noqa: S608 - names above
            "WHERE id > :last ORDER BY id LIMIT :n"
        ), {"last": last, "n": _BATCH}).all()
        if not rows:
            return
        updates = []
        for row in rows:
            values: dict[str, Any] = {"row_id": row[0]}
            for name, column, raw in zip(columns, types, row[1:], strict=True):
                if raw is None:
                    values[name] = None
                elif encrypt:
                    values[name] = column.process_bind_param(str(raw), bind.dialect)
                else:
                    values[name] = column.process_result_value(bytes(raw), bind.dialect)
            updates.append(values)
        assignments = ", ".join(f"{n}{target} = :{n}" for n in columns)
        bind.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :row_id"), updates)  # noqa: S608
        last = rows[-1][0]


def _convert_payloads(*, encrypt: bool) -> None:
    """Stored import files (bytes either way, so converted in place) and their blind index."""
    from campaigns.crypto.columns import EncryptedBytes, keyring_for

    bind = op.get_bind()
    column = EncryptedBytes("payload")
    last = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT id, payload FROM imports WHERE id > :last AND payload IS NOT NULL ORDER BY id LIMIT :n"
        ), {"last": last, "n": 50}).all()  # files can be large: a few at a time
        if not rows:
            return
        keyring = keyring_for(bind.dialect)
        if encrypt:
            updates = [{"row_id": row_id, "payload": column.process_bind_param(bytes(raw), bind.dialect),
                        "payload_index": keyring.blind_index_bytes(bytes(raw))} for row_id, raw in rows]
            bind.execute(sa.text("UPDATE imports SET payload = :payload, payload_index = :payload_index "
                                 "WHERE id = :row_id"), updates)
        else:
            updates = [{"row_id": row_id, "payload": column.process_result_value(raw, bind.dialect)}
                       for row_id, raw in rows]
            bind.execute(sa.text("UPDATE imports SET payload = :payload WHERE id = :row_id"), updates)
        last = rows[-1][0]


def upgrade() -> None:
    for table, columns in _ENCRYPTED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _, _ in columns:
                batch_op.add_column(sa.Column(f'{name}_chiffre', sa.LargeBinary(), nullable=True))
        _convert(table, "", "_chiffre", encrypt=True)
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _, _ in columns:
                batch_op.drop_column(name)
            for name, _, nullable in columns:
                batch_op.alter_column(f'{name}_chiffre', new_column_name=name, existing_type=sa.LargeBinary(),
                                      existing_nullable=True, nullable=nullable)
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload_index', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_imports_payload_index'), ['payload_index'], unique=False)
    _convert_payloads(encrypt=True)


def downgrade() -> None:
    _convert_payloads(encrypt=False)
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imports_payload_index'))
        batch_op.drop_column('payload_index')
    for table, columns in _ENCRYPTED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, plain, _ in columns:
                batch_op.add_column(sa.Column(f'{name}_clair', plain, nullable=True))
        _convert(table, "", "_clair", encrypt=False)
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _, _ in columns:
                batch_op.drop_column(name)
            for name, plain, nullable in columns:
                batch_op.alter_column(f'{name}_clair', new_column_name=name, existing_type=plain,
                                      existing_nullable=True, nullable=nullable)
