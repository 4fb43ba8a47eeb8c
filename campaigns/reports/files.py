"""The evaluation report as files: CSV (one line per figure) and XLSX (one sheet per table).

Each file names what it holds before any figure: the period, the reader's scope and the filters applied (the
evaluation page passes its own, so a file says exactly what the page showed): CSV lines of the section
« Période et filtres de l'export », the XLSX's first sheet « Lisez-moi ».

Spreadsheet formula injection: a text cell starting with = + - @, a tab or a carriage return would be read as a
formula by Excel or LibreOffice; it is prefixed with an apostrophe. Numbers are written as numbers (XLSX) or
formatted by this module (CSV), never from user text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font

from campaigns.locale.formats import format_date_fr
from campaigns.reports.cells import Cell, Column, Table
from campaigns.reports.tables import CURVE_DAYS, Report

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet would take for a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _number(value: float, column: Column) -> str:
    digits = 2 if column.kind == "euro" else 4 if column.kind in ("rate", "number") else 6
    return f"{value:.{digits}f}".replace(".", ",")


def _csv_cell(value: Cell, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value, column)
    return neutralise(value)


FILTERS_SECTION = "Période et filtres de l'export"
Filters = Sequence[tuple[str, str]]


def export_settings(report: Report, filters: Filters = ()) -> list[tuple[str, str]]:
    """What the file holds, as (name, value) lines: the period in words, the reader's scope, then `filters`
    (a filter's name and the choice shown on screen, « tous » included); the scope alone when none is given."""
    start, end = (date.fromisoformat(day) for day in report.period)
    lines = [("période", f"du {format_date_fr(start)} au {format_date_fr(end)}"),
             ("début", report.period[0]), ("fin (incluse)", report.period[1])]
    return [*lines, *(filters or [("périmètre", report.scope)]), ("produit le", report.generated_at)]


def report_csv(report: Report, filters: Filters = ()) -> str:
    """Tidy CSV, `;`-separated with a BOM (Excel in French): section, line, indicator, value; the period and the
    filters come first, in the section `FILTERS_SECTION`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["section", "ligne", "indicateur", "valeur"])
    for name, setting in export_settings(report, filters):
        writer.writerow([FILTERS_SECTION, "", neutralise(name), neutralise(setting)])
    for table in report.tables:
        labels = [i for i, c in enumerate(table.columns) if c.kind == "text"]
        for row in table.rows:
            line = " · ".join(str(row[i]) for i in labels if row[i] is not None)
            for column, value in zip(table.columns, row, strict=True):
                if column.kind != "text":
                    writer.writerow([neutralise(table.title), neutralise(line), neutralise(column.label),
                                     _csv_cell(value, column)])
    for curve in report.curves or []:
        for day, share in curve.points or []:
            writer.writerow(["Part des ménages ayant répondu, selon le délai depuis le premier contact",
                             neutralise(curve.label), f"jour {day}", _number(share, Column("", "", "rate"))])
    return "\ufeff" + buffer.getvalue()


_FORMATS = {"rate": "0.0%", "euro": '#,##0.00 "€"', "number": "0.00", "p": "0.0000"}


def _sheet_title(table: Table, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", table.title)[:28].strip() or "tableau"
    title, n = base, 2
    while title.lower() in used:
        title, n = f"{base[:26]} {n}", n + 1
    used.add(title.lower())
    return title


def report_xlsx(report: Report, filters: Filters = ()) -> bytes:
    """One sheet per table after « Lisez-moi », which names the period and the filters (`export_settings`)."""
    workbook = Workbook()
    about = workbook.active
    assert about is not None
    about.title = "Lisez-moi"
    about.append([neutralise(report.title)])
    about.append([])
    about.append([FILTERS_SECTION])
    about["A3"].font = Font(bold=True)
    for name, setting in export_settings(report, filters):
        about.append([neutralise(name), neutralise(setting)])
    about.append([])
    about.append([neutralise(report.method)])
    used = {"lisez-moi"}
    for table in report.tables:
        sheet = workbook.create_sheet(_sheet_title(table, used))
        sheet.append([neutralise(table.title)])
        sheet.append([neutralise(c.label) for c in table.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([neutralise(v) if isinstance(v, str) else v for v in row])
            for cell, column, value in zip(sheet[sheet.max_row], table.columns, row, strict=True):
                if isinstance(value, float) and column.kind in _FORMATS:
                    cell.number_format = _FORMATS[column.kind]
        if table.note:
            sheet.append([])
            sheet.append([neutralise(table.note)])
    if report.curves:
        sheet = workbook.create_sheet("Délais de réponse")
        sheet.append(["canal", "ménages", "médiane (jours)", *(f"jour {d}" for d in range(CURVE_DAYS + 1))])
        for curve in report.curves:
            sheet.append([neutralise(curve.label), curve.households, curve.median_days,
                          *(share for _day, share in curve.points or [])])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
