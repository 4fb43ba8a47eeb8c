"""Campaigns: the configured language/FALC fallback order (issue 18, docs/domain.md §9).

Revision ID: e3b7c1d9a2f5
Revises: c5d2e8a1f4b7
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "e3b7c1d9a2f5"
down_revision: str | None = "c5d2e8a1f4b7"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("fallback_order", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("fallback_order")
