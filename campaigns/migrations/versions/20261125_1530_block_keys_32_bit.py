"""block keys hashed on 32 bits

Revision ID: 5b1f0c2a9d34
Revises: e76ff57c5bbe
Create Date: 2026-11-25 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = '5b1f0c2a9d34'
down_revision: str | None = 'e76ff57c5bbe'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Stored hashes cannot be shortened (the keys themselves are never stored): the column changes type and every
    # case's keys are computed again by the application's own scheme, so they match what new pushes probe.
    from campaigns.linkage.store import rebuild_keys

    op.execute(sa.text("DELETE FROM block_keys"))
    with op.batch_alter_table('block_keys', schema=None) as batch_op:
        batch_op.alter_column('key_hash', existing_type=sa.BigInteger(), type_=sa.Integer(),
                              existing_nullable=False)
    # Every identity field is still in clear at this revision (encrypted by 8d2f4c6a1e90 and e1f6a2b9c4d7).
    text_fields = ("nom", "prenom", "nom_cotitulaire", "prenom_cotitulaire", "adresse", "complement_adresse",
                   "telephone", "email", "numero_allocataire")
    plain = {name: sa.String() for name in text_fields} | {
        name: sa.Date() for name in ("date_naissance", "date_naissance_cotitulaire")}
    rebuild_keys(Session(bind=op.get_bind()), plain=plain)


def downgrade() -> None:
    # Keys of the earlier 64-bit scheme cannot be rebuilt by the current code: the table is left empty and the
    # earlier version's code must rebuild it.
    op.execute(sa.text("DELETE FROM block_keys"))
    with op.batch_alter_table('block_keys', schema=None) as batch_op:
        batch_op.alter_column('key_hash', existing_type=sa.Integer(), type_=sa.BigInteger(),
                              existing_nullable=False)
