"""The ADIL 44 contact-mode table (docs/domain.md §5.1): parks × steps, the responders of each park by the step
their response is attributed to, with its margins protected (campaigns.reports.suppression)."""

from __future__ import annotations

from campaigns.evaluation.period import Evaluation
from campaigns.platform.statistics import SMALL_CELL_THRESHOLD, suppress_small
from campaigns.reports.cells import SECRET, Cell, Column, Table, share_cell
from campaigns.reports.suppression import GridCells, protect_grid, rate_from

__all__ = ["hide_step_totals", "modes_table"]


def _grid(evaluation: Evaluation, parcs: dict[str, list[Cell]]) -> tuple[list[str], list[int], GridCells]:
    """The steps, their responders as taux_etape publishes them (the grid's columns' sums where it has no line),
    and the park × step grid protected with these totals (which add up to all the responders) and the parks'
    responders as taux_parc shows them (`parcs`: its cells by park)."""
    tables = evaluation.sections.modes
    steps = list(dict.fromkeys(label for table in tables for label, _n in table.modes))
    grid = [[dict(table.modes).get(step, 0) for step in steps] for table in tables]
    published = {row.label: row.rate.successes for row in evaluation.rates.get("etape", [])}
    totals = [published.get(step, sum(line[j] for line in grid)) for j, step in enumerate(steps)]
    by_label = {r.label: parcs.get(r.value) for r in evaluation.rates.get("parc", [])}
    shown = [by_label.get(table.parc) for table in tables]
    hidden = [cells is not None and not isinstance(cells[1], int) for cells in shown]
    return steps, totals, protect_grid(grid, column_totals=totals, hidden_rows=hidden)


def hide_step_totals(evaluation: Evaluation, cells: dict[str, dict[str, list[Cell]]]) -> None:
    """The responders of each step (taux_etape) are the columns of the park × step grid and add up to all the
    responders: a step total the grid's protection hides is shown "secret" there (campaigns.reports.suppression)."""
    steps, totals, grid = _grid(evaluation, cells.get("parc", {}))
    hidden = {step for step, total, mask in zip(steps, totals, grid.columns, strict=True)
              if mask and total >= SMALL_CELL_THRESHOLD}
    for row in evaluation.rates.get("etape", []):
        if row.label in hidden and row.value in cells.get("etape", {}):
            households = cells["etape"][row.value][0]
            cells["etape"][row.value] = [households, SECRET, *rate_from(SECRET, households, row.rate)]


def modes_table(evaluation: Evaluation, parcs: dict[str, list[Cell]]) -> Table:
    """Parks × steps: a line adds up to the park's responders (taux_parc), a column to the step's (taux_etape)."""
    tables = evaluation.sections.modes
    steps, _totals, grid = _grid(evaluation, parcs)
    by_label = {r.label: parcs.get(r.value) for r in evaluation.rates["parc"]}
    rows: list[list[Cell]] = []
    for table, line in zip(tables, grid.cells, strict=True):
        shown = by_label.get(table.parc)
        total = shown[1] if shown is not None else suppress_small(table.responders)
        cells = dict(zip(steps, line, strict=True))
        for label, _n in table.modes:
            rows.append([table.parc, label, cells[label], share_cell(cells[label], table.responders, total), total])
    return Table("modes_de_contact", "Modes de contact des ménages ayant répondu, par parc",
                 (Column("parc", "parc"), Column("mode", "réponse attribuée à"), Column("menages", "ménages", "count"),
                  Column("part", "part des ménages ayant répondu", "rate"),
                  Column("total", "ménages ayant répondu", "count")), rows,
                 "Tableau des modes de contact de l'ADIL 44 : part des ménages ayant répondu, selon l'étape à laquelle "
                 "leur réponse est attribuée.")
