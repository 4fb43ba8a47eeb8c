"""lighter intake inserts: fewer foreign-key triggers and index entries per pushed row

Revision ID: 179b6f4b4e12
Revises: 3f7a9c1e5b20
Create Date: 2026-11-25 15:29:47.658835
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '179b6f4b4e12'
down_revision: str | None = '3f7a9c1e5b20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PARTIAL = (("ix_dispatches_finished_at", "finished_at"), ("ix_dispatches_sent_at", "sent_at"))


def upgrade() -> None:
    with op.batch_alter_table('block_keys', schema=None) as batch_op:
        batch_op.drop_constraint('fk_block_keys_case_id_cases', type_='foreignkey')
    with op.batch_alter_table('dispatches', schema=None) as batch_op:
        batch_op.drop_constraint('fk_dispatches_campaign_id_campaigns', type_='foreignkey')
        batch_op.drop_constraint('fk_dispatches_stage_entry_id_stage_entries', type_='foreignkey')
    for name, column in _PARTIAL:
        op.drop_index(name, table_name='dispatches')
        condition = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, 'dispatches', [column], postgresql_where=condition, sqlite_where=condition)


def downgrade() -> None:
    for name, column in _PARTIAL:
        op.drop_index(name, table_name='dispatches')
        op.create_index(name, 'dispatches', [column])
    with op.batch_alter_table('dispatches', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_dispatches_stage_entry_id_stage_entries', 'stage_entries',
                                    ['stage_entry_id'], ['id'])
        batch_op.create_foreign_key('fk_dispatches_campaign_id_campaigns', 'campaigns', ['campaign_id'], ['id'])
    with op.batch_alter_table('block_keys', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_block_keys_case_id_cases', 'cases', ['case_id'], ['id'])
