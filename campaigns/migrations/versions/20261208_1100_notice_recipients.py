"""the structures each notice to the social services was addressed to (M24, docs/api.md « Notifications »)

Revision ID: b9d4f2a6c8e1
Revises: a7c3e9f1b5d2
Create Date: 2026-12-08 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b9d4f2a6c8e1'
down_revision: str | None = 'a7c3e9f1b5d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'notice_recipients',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dispatch_id', sa.Integer(), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['dispatch_id'], ['dispatches.id'],
                                name=op.f('fk_notice_recipients_dispatch_id_dispatches')),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_notice_recipients_partner_id_partners')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_recipients')),
        sa.UniqueConstraint('dispatch_id', 'partner_id', name=op.f('uq_notice_recipients_dispatch_id_partner_id')),
    )
    op.create_index(op.f('ix_notice_recipients_partner_id'), 'notice_recipients', ['partner_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_notice_recipients_partner_id'), table_name='notice_recipients')
    op.drop_table('notice_recipients')
