"""answer links of the household (/r/<token>) and what was answered through them

Revision ID: c5d2e8a1f4b7
Revises: a9c4e2f7b1d3
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from campaigns.platform.db import UTCDateTime

revision: str = 'c5d2e8a1f4b7'
down_revision: str | None = 'a9c4e2f7b1d3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'answer_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('dispatch_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('stage', sa.String(length=40), nullable=False),
        sa.Column('stage_entry_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('failed_checks', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id']),
        sa.ForeignKeyConstraint(['stage_entry_id'], ['stage_entries.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_answer_links_household_id', 'answer_links', ['household_id'])
    op.create_index('ix_answer_links_case_id', 'answer_links', ['case_id'])
    op.create_table(
        'link_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('detail', sa.LargeBinary(), nullable=True),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('slot_start', UTCDateTime(timezone=True), nullable=True),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('response_id', sa.Integer(), nullable=True),
        sa.Column('code_hash', sa.String(length=64), nullable=True),
        sa.Column('code_expires_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('code_attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['link_id'], ['answer_links.id']),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id']),
        sa.ForeignKeyConstraint(['task_id'], ['human_tasks.id']),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_link_answers_link_id', 'link_answers', ['link_id'])
    op.create_index('ix_link_answers_household_id', 'link_answers', ['household_id'])


def downgrade() -> None:
    op.drop_index('ix_link_answers_household_id', table_name='link_answers')
    op.drop_index('ix_link_answers_link_id', table_name='link_answers')
    op.drop_table('link_answers')
    op.drop_index('ix_answer_links_case_id', table_name='answer_links')
    op.drop_index('ix_answer_links_household_id', table_name='answer_links')
    op.drop_table('answer_links')
