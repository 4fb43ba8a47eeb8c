"""blocking keys computed again: the street's longest word cut to its first three letters (issue 17)

The address part of the stored keys (`naissance_adresse`, `foyer1`, `logement`) held the street's longest word
whole: a typo further on in it, or the word glued to the next one ("CUTLACKSTREET", "PARTRIDGQE"), lost every
address key, and a row without a birth date then met nothing. It now holds the word's first three letters
(campaigns.linkage.blocking.STREET_KEY_LETTERS; docs/benchmarks.md, "Linkage on data nobody tuned for"). Every
case's keys are computed again by the application's scheme, so they match what new pushes probe.

Revision ID: f3b7d9a1c5e8
Revises: e2a6c8f4b1d7
Create Date: 2026-12-11 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = 'f3b7d9a1c5e8'
down_revision: str | None = 'e2a6c8f4b1d7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from campaigns.linkage.store import rebuild_keys

    rebuild_keys(Session(bind=op.get_bind()))


def downgrade() -> None:
    # The earlier key scheme cannot be computed by the current code: the earlier version's code rebuilds it
    # (campaigns.linkage.store.rebuild_keys), as after c5a9e3d7f1b2.
    op.execute(sa.text("DELETE FROM block_keys"))
