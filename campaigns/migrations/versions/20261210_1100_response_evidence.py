"""why a response stops every partner's steps (docs/security.md, rule 2)

`responses.evidence`: the household answered through a channel the service operates, or a partner's attributed
reason; None for a partner's own word, which stops its own campaigns' steps only, even when they fall due later
(docs/security.md, rule 2). Existing rows stay None: a response recorded before stops, at send time, the steps of its
own partner only.

Revision ID: b7e3c1f9a2d4
Revises: d4b8e2f6a1c3
Create Date: 2026-12-10 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b7e3c1f9a2d4'
down_revision: str | None = 'd4b8e2f6a1c3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('responses', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('evidence', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('responses', recreate='never') as batch_op:
        batch_op.drop_column('evidence')
