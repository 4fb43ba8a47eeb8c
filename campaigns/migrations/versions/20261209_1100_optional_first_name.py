"""the holder's first name is optional (`cases.prenom` nullable): a pushed row without one is kept with a warning

Issue 17: partners' files (and FEBRL) have rows without a given name; they were refused. The column stays encrypted
(campaigns/crypto/columns.py: NULL is stored as NULL, never encrypted) and has no blind index: nothing to rebuild.
The blocking keys already treated an empty first name as absent.

Downgrade: the rows without a first name get the empty text, encrypted row by row, as before this revision.

Revision ID: d4f7b2e9a6c1
Revises: a9d4e2c7f1b3
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd4f7b2e9a6c1'
down_revision: str | None = 'a9d4e2c7f1b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('prenom', existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    from campaigns.crypto.columns import EncryptedText

    bind = op.get_bind()
    column = EncryptedText("prenom")
    ids = bind.execute(sa.text("SELECT id FROM cases WHERE prenom IS NULL ORDER BY id")).scalars().all()
    if ids:
        bind.execute(sa.text("UPDATE cases SET prenom = :prenom WHERE id = :id"),
                     [{"id": case_id, "prenom": column.process_bind_param("", bind.dialect)} for case_id in ids])
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('prenom', existing_type=sa.LargeBinary(), nullable=False)
