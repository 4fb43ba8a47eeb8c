"""users linked to their queue worker

Revision ID: 8c4d2e6f1a07
Revises: 5b1f0c2a9d34
Create Date: 2026-11-25 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8c4d2e6f1a07'
down_revision: str | None = '5b1f0c2a9d34'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing accounts stay unlinked: `chaine users link-worker` links (or creates) their worker.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_worker_id'), ['worker_id'])
        batch_op.create_foreign_key(batch_op.f('fk_users_worker_id_workers'), 'workers', ['worker_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_worker_id_workers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_users_worker_id'), type_='unique')
        batch_op.drop_column('worker_id')
