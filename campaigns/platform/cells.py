"""Cells of CSV/XLSX exports that spreadsheet software would run as formulas are neutralised."""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> str:
    """A cell starting like a formula is prefixed with a quote so spreadsheets show it as text."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
