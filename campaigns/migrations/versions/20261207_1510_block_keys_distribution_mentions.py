"""blocking keys computed again: BP/CS/TSA mentions and a host ("chez M. Dupont", "c/o") left out of addresses

campaigns.locale.addresses now drops the special distribution mentions of the postal norm (BP, CS, TSA and their
number) from the address and the commune, and the host's name from an address or complement, so the address keys
of such cases change. Every case's keys are computed again by the application's scheme
(campaigns.linkage.blocking.stored_keys), so they match what new pushes probe.

Revision ID: e5b9d3f7a2c1
Revises: c8e4a2f6b1d9
Create Date: 2026-12-06 21:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = 'e5b9d3f7a2c1'
down_revision: str | None = 'c8e4a2f6b1d9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from campaigns.linkage.store import rebuild_keys

    rebuild_keys(Session(bind=op.get_bind()))


def downgrade() -> None:
    # The earlier key scheme cannot be computed by the current code: the earlier version's code rebuilds it
    # (campaigns.linkage.store.rebuild_keys), as after 5b1f0c2a9d34.
    op.execute(sa.text("DELETE FROM block_keys"))
