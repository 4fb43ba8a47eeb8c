"""Small-cell suppression that no difference of published figures undoes (docs/domain.md §11.4, docs/security.md
E5).

Primary suppression: a count of 1 to 4 households is shown "< 5". Secondary suppression: wherever published
figures add up to a published total (a line and its total, a table split by park, bailleur, stage or territory and
the whole, a grid whose rows and columns add up to published figures), the hidden cells of each such line are
never a single cell nor sum to fewer than 5: the next smallest cells are hidden too ("secret"). A rate is shown
only when both its count and its numerator are, since the rate and one of them give the other back. A figure that
two tables publish is suppressed once, here, and shown the same in both.
"""

from __future__ import annotations

from collections.abc import Sequence

from campaigns.platform.statistics import SMALL_CELL_THRESHOLD, Rate, suppress_small
from campaigns.reports.cells import HIDDEN, SECRET, Cell

__all__ = ["all_partners_cells", "extend_hidden", "hidden_margin", "partition_cells", "protect", "protect_grid",
           "rate_from"]


def extend_hidden(counts: Sequence[int], hidden: list[bool], threshold: int = SMALL_CELL_THRESHOLD) -> bool:
    """Hides more cells of one line whose total is published until its hidden cells are none, or at least two
    summing to `threshold` or more; returns whether it hid any."""
    changed = False
    while True:
        small = [c for c, h in zip(counts, hidden, strict=True) if h]
        if not small or (len(small) >= 2 and sum(small) >= threshold):
            return changed
        visible = [(c, i) for i, (c, h) in enumerate(zip(counts, hidden, strict=True)) if not h and c > 0]
        if not visible:
            return changed
        hidden[min(visible)[1]] = True
        changed = True


def _cells(counts: Sequence[int], hidden: Sequence[bool], threshold: int) -> list[Cell]:
    return [(HIDDEN if c < threshold else SECRET) if h else c for c, h in zip(counts, hidden, strict=True)]


def protect(counts: Sequence[int], threshold: int = SMALL_CELL_THRESHOLD) -> list[Cell]:
    """Primary and secondary suppression of the cells of one line whose total is published."""
    hidden = [0 < c < threshold for c in counts]
    extend_hidden(counts, hidden, threshold)
    return _cells(counts, hidden, threshold)


def protect_grid(grid: Sequence[Sequence[int]], threshold: int = SMALL_CELL_THRESHOLD) -> list[list[Cell]]:
    """Suppression of a grid whose rows and columns both add up to published totals: rows then columns are
    protected again until neither hides anything more."""
    hidden = [[0 < c < threshold for c in row] for row in grid]
    columns = max((len(row) for row in grid), default=0)
    changed = True
    while changed:
        changed = False
        for row, mask in zip(grid, hidden, strict=True):
            changed |= extend_hidden(row, mask, threshold)
        for j in range(columns):
            column = [row[j] for row in grid]
            mask = [m[j] for m in hidden]
            if extend_hidden(column, mask, threshold):
                changed = True
                for m, h in zip(hidden, mask, strict=True):
                    m[j] = h
    return [_cells(row, mask, threshold) for row, mask in zip(grid, hidden, strict=True)]


def hidden_margin(totals: Sequence[int], threshold: int = SMALL_CELL_THRESHOLD) -> list[bool]:
    """Which totals of a grid's columns to hide where another table publishes them and they add up to a published
    whole (the steps' responders and all the responders): the small ones, and the next smallest so that none is
    alone nor the hidden ones under `threshold` together. A small column whose cells are all hidden already would
    otherwise come back as the whole minus the other columns."""
    hidden = [0 < t < threshold for t in totals]
    extend_hidden(totals, hidden, threshold)
    return hidden


def rate_from(successes: Cell, n: Cell, value: Rate) -> list[Cell]:
    """Rate, low and high bounds when both counts are shown, the group has 5 households or more and the numerator
    is not small; otherwise "< 5" (the rate would give a hidden count back)."""
    if isinstance(successes, int) and isinstance(n, int) and value.n >= SMALL_CELL_THRESHOLD:
        return [value.value, value.low, value.high]
    return [HIDDEN, None, None]


def partition_cells(rates: Sequence[Rate]) -> list[list[Cell]]:
    """The rate cells (households, responded, rate, low, high) of groups that split a published whole (each
    household in one group): both count columns protected against the whole's total."""
    households = protect([r.n for r in rates])
    responded = protect([r.successes for r in rates])
    return [[n, s, *rate_from(s, n, r)] for n, s, r in zip(households, responded, rates, strict=True)]


def all_partners_cells(own: Rate, whole: Rate) -> list[Cell]:
    """Every partner's households next to a partner's own: a count is hidden when the others' part (whole − own)
    is 1 to 4, since the difference would give it back."""
    cells: list[Cell] = []
    for mine, every in ((own.n, whole.n), (own.successes, whole.successes)):
        others = every - mine
        cells.append(SECRET if 0 < others < SMALL_CELL_THRESHOLD and every >= SMALL_CELL_THRESHOLD
                     else suppress_small(every))
    return [*cells, *rate_from(cells[1], cells[0], whole)]
