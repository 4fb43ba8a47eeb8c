"""The evaluation report as one self-contained French HTML file: inline CSS, inline SVG charts drawn here, no
script, no font, image or style sheet fetched from anywhere. Every text is escaped."""

from __future__ import annotations

from html import escape

from campaigns.reports import CURVE_DAYS, Cell, Column, CurveView, Report, Table

PALETTE = ("#000091", "#e1000f", "#009081", "#b34000", "#6a6af4", "#716043", "#a558a0", "#3a3a3a")
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
svg text{font-family:Arial,Helvetica,sans-serif;font-size:12px;fill:#161616}
@media print{h2{break-before:page}}
"""


def _fr_number(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text


def format_cell(value: Cell, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if column.kind == "rate":
        return _fr_number(100 * value, 1) + "\u202f%"
    if column.kind == "euro":
        return _fr_number(value, 2) + "\u202f€"
    if column.kind == "p":
        return "< 0,0001" if value < 0.0001 else _fr_number(value, 4)
    if isinstance(value, float):
        return _fr_number(value, 2)
    return _fr_number(value, 0)


def _table(table: Table) -> str:
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


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (f"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{width}\" height=\"{height}\" "
            f"viewBox=\"0 0 {width} {height}\"><title>{escape(title)}</title>{body}</svg>")


def rate_chart(title: str, rows: list[tuple[str, Cell, Cell, Cell, Cell]]) -> str:
    """Horizontal bars of rates (label, rate, low, high, households) with their 95% interval as a whisker."""
    label_w, plot_w, row_h, top = 230, 420, 26, 24
    height = top + row_h * len(rows) + 10
    parts = []
    for tick in range(0, 101, 25):
        x = label_w + plot_w * tick / 100
        parts.append(f"<line x1=\"{x}\" y1=\"{top - 6}\" x2=\"{x}\" y2=\"{height - 8}\" stroke=\"#ddd\"/>"
                     f"<text x=\"{x}\" y=\"{top - 10}\" text-anchor=\"middle\">{tick}\u202f%</text>")
    for i, (label, value, low, high, households) in enumerate(rows):
        y = top + i * row_h
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f"<text x=\"{label_w - 8}\" y=\"{y + 16}\" text-anchor=\"end\">{escape(short)}</text>")
        if not isinstance(value, float):
            parts.append(f"<text x=\"{label_w + 4}\" y=\"{y + 16}\">masqué (moins de 5 ménages)</text>")
            continue
        parts.append(f"<rect x=\"{label_w}\" y=\"{y + 5}\" width=\"{plot_w * value:.1f}\" height=\"14\" "
                     f"fill=\"#000091\" fill-opacity=\"0.75\"/>")
        if isinstance(low, float) and isinstance(high, float):
            x1, x2, mid = label_w + plot_w * low, label_w + plot_w * high, y + 12
            stroke = 'stroke="#e1000f" stroke-width="2"'
            parts.append(f'<line x1="{x1:.1f}" y1="{mid}" x2="{x2:.1f}" y2="{mid}" {stroke}/>'
                         f'<line x1="{x1:.1f}" y1="{mid - 5}" x2="{x1:.1f}" y2="{mid + 5}" {stroke}/>'
                         f'<line x1="{x2:.1f}" y1="{mid - 5}" x2="{x2:.1f}" y2="{mid + 5}" {stroke}/>')
        text = f"{_fr_number(100 * value, 1)}\u202f% (n\u202f=\u202f{households})"
        parts.append(f"<text x=\"{label_w + plot_w + 8}\" y=\"{y + 16}\">{escape(text)}</text>")
    return _svg(label_w + plot_w + 150, height, title, "".join(parts))


def curve_chart(title: str, curves: list[CurveView]) -> str:
    """Share of households that responded by day since their first contact, one step line per channel."""
    left, top, plot_w, plot_h = 50, 15, 520, 240
    parts = []
    for tick in range(0, 101, 25):
        y = top + plot_h * (1 - tick / 100)
        parts.append(f"<line x1=\"{left}\" y1=\"{y}\" x2=\"{left + plot_w}\" y2=\"{y}\" stroke=\"#ddd\"/>"
                     f"<text x=\"{left - 6}\" y=\"{y + 4}\" text-anchor=\"end\">{tick}\u202f%</text>")
    for day in range(0, CURVE_DAYS + 1, 5):
        x = left + plot_w * day / CURVE_DAYS
        parts.append(f"<text x=\"{x}\" y=\"{top + plot_h + 16}\" text-anchor=\"middle\">{day}</text>")
    parts.append(f"<text x=\"{left + plot_w / 2}\" y=\"{top + plot_h + 32}\" text-anchor=\"middle\">"
                 "jours depuis le premier contact par ce canal</text>")
    shown = [c for c in curves if c.points]
    for i, curve in enumerate(shown):
        colour = PALETTE[i % len(PALETTE)]
        points: list[str] = []
        previous = 0.0
        for day, share in curve.points or []:
            x = left + plot_w * day / CURVE_DAYS
            points.append(f"{x:.1f},{top + plot_h * (1 - previous):.1f}")
            points.append(f"{x:.1f},{top + plot_h * (1 - share):.1f}")
            previous = share
        line = " ".join(points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{line}"/>')
        ly = top + 14 + 18 * i
        parts.append(f"<rect x=\"{left + plot_w + 15}\" y=\"{ly - 9}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>"
                     f"<text x=\"{left + plot_w + 32}\" y=\"{ly + 1}\">{escape(curve.label)}</text>")
    return _svg(left + plot_w + 170, top + plot_h + 42, title, "".join(parts))


def bar_chart(title: str, rows: list[tuple[str, Cell]], unit: str) -> str:
    """Horizontal bars of plain values (letters per household)."""
    values = [v for _label, v in rows if isinstance(v, int | float)]
    scale = max(values, default=1.0) or 1.0
    label_w, plot_w, row_h = 330, 330, 24
    parts = []
    for i, (label, value) in enumerate(rows):
        y = 6 + i * row_h
        short = label if len(label) <= 50 else label[:49] + "…"
        parts.append(f"<text x=\"{label_w - 8}\" y=\"{y + 15}\" text-anchor=\"end\">{escape(short)}</text>")
        if isinstance(value, int | float):
            parts.append(f"<rect x=\"{label_w}\" y=\"{y + 4}\" width=\"{plot_w * value / scale:.1f}\" height=\"14\" "
                         f"fill=\"#009081\"/><text x=\"{label_w + plot_w * value / scale + 6:.1f}\" y=\"{y + 15}\">"
                         f"{escape(_fr_number(float(value), 2))} {escape(unit)}</text>")
        else:
            parts.append(f"<text x=\"{label_w + 4}\" y=\"{y + 15}\">masqué</text>")
    return _svg(label_w + plot_w + 130, 12 + row_h * len(rows), title, "".join(parts))


def funnel_chart(title: str, rows: list[tuple[str, Cell, Cell]]) -> str:
    """Per stage, households contacted and, inside, those that responded."""
    counts = [v for _s, a, b in rows for v in (a, b) if isinstance(v, int)]
    scale = max(counts, default=1) or 1
    label_w, plot_w, row_h = 260, 380, 40
    parts = []
    for i, (stage, contacted, responded) in enumerate(rows):
        y = 6 + i * row_h
        parts.append(f"<text x=\"{label_w - 8}\" y=\"{y + 20}\" text-anchor=\"end\">{escape(stage)}</text>")
        for j, (value, colour, name) in enumerate(((contacted, "#6a6af4", "contactés"),
                                                   (responded, "#000091", "ont répondu"))):
            yy = y + 4 + j * 16
            if isinstance(value, int):
                width = plot_w * value / scale
                parts.append(f"<rect x=\"{label_w}\" y=\"{yy}\" width=\"{width:.1f}\" height=\"14\" fill=\"{colour}\"/>"
                             f"<text x=\"{label_w + width + 6:.1f}\" y=\"{yy + 11}\">{value} {name}</text>")
            else:
                parts.append(f"<text x=\"{label_w + 4}\" y=\"{yy + 11}\">{escape(str(value))} {name}</text>")
    return _svg(label_w + plot_w + 170, 12 + row_h * len(rows), title, "".join(parts))


def _figure(caption: str, svg: str) -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{svg}</figure>"


def _rate_rows(table: Table, label_index: int = 0) -> list[tuple[str, Cell, Cell, Cell, Cell]]:
    keys = [c.key for c in table.columns]
    at = {k: keys.index(k) for k in ("menages", "taux", "ic_bas", "ic_haut")}
    return [(str(r[label_index]), r[at["taux"]], r[at["ic_bas"]], r[at["ic_haut"]], r[at["menages"]])
            for r in table.rows]


def report_html(report: Report) -> str:
    charts = [
        _figure("Taux de réponse par canal (barre : taux ; trait rouge : intervalle de confiance à 95 %)",
                rate_chart("Taux de réponse par canal", _rate_rows(report.table("taux_canal")))),
        _figure("Taux de réponse par bailleur (intervalle de confiance à 95 %)",
                rate_chart("Taux de réponse par bailleur", _rate_rows(report.table("taux_bailleur")))),
    ]
    if report.curves:
        charts.append(_figure("Part des ménages ayant répondu selon le délai (Kaplan–Meier, par canal)",
                              curve_chart("Délai de réponse par canal", report.curves)))
    letters = report.table("courriers_par_menage")
    charts.append(_figure("Courriers par ménage, par profil (parc · bailleur · stade)", bar_chart(
        "Courriers par ménage", [(f"{r[0]} · {r[1]} · {r[2]}", r[5]) for r in letters.rows], "courrier(s)")))
    funnel = report.table("entonnoir")
    charts.append(_figure("Entonnoir par stade : ménages contactés, puis ayant répondu",
                          funnel_chart("Entonnoir par stade", [(str(r[0]), r[1], r[3]) for r in funnel.rows])))
    if report.curves is None:
        charts.append("<p class=\"note\">Délais de réponse non disponibles pour cette période.</p>")
    tables = "".join(f"<section>{_table(t)}</section>" for t in report.tables)
    return (
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{escape(report.title)}</title>"
        f"<style>{_CSS}</style></head><body><main><h1>{escape(report.title)}</h1>"
        f"<p class=\"meta\">Périmètre : {escape(report.scope)}. Produit le {escape(report.generated_at)}.</p>"
        f"<p class=\"note\">{escape(report.method)}</p><h2>Graphiques</h2>{''.join(charts)}<h2>Tableaux</h2>{tables}"
        "</main></body></html>\n"
    )
