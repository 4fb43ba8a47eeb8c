"""household facts on cases: dependent children, housing benefit, protection measure and mandataire, known
referent, unreachable mark (docs/api.md, docs/domain.md §9.1 and §10.5)

The identity-like values (children's ages, the measure, the mandataire's details, the referent) are encrypted at
rest like the names (campaigns/crypto/columns.py): new columns, empty on existing rows, need no re-encryption.

Revision ID: b2d5f8a1c3e7
Revises: e3b7c1d9a2f5
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b2d5f8a1c3e7'
down_revision: str | None = 'e3b7c1d9a2f5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENCRYPTED = (
    'ages_enfants', 'mesure_protection', 'mandataire_nom', 'mandataire_adresse', 'mandataire_code_postal',
    'mandataire_commune', 'mandataire_telephone', 'referent_connu',
)


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch_op:
        batch_op.add_column(sa.Column('enfants_a_charge', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('aide_logement', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('versement_aide_logement', sa.String(length=10), nullable=True))
        for name in _ENCRYPTED:
            batch_op.add_column(sa.Column(name, sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('injoignable', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch_op:
        for name in ('injoignable', *reversed(_ENCRYPTED), 'versement_aide_logement', 'aide_logement',
                     'enfants_a_charge'):
            batch_op.drop_column(name)
