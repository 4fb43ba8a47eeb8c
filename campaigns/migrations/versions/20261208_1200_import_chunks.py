"""uploaded import files stored in encrypted pieces (`import_chunks`), so that a file is never whole in memory

Jobs created before keep their whole file in `imports.payload` and are still read from there.

Revision ID: c3e8a1f5d7b2
Revises: e6b2c9d4f1a8
Create Date: 2026-12-08 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c3e8a1f5d7b2'
down_revision: str | None = 'e6b2c9d4f1a8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'import_chunks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['import_id'], ['imports.id'], name=op.f('fk_import_chunks_import_id_imports')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_chunks')),
        sa.UniqueConstraint('import_id', 'position', name=op.f('uq_import_chunks_import_id_position')),
    )


def _files_back_whole() -> None:
    """The files of jobs not yet run, put back whole in `imports.payload` (encrypted as that column is), one by one."""
    from campaigns.crypto.columns import EncryptedBytes

    bind = op.get_bind()
    pieces, whole = EncryptedBytes("import_chunk"), EncryptedBytes("payload")
    jobs = bind.execute(sa.text("SELECT DISTINCT import_id FROM import_chunks ORDER BY import_id")).scalars().all()
    for import_id in jobs:
        stored = bind.execute(sa.text("SELECT data FROM import_chunks WHERE import_id = :id ORDER BY position"),
                              {"id": import_id}).scalars()
        data = b"".join(pieces.process_result_value(raw, bind.dialect) or b"" for raw in stored)
        bind.execute(sa.text("UPDATE imports SET payload = :payload WHERE id = :id"),
                     {"id": import_id, "payload": whole.process_bind_param(data, bind.dialect)})


def downgrade() -> None:
    _files_back_whole()
    op.drop_table('import_chunks')
