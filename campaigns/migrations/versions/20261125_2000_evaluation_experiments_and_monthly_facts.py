"""evaluation: experiments, monthly roll-ups of the facts, per-stay inputs of the facts

Revision ID: a6e1c0d4b7f2
Revises: 8d2f4c6a1e90
Create Date: 2026-11-25 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import campaigns.platform.db

revision: str = 'a6e1c0d4b7f2'
down_revision: str | None = '8d2f4c6a1e90'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fact_stays',
    sa.Column('stay_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('stay_id', name=op.f('pk_fact_stays'))
    )
    op.create_index(op.f('ix_fact_stays_household_id'), 'fact_stays', ['household_id'], unique=False)
    op.create_table('monthly_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('owner_partner_id', sa.Integer(), nullable=False),
    sa.Column('bailleur_partner_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('parc', sa.String(length=10), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('contacts', sa.Integer(), nullable=False),
    sa.Column('responded', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_facts'))
    )
    op.create_index('ix_monthly_facts_month', 'monthly_facts', ['month'], unique=False)
    op.create_table('monthly_reach',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('bailleur_partner_id', sa.Integer(), nullable=True),
    sa.Column('parc', sa.String(length=10), nullable=True),
    sa.Column('stage', sa.String(length=40), nullable=True),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('responded', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_reach'))
    )
    op.create_index('ix_monthly_reach_month', 'monthly_reach', ['month'], unique=False)
    op.create_table('experiments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('arms', sa.JSON(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('minimal_effect', sa.Float(), nullable=True),
    sa.Column('created_at', campaigns.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', campaigns.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', campaigns.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_experiments_campaign_id_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiments')),
    sa.UniqueConstraint('key', name=op.f('uq_experiments_key'))
    )
    op.create_index(op.f('ix_experiments_campaign_id'), 'experiments', ['campaign_id'], unique=False)
    op.create_table('experiment_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('experiment_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('stage_entry_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=False),
    sa.Column('arm', sa.String(length=40), nullable=False),
    sa.Column('assigned_at', campaigns.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'],
                            name=op.f('fk_experiment_assignments_experiment_id_experiments')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                            name=op.f('fk_experiment_assignments_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiment_assignments')),
    sa.UniqueConstraint('experiment_id', 'household_id',
                        name=op.f('uq_experiment_assignments_experiment_id_household_id'))
    )
    op.create_index('ix_experiment_assignments_assigned_at', 'experiment_assignments', ['assigned_at'],
                    unique=False)
    op.create_index('ix_experiment_assignments_stage_entry_id', 'experiment_assignments', ['stage_entry_id'],
                    unique=False)
    op.create_index(op.f('ix_experiment_assignments_household_id'), 'experiment_assignments', ['household_id'],
                    unique=False)
    # The stay-by-stay refresh of the facts: cases changed and stays left since the previous refresh.
    op.create_index('ix_cases_updated_at', 'cases', ['updated_at'], unique=False)
    op.create_index('ix_stage_entries_left_at', 'stage_entries', ['left_at'], unique=False)
    # The facts now keep the park and the stage on every row, the experiments and the open files, and the refresh
    # works stay by stay from `fact_stays`: the next refresh must rebuild everything (it does when it finds no
    # previous refresh).
    op.execute(sa.text("DELETE FROM facts_refreshes"))


def downgrade() -> None:
    op.drop_index('ix_stage_entries_left_at', table_name='stage_entries')
    op.drop_index('ix_cases_updated_at', table_name='cases')
    op.drop_index(op.f('ix_experiment_assignments_household_id'), table_name='experiment_assignments')
    op.drop_index('ix_experiment_assignments_stage_entry_id', table_name='experiment_assignments')
    op.drop_index('ix_experiment_assignments_assigned_at', table_name='experiment_assignments')
    op.drop_table('experiment_assignments')
    op.drop_index(op.f('ix_experiments_campaign_id'), table_name='experiments')
    op.drop_table('experiments')
    op.drop_index('ix_monthly_reach_month', table_name='monthly_reach')
    op.drop_table('monthly_reach')
    op.drop_index('ix_monthly_facts_month', table_name='monthly_facts')
    op.drop_table('monthly_facts')
    op.drop_index(op.f('ix_fact_stays_household_id'), table_name='fact_stays')
    op.drop_table('fact_stays')
