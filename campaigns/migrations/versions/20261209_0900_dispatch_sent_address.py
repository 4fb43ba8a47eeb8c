"""the address a letter or a visit went to, recorded at send time (docs/security.md, rule 4)

Revision ID: c6e1a8d3f5b2
Revises: b9d4f2a6c8e1
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c6e1a8d3f5b2'
down_revision: str | None = 'b9d4f2a6c8e1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns without a default: PostgreSQL adds them without rewriting the table.
    with op.batch_alter_table('dispatches') as batch_op:
        batch_op.add_column(sa.Column('sent_case_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sent_adresse', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('sent_code_postal', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('sent_commune', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dispatches') as batch_op:
        batch_op.drop_column('sent_commune')
        batch_op.drop_column('sent_code_postal')
        batch_op.drop_column('sent_adresse')
        batch_op.drop_column('sent_case_id')
