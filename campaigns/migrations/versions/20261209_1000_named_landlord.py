"""the landlord a case of the State or the Département names (docs/security.md, rule 6)

A bailleur that pushes a household the State already knows moves the household only when a pilot's case names it
as the landlord (`cases.bailleur`, encrypted at rest: a private landlord is a person). New column, empty on existing
rows: nothing to re-encrypt.

Revision ID: a9d4e2c7f1b3
Revises: c3e8a1f5d7b2
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a9d4e2c7f1b3'
down_revision: str | None = 'c3e8a1f5d7b2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch_op:
        batch_op.add_column(sa.Column('bailleur', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # Not recreated: on SQLite a copy-and-move of `cases` would drop a table others refer to (foreign keys are on);
    # SQLite 3.35+ drops the column in place.
    with op.batch_alter_table('cases', recreate='never') as batch_op:
        batch_op.drop_column('bailleur')
