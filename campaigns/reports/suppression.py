"""Small-cell suppression that no difference of published figures undoes (docs/domain.md §11.4, docs/security.md
E5).

Primary suppression: a count of 1 to 4 households is shown "< 5". Secondary suppression: wherever published
figures add up to a published total (a line and its total, a table split by park, bailleur, stage or territory and
the whole), the hidden cells of each such line are never a single cell nor sum to fewer than 5: the next smallest
cells are hidden too ("secret"). A grid whose rows and columns both add up to published figures (the park × step
contact modes) hides only the fewest other cells needed so that no combination of its sums fixes a hidden one
(campaigns.reports.linear). A rate is shown only when both its count and its numerator are, since the rate and one
of them give the other back. A figure that two tables publish is suppressed once, here, and shown the same in both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from campaigns.platform.statistics import SMALL_CELL_THRESHOLD, Rate, suppress_small
from campaigns.reports.cells import HIDDEN, SECRET, Cell
from campaigns.reports.linear import minimal_hidden

__all__ = ["GridCells", "all_partners_cells", "extend_hidden", "partition_cells", "protect", "protect_grid",
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


@dataclass(frozen=True, slots=True)
class GridCells:
    """A protected grid: its cells, and which of its columns' totals (published elsewhere) to hide too."""

    cells: list[list[Cell]]
    columns: list[bool]


def protect_grid(grid: Sequence[Sequence[int]], threshold: int = SMALL_CELL_THRESHOLD,
                 column_totals: Sequence[int] | None = None, hidden_rows: Sequence[bool] = ()) -> GridCells:
    """Suppression of a grid whose rows add up to published totals (the rows' own), whose columns add up to totals
    published elsewhere (`column_totals` as published, by default the columns' sums) and which add up to the
    published whole: the small cells, and then the fewest other cells and column totals (campaigns.reports.linear)
    so that no subtraction gives any back. A row total or the whole under `threshold` is hidden where it is
    published, as is a row total `hidden_rows` says is hidden there: it is an unknown here too. The rows' totals
    against the whole are the parks' table's own protection (partition_cells)."""
    columns = max((len(row) for row in grid), default=0)
    counts = [[row[j] if j < len(row) else 0 for j in range(columns)] for row in grid]
    values = [c for row in counts for c in row]
    if column_totals is None:
        column_totals = [sum(row[j] for row in counts) for j in range(columns)]
    values += column_totals
    column_cell = len(counts) * columns
    equations: list[list[tuple[int, int]]] = [
        [(1, i * columns + j) for i in range(len(counts))] + [(-1, column_cell + j)] for j in range(columns)]
    whole = sum(sum(row) for row in counts)
    unknown: list[int] = []
    for i, row in enumerate(counts):
        equation = [(1, i * columns + j) for j in range(columns)]
        if 0 < sum(row) < threshold or (i < len(hidden_rows) and hidden_rows[i]):  # hidden where it is published
            unknown.append(len(values))
            equation.append((-1, len(values)))
            values.append(sum(row))
        equations.append(equation)
    margin = [(1, column_cell + j) for j in range(columns)]
    if 0 < whole < threshold:
        unknown.append(len(values))
        margin.append((-1, len(values)))
        values.append(whole)
    equations.append(margin)
    primary = {k for k, v in enumerate(values) if 0 < v < threshold} | set(unknown)
    hidden = minimal_hidden(values, equations, primary)
    cells = [_cells(row, [i * columns + j in hidden for j in range(columns)], threshold)
             for i, row in enumerate(counts)]
    return GridCells(cells, [column_cell + j in hidden for j in range(columns)])


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
