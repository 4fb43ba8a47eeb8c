"""the tick's claim on partial indexes: due rows, and rows whose worker vanished (`queued`, `sending` unanswered)

With a million households enrolled, most rows are planned for later: the claim's three queries each read only
their own rows (campaigns/delivery/dispatch.py: claim_due).

Revision ID: d9f3b7a1c5e2
Revises: d4f7b2e9a6c1
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd9f3b7a1c5e2'
down_revision: str | None = 'd4f7b2e9a6c1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here, not imported: a migration keeps the predicates it created whatever the models say later.
_INDEXES = (
    ('ix_dispatches_claimable_due', ['due_at', 'id'], "status IN ('planned', 'temporary_failure')"),
    ('ix_dispatches_claimed_queued', ['claimed_at'], "status = 'queued'"),
    ('ix_dispatches_claimed_sending', ['claimed_at'], "status = 'sending' AND provider_ref IS NULL"),
)


def upgrade() -> None:
    for name, columns, predicate in _INDEXES:
        condition = sa.text(predicate)
        op.create_index(name, 'dispatches', columns, postgresql_where=condition, sqlite_where=condition)


def downgrade() -> None:
    for name, _columns, _predicate in _INDEXES:
        op.drop_index(name, table_name='dispatches')
