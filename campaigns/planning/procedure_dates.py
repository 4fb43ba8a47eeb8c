"""The bounds of procedure dates (stage, first arrear, hearing): between 1990 and two years ahead (docs/security.md).

A push beyond them is a row error (campaigns/intake/bounds.py); a stored value beyond them sets its household aside
at the tick (campaigns/delivery/set_aside.py): the working-day arithmetic overflows on 0001-01-01 or 9999-12-31.
"""

from __future__ import annotations

from datetime import date

PROCEDURE_FLOOR = date(1990, 1, 1)
PROCEDURE_YEARS_AHEAD = 2


def procedure_ceiling(today: date) -> date:
    """The latest procedure date accepted on `today`: the same day two years later (28 February for 29)."""
    try:
        return today.replace(year=today.year + PROCEDURE_YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + PROCEDURE_YEARS_AHEAD, day=28)
