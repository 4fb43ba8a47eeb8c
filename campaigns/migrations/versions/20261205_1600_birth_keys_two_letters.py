"""birth date blocking keys on two phonetic letters of each name instead of initials

Every case's keys are computed again by the application's scheme (campaigns.linkage.blocking.stored_keys), so they
match what new pushes probe.

Revision ID: c7d2e9f4a1b8
Revises: b4e8d1c7a3f6
Create Date: 2026-12-05 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = 'c7d2e9f4a1b8'
down_revision: str | None = 'b4e8d1c7a3f6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from campaigns.linkage.store import rebuild_keys

    # Names and CAF numbers are still in clear at this revision (encrypted by e1f6a2b9c4d7).
    plain = {name: sa.String() for name in ("nom", "prenom", "nom_cotitulaire", "prenom_cotitulaire",
                                            "numero_allocataire")}
    rebuild_keys(Session(bind=op.get_bind()), plain=plain)


def downgrade() -> None:
    # The earlier scheme's keys cannot be computed by the current code: the table is emptied and the earlier
    # version's code must rebuild it (campaigns.linkage.store.rebuild_keys), as after 5b1f0c2a9d34.
    op.execute(sa.text("DELETE FROM block_keys"))
