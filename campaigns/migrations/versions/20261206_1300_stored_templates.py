"""templates written by campaign owners: drafts and published versions

Revision ID: f3a7c1d9e2b6
Revises: e1f6a2b9c4d7
Create Date: 2026-12-06 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from campaigns.platform.db import UTCDateTime

revision: str = 'f3a7c1d9e2b6'
down_revision: str | None = 'e1f6a2b9c4d7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'stored_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_partner_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('slug', sa.String(length=100), nullable=False),
        sa.Column('locale', sa.String(length=8), nullable=False),
        sa.Column('falc', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('author', sa.String(length=300), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('published_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['owner_partner_id'], ['partners.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_stored_templates_variant', 'stored_templates',
                    ['owner_partner_id', 'channel', 'slug', 'locale', 'falc'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_stored_templates_variant', table_name='stored_templates')
    op.drop_table('stored_templates')
