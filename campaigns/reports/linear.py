"""The fewest complementary cells to hide so that no hidden cell can be recovered by subtraction (docs/security.md
E5).

A table's additive structure is a list of equations Σ coefficient × cell = a published figure; a published figure
that is not itself a cell of the table (a margin shown elsewhere) is a constant and stays out of the equations, since
its value does not change which cells the equations fix. A hidden cell is recovered when the equations fix it
whatever the other hidden cells are: its unit vector lies in the span of the equations restricted to the hidden
cells (Gaussian elimination over the rationals, as tests/security/evaluation_auditor.py does on the whole report).

The complementary cells are chosen by a small integer program (scipy.optimize.milp): one 0/1 variable per cell,
the small cells forced hidden, the cells to keep forced shown, the count of hidden cells minimised (then their
total, so that the smallest cells go first). Each solution is audited; every cell it leaves recoverable gives a
constraint every safe solution satisfies — the combination of equations that recovers it involves other cells, at
least one of which must be hidden too — and the program is solved again until the audit finds nothing. The cuts
only remove unsafe sets, so the last solution is a smallest safe one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from fractions import Fraction

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = ["Equation", "minimal_hidden", "recoverable"]

Equation = Sequence[tuple[int, int]]  # (coefficient, cell index): Σ coefficient × cell is published
_MAX_ROUNDS = 500


def recoverable(size: int, equations: Sequence[Equation], hidden: Collection[int]) -> dict[int, frozenset[int]]:
    """The hidden cells the equations fix, each with the shown cells of the combination of equations that gives it
    back (at least one of them must be hidden too for the cell to stay unknown)."""
    order = sorted(set(hidden))
    position = {cell: j for j, cell in enumerate(order)}
    rows: list[tuple[list[Fraction], list[Fraction]]] = []
    for k, equation in enumerate(equations):
        row = [Fraction(0)] * len(order)
        for coefficient, cell in equation:
            if cell in position:
                row[position[cell]] += coefficient
        combination = [Fraction(0)] * len(equations)
        combination[k] = Fraction(1)
        rows.append((row, combination))
    pivots: list[int] = []
    top = 0
    for j in range(len(order)):
        found = next((i for i in range(top, len(rows)) if rows[i][0][j] != 0), None)
        if found is None:
            continue
        rows[top], rows[found] = rows[found], rows[top]
        lead = rows[top][0][j]
        rows[top] = ([x / lead for x in rows[top][0]], [x / lead for x in rows[top][1]])
        for i in range(len(rows)):
            factor = rows[i][0][j]
            if i != top and factor != 0:
                rows[i] = ([a - factor * b for a, b in zip(rows[i][0], rows[top][0], strict=True)],
                           [a - factor * b for a, b in zip(rows[i][1], rows[top][1], strict=True)])
        pivots.append(j)
        top += 1
    found_cells: dict[int, frozenset[int]] = {}
    for (row, combination), j in zip(rows[:top], pivots, strict=True):
        if sum(1 for x in row if x != 0) != 1:
            continue
        total: dict[int, Fraction] = {}
        for weight, equation in zip(combination, equations, strict=True):
            for coefficient, cell in equation:
                total[cell] = total.get(cell, Fraction(0)) + weight * coefficient
        found_cells[order[j]] = frozenset(c for c, x in total.items() if x != 0 and c not in position)
    return found_cells


def _solve(values: Sequence[int], forced: Collection[int], shown: Collection[int],
           cuts: Sequence[tuple[int, frozenset[int]]]) -> set[int] | None:
    size = len(values)
    scale = sum(abs(v) for v in values) + size + 1
    # Fewest cells first; among as few, the smallest values (then the first cells, so the answer is unique).
    cost = np.array([1 + (abs(v) + k / size) / scale for k, v in enumerate(values)], dtype=float)
    low = np.array([1.0 if k in forced else 0.0 for k in range(size)])
    high = np.array([0.0 if k in shown and k not in forced else 1.0 for k in range(size)])
    constraints = []
    if cuts:
        matrix = np.zeros((len(cuts), size))
        for i, (cell, others) in enumerate(cuts):
            matrix[i, cell] -= 1.0
            for other in others:
                matrix[i, other] += 1.0
        constraints.append(LinearConstraint(matrix, lb=np.zeros(len(cuts)), ub=np.full(len(cuts), np.inf)))
    result = milp(cost, constraints=constraints, integrality=np.ones(size), bounds=Bounds(low, high))
    if result.status != 0 or result.x is None:
        return None
    return {k for k in range(size) if result.x[k] > 0.5}


def minimal_hidden(values: Sequence[int], equations: Sequence[Equation], primary: Collection[int],
                   keep: Collection[int] = ()) -> set[int]:
    """The smallest set of cells to hide: every `primary` cell, and the fewest others (never one of `keep`, nor an
    empty cell, unless nothing else protects) so that the equations recover none of them; every cell but the empty
    ones when no set protects them all."""
    if not values:
        return set()
    empty = {k for k, v in enumerate(values) if v == 0 and k not in primary}
    for shown in ({*keep, *empty}, empty, set()):
        cuts: list[tuple[int, frozenset[int]]] = []
        for _round in range(_MAX_ROUNDS):
            hidden = _solve(values, primary, shown, cuts)
            if hidden is None:
                break
            found = recoverable(len(values), equations, hidden)
            if not found:
                return hidden
            cuts.extend(found.items())
    return {k for k, v in enumerate(values) if v != 0} | set(primary)
