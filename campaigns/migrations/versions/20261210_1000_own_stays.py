"""a bailleur's case runs its campaigns on its own stage stays (docs/security.md, rule 7)

Revision ID: d4b8e2f6a1c3
Revises: d9f3b7a1c5e2
Create Date: 2026-12-10 09:00:00

`cases.stay_entry_id`: the stay a bailleur's campaigns run on for this case; `stage_entries.case_id`: a stay of
one case at a stage its household is not at. Existing open bailleur cases get the household's current stay when
they report its stage, else a stay of their own entered at their last update (no contact is planned for it: the
campaigns covering it enroll the case when it next moves; its contacts planned at the household's stage stop when
they fall due, reason `stage_changed`). The downgrade drops the columns; the stays of a case then stay as stays no
household is at.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd4b8e2f6a1c3'
down_revision: str | None = 'd9f3b7a1c5e2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BAILLEUR_CASES = ("stage <> 'cloture' AND partner_id IN (SELECT id FROM partners "
                   "WHERE kind IN ('bailleur_social', 'bailleur_prive'))")


def upgrade() -> None:
    # Nullable columns without a default or a key: added (and dropped) in place on both backends, no table rebuilt.
    op.add_column('cases', sa.Column('stay_entry_id', sa.Integer(), nullable=True))
    op.add_column('stage_entries', sa.Column('case_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE cases SET stay_entry_id = (SELECT h.current_entry_id FROM households h "
        "WHERE h.id = cases.household_id AND h.stage = cases.stage) WHERE " + _BAILLEUR_CASES)
    op.execute(
        "INSERT INTO stage_entries (household_id, stage, entered_at, case_id) "
        "SELECT household_id, stage, updated_at, id FROM cases WHERE stay_entry_id IS NULL AND " + _BAILLEUR_CASES)
    op.execute(
        "UPDATE cases SET stay_entry_id = (SELECT MAX(e.id) FROM stage_entries e WHERE e.case_id = cases.id) "
        "WHERE stay_entry_id IS NULL AND " + _BAILLEUR_CASES)


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later): rebuilding `cases` would break the keys referencing it.
    op.execute('ALTER TABLE stage_entries DROP COLUMN case_id')
    op.execute('ALTER TABLE cases DROP COLUMN stay_entry_id')
