"""blocking keys computed again: birth date + one name at a time (issue 17)

The birth-date key held two phonetic letters of the surname and of the first name together
("naissance2|date|AI|BE"): a typo in the first letters of either name, or a row without a first name, lost it.
It is now one key per name, whichever field holds it ("naissance1|date|BENA", "naissance1|date|AICA"), so a pair
whose birth date agrees meets through either name (campaigns.linkage.blocking.stored_keys; docs/benchmarks.md,
"Linkage on data nobody tuned for"). Every case's keys are computed again by the application's scheme, so they
match what new pushes probe.

Revision ID: c5a9e3d7f1b2
Revises: b7e3c1f9a2d4
Create Date: 2026-12-10 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = 'c5a9e3d7f1b2'
down_revision: str | None = 'b7e3c1f9a2d4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from campaigns.linkage.store import rebuild_keys

    rebuild_keys(Session(bind=op.get_bind()))


def downgrade() -> None:
    # The earlier key scheme cannot be computed by the current code: the earlier version's code rebuilds it
    # (campaigns.linkage.store.rebuild_keys), as after d4a8c2e6f1b9.
    op.execute(sa.text("DELETE FROM block_keys"))
