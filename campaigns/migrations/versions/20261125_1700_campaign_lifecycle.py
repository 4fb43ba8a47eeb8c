"""campaign lifecycle, delegated operator and change log

Revision ID: 3f7a9c1e5b20
Revises: 8c4d2e6f1a07
Create Date: 2026-11-25 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from campaigns.platform.db import UTCDateTime

revision: str = '3f7a9c1e5b20'
down_revision: str | None = '8c4d2e6f1a07'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False, server_default='active'))
        batch_op.add_column(sa.Column('delegate_partner_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_campaigns_delegate_partner_id'), ['delegate_partner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_campaigns_delegate_partner_id_partners'), 'partners',
                                    ['delegate_partner_id'], ['id'])
    # A campaign switched off before the lifecycle existed has never been ended: it is a draft again.
    op.execute(sa.text("UPDATE campaigns SET status = 'brouillon' WHERE active = false"))
    op.create_table(
        'campaign_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('actor', sa.String(length=300), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('replanned', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_changes_campaign_id_campaigns')),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_campaign_changes_partner_id_partners')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_campaign_changes_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_changes')),
    )
    with op.batch_alter_table('campaign_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_changes_campaign_id'), ['campaign_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('campaign_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_changes_campaign_id'))
    op.drop_table('campaign_changes')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_campaigns_delegate_partner_id_partners'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_campaigns_delegate_partner_id'))
        batch_op.drop_column('delegate_partner_id')
        batch_op.drop_column('status')
