"""linkage parameter versions (learned m and u, name frequencies); single-name household blocking keys

The table holds the versions trained on the base (`chaine rapprochement entrainer`); with no active version the
shipped defaults apply. Every case's blocking keys are computed again: the address keys now carry one name prefix
each (a typo in the other name, with no birth date, still finds the pair).

Revision ID: a9c4e2f7b1d3
Revises: f3a7c1d9e2b6
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from campaigns.platform.db import UTCDateTime

revision: str = 'a9c4e2f7b1d3'
down_revision: str | None = 'f3a7c1d9e2b6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'linkage_parameters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('activated_at', UTCDateTime(), nullable=True),
        sa.Column('parameters', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('version'),
    )
    op.create_index('ix_linkage_parameters_active', 'linkage_parameters', ['active'])
    from campaigns.linkage.store import rebuild_keys

    rebuild_keys(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_index('ix_linkage_parameters_active', table_name='linkage_parameters')
    op.drop_table('linkage_parameters')
    # The earlier key scheme cannot be computed by the current code: the earlier version's code rebuilds it
    # (campaigns.linkage.store.rebuild_keys), as after 5b1f0c2a9d34.
    op.execute(sa.text("DELETE FROM block_keys"))
