"""The report's building blocks: cells, columns and tables, and the rate columns with small cells hidden."""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.platform.statistics import SMALL_CELL_THRESHOLD, Rate, suppress_small

Cell = str | int | float | None
HIDDEN = f"< {SMALL_CELL_THRESHOLD}"
SECRET = "secret"  # noqa: S105 - the French for a cell hidden by secondary suppression

@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, count, rate, number, euro, p


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[list[Cell]]
    note: str | None = None


RATE_COLUMNS = (Column("menages", "ménages", "count"), Column("repondants", "ont répondu", "count"),
                Column("taux", "taux de réponse", "rate"), Column("ic_bas", "IC 95 % bas", "rate"),
                Column("ic_haut", "IC 95 % haut", "rate"))


def rate_cells(value: Rate) -> list[Cell]:
    shown = value.n >= SMALL_CELL_THRESHOLD and not 0 < value.successes < SMALL_CELL_THRESHOLD
    if not shown:
        return [suppress_small(value.n), suppress_small(value.successes), HIDDEN, None, None]
    return [value.n, value.successes, value.value, value.low, value.high]


def share_cell(count: Cell, total: int, shown: Cell = None) -> Cell:
    """`count` as a share of `total`, when both are shown (`shown`: the total's own cell, when it is published
    elsewhere with its own suppression)."""
    published = shown if shown is not None else total
    if not isinstance(count, int) or not isinstance(published, int) or total < SMALL_CELL_THRESHOLD:
        return HIDDEN if count is not None else None
    return count / total
