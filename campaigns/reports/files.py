"""The evaluation report as files: CSV (one line per figure) and XLSX (one sheet per table).

Spreadsheet formula injection: a text cell starting with = + - @, a tab or a carriage return would be read as a
formula by Excel or LibreOffice; it is prefixed with an apostrophe. Numbers are written as numbers (XLSX) or
formatted by this module (CSV), never from user text.
"""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font

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


def report_csv(report: Report) -> str:
    """Tidy CSV, `;`-separated with a BOM (Excel in French): section, line, indicator, value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["section", "ligne", "indicateur", "valeur"])
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


def report_xlsx(report: Report) -> bytes:
    workbook = Workbook()
    about = workbook.active
    assert about is not None
    about.title = "Lisez-moi"
    for line in (report.title, f"Périmètre : {report.scope}", f"Produit le {report.generated_at}", "",
                 report.method):
        about.append([neutralise(line)])
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
