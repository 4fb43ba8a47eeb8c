"""the CAF's, a CCAS', the ADIL's and an association's cases run their campaigns on their own stage stays
(docs/security.md, rule 7)

Revision ID: e2a6c8f4b1d7
Revises: c5a9e3d7f1b2
Create Date: 2026-12-10 12:00:00

Migration d4b8e2f6a1c3 gave the bailleurs' open cases their stays; rule 7 now holds for every partner but the pilots.
Existing open cases of the CAF, a CCAS, the ADIL and an association get the household's current stay when they
report its stage, else a stay of their own entered at their last update (no contact is planned for it: the campaigns
covering it enroll the case when it next moves; its contacts planned at the household's stage stop when they fall
due, reason `stage_changed`). The downgrade takes their stays off the cases; the stays of a case then stay as stays
no household is at.
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'e2a6c8f4b1d7'
down_revision: str | None = 'c5a9e3d7f1b2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STRUCTURES = "partner_id IN (SELECT id FROM partners WHERE kind IN ('caf', 'ccas', 'adil', 'association'))"
_OPEN_CASES = "stage <> 'cloture' AND " + _STRUCTURES


def upgrade() -> None:
    op.execute(
        "UPDATE cases SET stay_entry_id = (SELECT h.current_entry_id FROM households h "
        "WHERE h.id = cases.household_id AND h.stage = cases.stage) WHERE stay_entry_id IS NULL AND " + _OPEN_CASES)
    op.execute(
        "INSERT INTO stage_entries (household_id, stage, entered_at, case_id) "
        "SELECT household_id, stage, updated_at, id FROM cases WHERE stay_entry_id IS NULL AND " + _OPEN_CASES)
    op.execute(
        "UPDATE cases SET stay_entry_id = (SELECT MAX(e.id) FROM stage_entries e WHERE e.case_id = cases.id) "
        "WHERE stay_entry_id IS NULL AND " + _OPEN_CASES)


def downgrade() -> None:
    op.execute("UPDATE cases SET stay_entry_id = NULL WHERE " + _STRUCTURES)
