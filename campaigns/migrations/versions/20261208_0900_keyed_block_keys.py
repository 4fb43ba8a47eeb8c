"""blocking keys keyed: the 32-bit hash of each blocking key is now an HMAC with the blind index key

Until now a blocking key ("nom|…|date of birth", "adresse|…") was stored as the first 4 bytes of its plain SHA-256:
anyone holding the table could test whether a guessed name and birth date were in it. The keys are now computed
with CHAINE_BLIND_INDEX_KEY (campaigns.linkage.blocking.hashed_keys); every case's keys are computed again.

Revision ID: f1a7c3e9b5d2
Revises: e5b9d3f7a2c1
Create Date: 2026-12-07 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = 'f1a7c3e9b5d2'
down_revision: str | None = 'e5b9d3f7a2c1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from campaigns.linkage.store import rebuild_keys

    rebuild_keys(Session(bind=op.get_bind()))


def downgrade() -> None:
    # The unkeyed scheme is the earlier version's code (campaigns.linkage.store.rebuild_keys there rebuilds it).
    op.execute(sa.text("DELETE FROM block_keys"))
