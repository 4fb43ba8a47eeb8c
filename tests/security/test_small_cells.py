"""Small-cell suppression hides the cells under 5 and then only the fewest others needed so that no subtraction of
published figures gives one back (docs/security.md E5): the auditor finds nothing, and brute force over every
smaller set of hidden cells finds none that the auditor passes."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from campaigns.reports.cells import HIDDEN, SECRET, Cell
from campaigns.reports.linear import minimal_hidden, recoverable
from campaigns.reports.suppression import protect_grid
from tests.security.evaluation_auditor import recovered_cells

ADIL44 = [[5, 19, 3, 1], [17, 13, 8, 1]]  # docs/domain.md §5.1: parks × steps (letter, call, 1st and 2nd visit)
PARKS = ("parc privé", "parc social", "parc inconnu")


def _shown(count: int, hidden: bool) -> Cell:
    return (HIDDEN if count < 5 else SECRET) if hidden else count


def _report(grid: list[list[int]], hidden: set[tuple[int, int]], columns: set[int]) -> dict[str, Any]:
    """The sections of the evaluation report that publish a park × step grid: the grid with each park's responders
    (taux_parc), the steps' responders (taux_etape) and all the responders (synthese), as build_report writes them."""
    steps = [f"étape {j + 1}" for j in range(len(grid[0]))]
    rows = [sum(line) for line in grid]
    whole = sum(rows)
    modes = [{"parc": PARKS[i], "mode": step, "menages": _shown(grid[i][j], (i, j) in hidden),
              "total": _shown(rows[i], 0 < rows[i] < 5)}
             for i in range(len(grid)) for j, step in enumerate(steps)]
    # Every park has 20 households more than responders: those counts are published and never small.
    parks = [{"valeur": PARKS[i], "menages": rows[i] + 20, "repondants": _shown(rows[i], 0 < rows[i] < 5)}
             for i in range(len(grid))]
    totals = [sum(line[j] for line in grid) for j in range(len(steps))]
    by_step = [{"valeur": step, "menages": whole + 20, "repondants": _shown(t, j in columns or 0 < t < 5)}
               for j, (step, t) in enumerate(zip(steps, totals, strict=True))]
    synthesis = [{"valeur": "ensemble", "menages": whole + 20 * len(grid), "repondants": _shown(whole, 0 < whole < 5)}]
    return {"sections": {"modes_de_contact": {"lignes": modes}, "taux_parc": {"lignes": parks},
                         "taux_etape": {"lignes": by_step}, "synthese": {"lignes": synthesis}}}


def _protected(grid: list[list[int]]) -> tuple[set[tuple[int, int]], set[int]]:
    result = protect_grid(grid)
    cells = {(i, j) for i, line in enumerate(result.cells) for j, cell in enumerate(line) if not isinstance(cell, int)}
    return cells, {j for j, hidden in enumerate(result.columns) if hidden}


def _fewest(grid: list[list[int]]) -> int | None:
    """Brute force: the fewest complementary cells (grid cells or steps' totals, not empty) that leave nothing to
    the auditor, or None when no such set exists."""
    totals = [sum(line[j] for line in grid) for j in range(len(grid[0]))]
    small = {(i, j) for i, line in enumerate(grid) for j, c in enumerate(line) if 0 < c < 5}
    small_columns = {j for j, t in enumerate(totals) if 0 < t < 5}
    candidates: list[tuple[str, int, int]] = [
        *(("cell", i, j) for i, line in enumerate(grid) for j, c in enumerate(line) if c >= 5),
        *(("column", j, j) for j, t in enumerate(totals) if t >= 5)]
    for size in range(len(candidates) + 1):
        for chosen in itertools.combinations(candidates, size):
            cells = small | {(i, j) for kind, i, j in chosen if kind == "cell"}
            columns = small_columns | {j for kind, j, _ in chosen if kind == "column"}
            if not recovered_cells(_report(grid, cells, columns)):
                return size
    return None


def _complements(grid: list[list[int]], cells: set[tuple[int, int]], columns: set[int]) -> int:
    totals = [sum(line[j] for line in grid) for j in range(len(grid[0]))]
    return sum(1 for i, j in cells if grid[i][j] >= 5) + sum(1 for j in columns if totals[j] >= 5)


def test_adil44_grid_hides_the_small_cells_and_the_fewest_others() -> None:
    result = protect_grid(ADIL44)
    # 3, 1 and 1 are small; the social park's 8 goes too, or its row (39) would give its 1 back; the first visit's
    # total (11) goes with the second's (2), or 67 − 22 − 32 − 11 would give it back.
    assert result.cells == [[5, 19, "< 5", "< 5"], [17, 13, "secret", "< 5"]]
    assert result.columns == [False, False, True, True]
    cells, columns = _protected(ADIL44)
    assert not recovered_cells(_report(ADIL44, cells, columns))
    assert _complements(ADIL44, cells, columns) == _fewest(ADIL44) == 2


def test_the_auditor_recovers_what_one_complement_fewer_gives_back() -> None:
    cells, columns = _protected(ADIL44)
    recovered = recovered_cells(_report(ADIL44, cells - {(1, 2)}, columns))
    assert recovered, "without the 8, the social park's row gives its 1 back"
    assert {ref[1] for ref, value in recovered if value == 1 and ref[0] == "modes_de_contact"}


@pytest.mark.parametrize("seed", range(12))
def test_random_grids_hide_no_more_than_brute_force(seed: int) -> None:
    generator = random.Random(seed)
    grid: list[list[int]] = []
    while len(grid) < 2:  # a park's responders under 5 are protected by the parks' table (partition_cells)
        line = [generator.choice([0, 1, 2, 3, 4, 6, 9, 12, 20]) for _ in range(3)]
        grid += [line] if sum(line) >= 5 else []
    cells, columns = _protected(grid)
    fewest = _fewest(grid)
    assert fewest is not None, grid
    assert not recovered_cells(_report(grid, cells, columns)), grid
    assert _complements(grid, cells, columns) == fewest, grid


def test_cells_to_keep_stay_visible_when_others_can_protect() -> None:
    values = [c for line in ADIL44 for c in line] + [22, 32, 11, 2]
    equations = [*([(1, j), (1, 4 + j), (-1, 8 + j)] for j in range(4)),  # columns and their totals
                 [(1, 8), (1, 9), (1, 10), (1, 11)]]  # the steps' totals add up to the 67 responders
    equations += [[(1, 4 * i + j) for j in range(4)] for i in range(2)]  # the parks' rows, totals published
    primary = {k for k, v in enumerate(values) if 0 < v < 5}
    free = minimal_hidden(values, equations, primary)
    assert free == {2, 3, 6, 7, 10, 11}
    kept = minimal_hidden(values, equations, primary, keep={6})  # the social park's 8 must stay
    assert 6 not in kept and primary <= kept
    assert not recoverable(len(values), equations, kept)
    assert len(kept) > len(free)


def test_a_single_hidden_cell_of_a_line_is_recovered_with_the_cells_that_give_it() -> None:
    equations = [[(1, 0), (1, 1), (1, 2)]]  # a line adding up to a published total
    assert recoverable(3, equations, {1}) == {1: frozenset({0, 2})}
    assert recoverable(3, equations, {1, 2}) == {}
    assert minimal_hidden([20, 3, 9], equations, {1}) == {1, 2}
