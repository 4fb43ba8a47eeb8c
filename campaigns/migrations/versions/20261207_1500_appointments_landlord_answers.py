"""appointments of call and visit tasks (with their SMS reminder), joint visits, landlords' answers apart from the
household's (docs/domain.md §5, docs/api.md)

The appointment's place is encrypted at rest like the task notes (campaigns/crypto/columns.py).

Revision ID: c8e4a2f6b1d9
Revises: d4a8c2e6f1b9
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from campaigns.platform.db import UTCDateTime

revision: str = 'c8e4a2f6b1d9'
down_revision: str | None = 'd4a8c2e6f1b9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'appointments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.Column('worker_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('duration_minutes', sa.Integer(), nullable=False),
        sa.Column('place', sa.LargeBinary(), nullable=True),
        sa.Column('reminder_dispatch_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_appointments_household_id_households')),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_appointments_partner_id_partners')),
        sa.ForeignKeyConstraint(['reminder_dispatch_id'], ['dispatches.id'],
                                name=op.f('fk_appointments_reminder_dispatch_id_dispatches')),
        sa.ForeignKeyConstraint(['task_id'], ['human_tasks.id'], name=op.f('fk_appointments_task_id_human_tasks')),
        sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_appointments_worker_id_workers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
        sa.UniqueConstraint('reminder_dispatch_id', name=op.f('uq_appointments_reminder_dispatch_id')),
        sa.UniqueConstraint('task_id', name=op.f('uq_appointments_task_id')),
    )
    op.create_index(op.f('ix_appointments_household_id'), 'appointments', ['household_id'])
    op.create_index(op.f('ix_appointments_partner_id'), 'appointments', ['partner_id'])
    op.create_index(op.f('ix_appointments_worker_id'), 'appointments', ['worker_id'])
    op.create_table(
        'landlord_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=40), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('nature', sa.String(length=40), nullable=False),
        sa.Column('responded_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_landlord_answers_case_id_cases')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_landlord_answers_household_id_households')),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_landlord_answers_partner_id_partners')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_landlord_answers')),
    )
    op.create_index(op.f('ix_landlord_answers_household_id'), 'landlord_answers', ['household_id'])
    with op.batch_alter_table('human_tasks') as batch_op:
        batch_op.add_column(sa.Column('joint_partner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('joint_landlord', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_foreign_key(batch_op.f('fk_human_tasks_joint_partner_id_partners'), 'partners',
                                    ['joint_partner_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('human_tasks') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_human_tasks_joint_partner_id_partners'), type_='foreignkey')
        batch_op.drop_column('joint_landlord')
        batch_op.drop_column('joint_partner_id')
    op.drop_index(op.f('ix_landlord_answers_household_id'), table_name='landlord_answers')
    op.drop_table('landlord_answers')
    op.drop_index(op.f('ix_appointments_worker_id'), table_name='appointments')
    op.drop_index(op.f('ix_appointments_partner_id'), table_name='appointments')
    op.drop_index(op.f('ix_appointments_household_id'), table_name='appointments')
    op.drop_table('appointments')
