"""The evaluation report as one self-contained French HTML file: inline CSS, inline SVG charts (`reports_charts`,
shared with the web page), no script, no font, image or style sheet fetched from anywhere. Every text is escaped."""

from __future__ import annotations

from html import escape

from campaigns.reports.cells import Table
from campaigns.reports.charts import CHART_CSS, Chart, format_cell, report_charts
from campaigns.reports.tables import CURVE_DAYS, Report

_CSS = """
body{font-family:Marianne,Arial,Helvetica,sans-serif;color:#161616;margin:2rem auto;max-width:70rem;padding:0 1rem;
line-height:1.5}
h1{font-size:1.8rem;margin-bottom:.25rem}h2{font-size:1.3rem;margin-top:2.5rem;border-bottom:2px solid #000091}
p.meta{color:#3a3a3a;margin-top:0}p.note{font-size:.9rem;color:#3a3a3a}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem;width:100%}
caption{text-align:left;font-weight:bold;font-size:1.15rem;padding:.3rem 0;border-bottom:2px solid #000091}
section{margin-top:2rem}
th,td{border:1px solid #ddd;padding:.3rem .5rem;vertical-align:top}th{background:#f6f6f6;text-align:left}
td.n{text-align:right;white-space:nowrap}figure{margin:1.5rem 0}figcaption{font-weight:bold;margin-bottom:.5rem}
@media print{h2{break-before:page}}
""" + CHART_CSS


def _table(table: Table) -> str:
    """A table with its caption (the figures of the report, or of a chart)."""
    head = "".join(f"<th scope=\"col\">{escape(c.label)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(
            ("<td>" if c.kind == "text" else '<td class="n">') + escape(format_cell(v, c)) + "</td>"
            for c, v in zip(table.columns, row, strict=True)
        ) + "</tr>"
        for row in table.rows
    )
    if not table.rows:
        body = f"<tr><td colspan=\"{len(table.columns)}\">Aucune donnée pour la période.</td></tr>"
    note = f"<p class=\"note\">{escape(table.note)}</p>" if table.note else ""
    return (f"<table><caption>{escape(table.title)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{note}")


def _figure(chart: Chart, keys: set[str]) -> str:
    """The chart, then where its figures are: the report's own table, or the chart's table when it has none."""
    if chart.table.key in keys:
        data = (f"<p class=\"note\">Les valeurs du graphique : tableau « <a href=\"#tableau-{chart.table.key}\">"
                f"{escape(chart.table.title)}</a> ».</p>")
    else:
        data = _table(chart.table)
    return f"<figure><figcaption>{escape(chart.caption)}</figcaption>{chart.svg}</figure>{data}"


def report_html(report: Report) -> str:
    keys = {t.key for t in report.tables}
    charts = [_figure(chart, keys) for chart in report_charts(report, CURVE_DAYS)]
    if report.curves is None:
        charts.append("<p class=\"note\">Délais de réponse non disponibles pour cette période.</p>")
    tables = "".join(f"<section id=\"tableau-{t.key}\">{_table(t)}</section>" for t in report.tables)
    return (
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{escape(report.title)}</title>"
        f"<style>{_CSS}</style></head><body><main><h1>{escape(report.title)}</h1>"
        f"<p class=\"meta\">Périmètre : {escape(report.scope)}. Produit le {escape(report.generated_at)}.</p>"
        f"<p class=\"note\">{escape(report.method)}</p><h2>Graphiques</h2>{''.join(charts)}<h2>Tableaux</h2>{tables}"
        "</main></body></html>\n"
    )
