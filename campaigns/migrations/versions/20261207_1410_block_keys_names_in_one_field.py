"""blocking keys computed again: a first name written in the surname field ("NOM Prénom") is taken out of it

campaigns.linkage.names.split_full_name now reads "DUPONT Jean", "Jean DUPONT" and "Mme BRIAND Luc" as a surname
and a first name (and gives a co-titulaire written "NOM Prénom" without a prénom field a first name), so the
name keys of such cases change. Every case's keys are computed again by the application's scheme
(campaigns.linkage.blocking.stored_keys), so they match what new pushes probe.

Revision ID: d4a8c2e6f1b9
Revises: b2d5f8a1c3e7
Create Date: 2026-12-06 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = 'd4a8c2e6f1b9'
down_revision: str | None = 'b2d5f8a1c3e7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from campaigns.linkage.store import rebuild_keys

    rebuild_keys(Session(bind=op.get_bind()))


def downgrade() -> None:
    # The earlier key scheme cannot be computed by the current code: the earlier version's code rebuilds it
    # (campaigns.linkage.store.rebuild_keys), as after 5b1f0c2a9d34.
    op.execute(sa.text("DELETE FROM block_keys"))
