"""The evaluation's charts as inline SVG (no script, nothing fetched), shared by `chaine rapport` and the web page.

Each chart is an image with a title and a text description (`role="img"`, `aria-labelledby`), a tooltip per bar or
curve (SVG `<title>`), and the table of its figures: a screen reader, or anyone who prefers numbers, reads that
table. Hidden values stay hidden: a cell of fewer than 5 households is drawn as "< 5", never as a bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from campaigns.reports.cells import HIDDEN, Cell, Column, Table
from campaigns.reports.tables import CurveView, Report

PALETTE = ("#000091", "#e1000f", "#009081", "#b34000", "#6a6af4", "#716043", "#a558a0", "#3a3a3a")
CURVE_MARKS = (7, 14, 30)  # the days of the curves' data table
# Charts keep their drawn size on wide screens and shrink with their text on narrow ones.
CHART_CSS = "svg.graphique{max-width:100%;height:auto;display:block}"


@dataclass(frozen=True, slots=True)
class Chart:
    key: str  # unique in a page: the SVG's ids derive from it
    caption: str
    svg: str
    table: Table  # the figures drawn, for screen readers and exports


def fr_number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def percent(value: float) -> str:
    return fr_number(100 * value, 1) + "\u202f%"


def format_cell(value: Cell, column: Column) -> str:
    """A cell as French text: percentages, euros, p-values, numbers with thin spaces; hidden cells as they are."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if column.kind == "rate":
        return percent(value)
    if column.kind == "euro":
        return fr_number(value, 2) + "\u202f€"
    if column.kind == "p":
        return "< 0,0001" if value < 0.0001 else fr_number(value, 4)
    if isinstance(value, float):
        return fr_number(value, 2)
    return fr_number(value, 0)


def _count(value: Cell) -> str:
    return fr_number(float(value), 0) if isinstance(value, int | float) else str(value)


def _households(value: Cell) -> str:
    if isinstance(value, str):
        return f"{value} ménages"
    count = float(value or 0)
    return f"{fr_number(count, 0)} {'ménage' if count < 2 else 'ménages'}"


def _svg(key: str, size: tuple[int, int], title: str, description: str, body: str) -> str:
    width, height = size
    return (f"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graphique\" role=\"img\" "
            f"aria-labelledby=\"{key}-titre {key}-desc\" width=\"{width}\" height=\"{height}\" "
            f"viewBox=\"0 0 {width} {height}\" font-family=\"Marianne, Arial, Helvetica, sans-serif\" "
            f"font-size=\"12\" fill=\"#161616\"><title id=\"{key}-titre\">{escape(title)}</title>"
            f"<desc id=\"{key}-desc\">{escape(description)}</desc>{body}</svg>")


LINE_H = 14  # a wrapped label's extra line


def wrap_label(label: str, width: int) -> list[str]:
    """A label in lines of at most `width` characters, cut between words (a longer word keeps its own line): the
    charts print every label whole, never cut with an ellipsis."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _label_svg(x: float, y: float, lines: list[str]) -> str:
    """Right-aligned label lines, the first one on `y`."""
    spans = "".join(f"<tspan x=\"{x}\" dy=\"{0 if i == 0 else LINE_H}\">{escape(line)}</tspan>"
                    for i, line in enumerate(lines))
    return f"<text x=\"{x}\" y=\"{y}\" text-anchor=\"end\">{spans}</text>"


def _rate_text(label: str, value: Cell, low: Cell, high: Cell, households: Cell) -> str:
    if not isinstance(value, float):
        if isinstance(households, str):
            return f"{label} : {households} ménages, taux masqué"
        return f"{label} : {_households(households)}, moins de 5 réponses ({HIDDEN}), taux masqué"
    interval = (f", IC 95 % {percent(low)} – {percent(high)}"
                if isinstance(low, float) and isinstance(high, float) else "")
    return f"{label} : {percent(value)}{interval}, {_households(households)}"


def rate_chart(key: str, title: str, rows: list[tuple[str, Cell, Cell, Cell, Cell]]) -> str:
    """Horizontal bars of rates (label, rate, low, high, households) with their 95% interval as a whisker."""
    label_w, plot_w, row_h, top = 230, 420, 26, 24
    labels = [wrap_label(row[0], 34) for row in rows]
    offsets = [top + row_h * i + LINE_H * sum(len(lines) - 1 for lines in labels[:i]) for i in range(len(rows))]
    height = top + row_h * len(rows) + LINE_H * sum(len(lines) - 1 for lines in labels) + 10
    parts = []
    for tick in range(0, 101, 25):
        x = label_w + plot_w * tick / 100
        parts.append(f"<line x1=\"{x}\" y1=\"{top - 6}\" x2=\"{x}\" y2=\"{height - 8}\" stroke=\"#ddd\"/>"
                     f"<text x=\"{x}\" y=\"{top - 10}\" text-anchor=\"middle\">{tick}\u202f%</text>")
    for i, (label, value, low, high, households) in enumerate(rows):
        y = offsets[i]
        row = [f"<title>{escape(_rate_text(label, value, low, high, households))}</title>",
               _label_svg(label_w - 8, y + 16, labels[i])]
        if not isinstance(value, float):
            shown = f"{households} ménages" if isinstance(households, str) else f"{HIDDEN} réponses"
            row.append(f"<text x=\"{label_w + 4}\" y=\"{y + 16}\">{escape(shown)} : taux masqué</text>")
        else:
            row.append(f"<rect x=\"{label_w}\" y=\"{y + 5}\" width=\"{plot_w * value:.1f}\" height=\"14\" "
                       f"fill=\"#000091\" fill-opacity=\"0.75\"/>")
            if isinstance(low, float) and isinstance(high, float):
                x1, x2, mid = label_w + plot_w * low, label_w + plot_w * high, y + 12
                stroke = 'stroke="#e1000f" stroke-width="2"'
                row.append(f'<line x1="{x1:.1f}" y1="{mid}" x2="{x2:.1f}" y2="{mid}" {stroke}/>'
                           f'<line x1="{x1:.1f}" y1="{mid - 5}" x2="{x1:.1f}" y2="{mid + 5}" {stroke}/>'
                           f'<line x1="{x2:.1f}" y1="{mid - 5}" x2="{x2:.1f}" y2="{mid + 5}" {stroke}/>')
            text = f"{percent(value)} (n\u202f=\u202f{_count(households)})"
            row.append(f"<text x=\"{label_w + plot_w + 8}\" y=\"{y + 16}\">{escape(text)}</text>")
        parts.append(f"<g>{''.join(row)}</g>")
    description = "; ".join(_rate_text(*row) for row in rows) or "Aucune donnée pour la période."
    return _svg(key, (label_w + plot_w + 150, height), title, description, "".join(parts))


def _curve_text(curve: CurveView) -> str:
    if not curve.points:
        return f"{curve.label} : {_households(curve.households)}, courbe masquée ({HIDDEN})"
    shares = dict(curve.points)
    marks = ", ".join(f"{percent(shares[d])} à {d} jours" for d in CURVE_MARKS if d in shares)
    median = (f"médiane {fr_number(float(curve.median_days), 0)} jour"
              f"{'s' if round(float(curve.median_days)) >= 2 else ''}"
              if isinstance(curve.median_days, int | float) else "médiane non atteinte")
    return f"{curve.label} : {marks} ; {median} ; {_households(curve.households)}"


def curve_chart(key: str, title: str, curves: list[CurveView], days: int) -> str:
    """Share of households that responded by day since their first contact, one step line per channel."""
    left, top, plot_w, plot_h = 50, 15, 520, 240
    parts = []
    for tick in range(0, 101, 25):
        y = top + plot_h * (1 - tick / 100)
        parts.append(f"<line x1=\"{left}\" y1=\"{y}\" x2=\"{left + plot_w}\" y2=\"{y}\" stroke=\"#ddd\"/>"
                     f"<text x=\"{left - 6}\" y=\"{y + 4}\" text-anchor=\"end\">{tick}\u202f%</text>")
    for day in range(0, days + 1, 5):
        x = left + plot_w * day / days
        parts.append(f"<text x=\"{x}\" y=\"{top + plot_h + 16}\" text-anchor=\"middle\">{day}</text>")
    parts.append(f"<text x=\"{left + plot_w / 2}\" y=\"{top + plot_h + 32}\" text-anchor=\"middle\">"
                 "jours depuis le premier contact par ce canal</text>")
    drawn = 0
    for i, curve in enumerate(curves):
        ly = top + 14 + 18 * i
        tip = f"<title>{escape(_curve_text(curve))}</title>"
        if not curve.points:
            parts.append(f"<g>{tip}<text x=\"{left + plot_w + 15}\" y=\"{ly + 1}\">"
                         f"{escape(curve.label)} : {escape(_households(curve.households))}, masquée</text></g>")
            continue
        colour = PALETTE[drawn % len(PALETTE)]
        drawn += 1
        points: list[str] = []
        previous = 0.0
        for day, share in curve.points:
            x = left + plot_w * day / days
            points.append(f"{x:.1f},{top + plot_h * (1 - previous):.1f}")
            points.append(f"{x:.1f},{top + plot_h * (1 - share):.1f}")
            previous = share
        parts.append(f'<g>{tip}<polyline fill="none" stroke="{colour}" stroke-width="2.5" '
                     f'points="{" ".join(points)}"/>'
                     f"<rect x=\"{left + plot_w + 15}\" y=\"{ly - 9}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>"
                     f"<text x=\"{left + plot_w + 32}\" y=\"{ly + 1}\">{escape(curve.label)}</text></g>")
    description = "; ".join(_curve_text(c) for c in curves) or "Aucune donnée pour la période."
    height = max(top + plot_h + 42, top + 14 + 18 * len(curves))
    return _svg(key, (left + plot_w + 230, height), title, description, "".join(parts))


def bar_chart(key: str, title: str, rows: list[tuple[str, Cell, Cell]], unit: tuple[str, str]) -> str:
    """Horizontal bars of plain values (label, value, households): letters per household by profile. `unit` is the
    noun in the singular and the plural (French: singular below 2, « 1,5 courrier », « 2,3 courriers »)."""
    values = [v for _label, v, _n in rows if isinstance(v, int | float)]
    scale = max(values, default=1.0) or 1.0
    label_w, plot_w, row_h = 330, 330, 24
    labels = [wrap_label(row[0], 50) for row in rows]
    extra = [len(lines) - 1 for lines in labels]
    parts = []
    texts = []
    for i, (label, value, households) in enumerate(rows):
        y = 6 + i * row_h + LINE_H * sum(extra[:i])
        if isinstance(value, int | float):
            noun = unit[0] if abs(float(value)) < 2 else unit[1]
            text = f"{label} : {fr_number(float(value), 2)} {noun}, {_households(households)}"
            bar = (f"<rect x=\"{label_w}\" y=\"{y + 4}\" width=\"{plot_w * value / scale:.1f}\" height=\"14\" "
                   f"fill=\"#009081\"/><text x=\"{label_w + plot_w * value / scale + 6:.1f}\" y=\"{y + 15}\">"
                   f"{escape(fr_number(float(value), 2))} {escape(noun)}</text>")
        else:
            text = f"{label} : {_households(households)}, valeur masquée"
            bar = f"<text x=\"{label_w + 4}\" y=\"{y + 15}\">{escape(_households(households))} : masqué</text>"
        texts.append(text)
        parts.append(f"<g><title>{escape(text)}</title>{_label_svg(label_w - 8, y + 15, labels[i])}{bar}</g>")
    description = "; ".join(texts) or "Aucune donnée pour la période."
    height = 12 + row_h * max(len(rows), 1) + LINE_H * sum(extra)
    return _svg(key, (label_w + plot_w + 130, height), title, description, "".join(parts))


def _counted(value: Cell, noun: tuple[str, str]) -> str:
    """« 0 dossier reçu », « 12 dossiers reçus », « < 5 dossiers reçus »: French takes the singular below 2."""
    if isinstance(value, int):
        return f"{_count(value)} {noun[0] if value < 2 else noun[1]}"
    return f"{value} {noun[1]}" if value == HIDDEN else f"{noun[1]} : {value}"


FUNNEL_NOUNS = (("contacté", "contactés"), ("a répondu", "ont répondu"))


def paired_chart(key: str, title: str, rows: list[tuple[str, Cell, Cell]],
                 nouns: tuple[tuple[str, str], tuple[str, str]] = FUNNEL_NOUNS) -> str:
    """Per row, two bars: a whole and the part of it (the funnel: households contacted, then those that responded;
    by bailleur: files received, then tenants contacted). `nouns`: each bar's noun, singular and plural."""
    counts = [v for _s, a, b in rows for v in (a, b) if isinstance(v, int)]
    scale = max(counts, default=1) or 1
    label_w, plot_w, row_h = 260, 380, 40
    labels = [wrap_label(row[0], 38) for row in rows]
    extra = [max(0, len(lines) - 2) for lines in labels]  # a row holds two lines of label
    parts = []
    texts = []
    for i, (label, whole, part) in enumerate(rows):
        y = 6 + i * row_h + LINE_H * sum(extra[:i])
        text = f"{label} : {_counted(whole, nouns[0])}, {_counted(part, nouns[1])}"
        texts.append(text)
        row = [f"<title>{escape(text)}</title>",
               _label_svg(label_w - 8, y + (20 if len(labels[i]) == 1 else 14), labels[i])]
        for j, (value, colour, noun) in enumerate(((whole, "#6a6af4", nouns[0]), (part, "#000091", nouns[1]))):
            yy = y + 4 + j * 16
            shown = escape(_counted(value, noun))
            if isinstance(value, int):
                width = plot_w * value / scale
                row.append(f"<rect x=\"{label_w}\" y=\"{yy}\" width=\"{width:.1f}\" height=\"14\" fill=\"{colour}\"/>"
                           f"<text x=\"{label_w + width + 6:.1f}\" y=\"{yy + 11}\">{shown}</text>")
            else:
                row.append(f"<text x=\"{label_w + 4}\" y=\"{yy + 11}\">{shown}</text>")
        parts.append(f"<g>{''.join(row)}</g>")
    description = "; ".join(texts) or "Aucune donnée pour la période."
    height = 12 + row_h * max(len(rows), 1) + LINE_H * sum(extra)
    return _svg(key, (label_w + plot_w + 170, height), title, description, "".join(parts))


def _rate_rows(table: Table, *labels: str) -> list[tuple[str, Cell, Cell, Cell, Cell]]:
    """(label, rate, low, high, households) of a table with the rate columns; the label joins `labels` columns."""
    keys = [c.key for c in table.columns]
    at = {k: keys.index(k) for k in ("menages", "taux", "ic_bas", "ic_haut")}
    named = [keys.index(k) for k in labels or ("valeur",)]
    return [(" · ".join(str(r[i]) for i in named), r[at["taux"]], r[at["ic_bas"]], r[at["ic_haut"]],
             r[at["menages"]]) for r in table.rows]


def _curve_table(curves: list[CurveView]) -> Table:
    rows: list[list[Cell]] = []
    for curve in curves:
        shares = dict(curve.points or [])
        median = curve.median_days
        rows.append([curve.label, curve.households, int(median) if isinstance(median, float) and median.is_integer()
                     else median,
                     *(shares.get(d, HIDDEN) if curve.points else HIDDEN for d in CURVE_MARKS)])
    return Table("delais", "Part des ménages ayant répondu selon le délai depuis le premier contact",
                 (Column("canal", "canal"), Column("menages", "ménages", "count"),
                  Column("mediane", "médiane (jours)", "count"),
                  *(Column(f"j{d}", f"ayant répondu à {d} jours", "rate") for d in CURVE_MARKS)), rows,
                 "Estimateur de Kaplan–Meier : un ménage sans réponse à la fin de la période compte jusqu'à cette "
                 "date, sans être compté comme n'ayant pas répondu.")


def report_charts(report: Report, curve_days: int) -> list[Chart]:
    """The charts of a report, in reading order; the curves only when the period still has its events."""
    charts = [
        Chart("graphique-canal", "Taux de réponse par canal (barre : taux ; trait rouge : intervalle de confiance "
              "à 95 %)", rate_chart("graphique-canal", "Taux de réponse par canal",
                                   _rate_rows(report.table("taux_canal"))), report.table("taux_canal")),
        Chart("graphique-bailleur", "Taux de réponse par bailleur (intervalle de confiance à 95 %)",
              rate_chart("graphique-bailleur", "Taux de réponse par bailleur",
                         _rate_rows(report.table("taux_bailleur"))), report.table("taux_bailleur")),
    ]
    if report.curves:
        charts.append(Chart("graphique-delais", "Part des ménages ayant répondu selon le délai (Kaplan–Meier, "
                            "par canal)", curve_chart("graphique-delais", "Délai de réponse par canal",
                                                      report.curves, curve_days), _curve_table(report.curves)))
    letters = report.table("courriers_par_menage")
    charts.append(Chart("graphique-courriers", "Courriers par ménage, par profil (parc · bailleur · stade)",
                        bar_chart("graphique-courriers", "Courriers par ménage",
                                  [(f"{r[0]} · {r[1]} · {r[2]}", r[5], r[3]) for r in letters.rows],
                                  ("courrier", "courriers")),
                        letters))
    funnel = report.table("entonnoir")
    charts.append(Chart("graphique-entonnoir", "Entonnoir par stade : ménages contactés, puis ayant répondu",
                        paired_chart("graphique-entonnoir", "Entonnoir par stade",
                                     [(str(r[0]), r[1], r[3]) for r in funnel.rows]), funnel))
    # ADIL 44's chart by bailleur: files received (households written to) and tenants contacted (those reached).
    landlords = report.table("taux_bailleur")
    charts.append(Chart("graphique-dossiers-bailleur", "Dossiers reçus et locataires contactés, par bailleur "
                        "(un locataire est contacté quand le ménage a répondu)",
                        paired_chart("graphique-dossiers-bailleur", "Dossiers reçus et locataires contactés",
                                     [(str(r[0]), r[1], r[2]) for r in landlords.rows],
                                     (("dossier reçu", "dossiers reçus"),
                                      ("locataire contacté", "locataires contactés"))), landlords))
    experiments = next((t for t in report.tables if t.key == "experiences"), None)
    if experiments is not None and experiments.rows:
        charts.append(Chart("graphique-experiences", "Expériences : taux de réponse par bras (intervalle de "
                            "confiance à 95 %)", rate_chart("graphique-experiences", "Taux de réponse par bras",
                                                            _rate_rows(experiments, "experience", "bras")),
                            experiments))
    return charts
