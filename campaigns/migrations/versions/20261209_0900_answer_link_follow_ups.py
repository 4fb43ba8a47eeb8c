"""answer link follow-ups (issue 21): structures' opening hours, the call-back slot on a task, the review of a
proposed address

Revision ID: e6b2c9d4f1a8
Revises: c6e1a8d3f5b2
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from campaigns.platform.db import UTCDateTime

revision: str = 'e6b2c9d4f1a8'
down_revision: str | None = 'c6e1a8d3f5b2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('partners') as batch:
        batch.add_column(sa.Column('opening_hours', sa.JSON(), nullable=True))
    with op.batch_alter_table('human_tasks') as batch:
        batch.add_column(sa.Column('callback_from', UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('callback_until', UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('link_answers') as batch:
        batch.add_column(sa.Column('reviewer_partner_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('reviewed_at', UTCDateTime(timezone=True), nullable=True))
        batch.create_foreign_key(op.f('fk_link_answers_reviewer_partner_id_partners'), 'partners',
                                 ['reviewer_partner_id'], ['id'])
        batch.create_index(op.f('ix_link_answers_reviewer_partner_id'), ['reviewer_partner_id'])


def downgrade() -> None:
    with op.batch_alter_table('link_answers') as batch:
        batch.drop_index(op.f('ix_link_answers_reviewer_partner_id'))
        batch.drop_constraint(op.f('fk_link_answers_reviewer_partner_id_partners'), type_='foreignkey')
        batch.drop_column('reviewed_at')
        batch.drop_column('reviewer_partner_id')
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_column('callback_until')
        batch.drop_column('callback_from')
    # Not recreated: on SQLite a copy-and-move of `partners` would drop a table that every other table refers to
    # (foreign keys are on); SQLite 3.35+ drops the column in place.
    with op.batch_alter_table('partners', recreate='never') as batch:
        batch.drop_column('opening_hours')
