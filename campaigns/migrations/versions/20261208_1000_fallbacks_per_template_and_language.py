"""the language and register each message was asked in, and the contact facts per template, language asked and
fallback (LANG_FALLBACK counted per template and language, docs/evaluation.md)

Messages sent before this revision have no language asked: the evaluation counts them under « non renseigné ».
The facts already built have no template either (their new columns are null, as the stored stays they were built
from say); a refresh rebuilds a stay's facts with them as soon as one of its events changes.

Revision ID: a7c3e9f1b5d2
Revises: f1a7c3e9b5d2
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a7c3e9f1b5d2'
down_revision: str | None = 'f1a7c3e9b5d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FACTS = ('daily_facts', 'monthly_facts')


def upgrade() -> None:
    with op.batch_alter_table('dispatches') as batch:
        batch.add_column(sa.Column('requested_locale', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('requested_falc', sa.Boolean(), nullable=True))
    for table in _FACTS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('template', sa.String(length=100), nullable=True))
            batch.add_column(sa.Column('requested_locale', sa.String(length=8), nullable=True))
            batch.add_column(sa.Column('requested_falc', sa.Boolean(), nullable=True))
            batch.add_column(sa.Column('fallback', sa.Boolean(), nullable=True))


def downgrade() -> None:
    for table in _FACTS:
        with op.batch_alter_table(table) as batch:
            for column in ('fallback', 'requested_falc', 'requested_locale', 'template'):
                batch.drop_column(column)
    with op.batch_alter_table('dispatches') as batch:
        batch.drop_column('requested_falc')
        batch.drop_column('requested_locale')
