"""The evaluation as French tables, with small cells hidden: what the API, the exports and the HTML report show.

Primary suppression (docs/domain.md §11.4): every count of 1 to 4 households is shown "< 5"; a rate is hidden
("< 5") when its group has fewer than 5 households or its numerator is hidden, since the rate and the group size
would give it back. Secondary suppression: in a table that shows its own total (contact modes, closure reasons,
letters per household, open files, charter indicators), when the hidden cells of a line are a single cell or sum to
fewer than 5, the next smallest cell is hidden too ("secret"), so that the total does not give them back; closure
reasons given by fewer than 5 households are grouped (their free text is never shown). Nothing here names a person:
labels are partners, campaigns, templates, stages, channels and parks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from campaigns.evaluation.period import DIMENSIONS, Evaluation, RateRow
from campaigns.evaluation.sections import Indicator
from campaigns.locale.clock import PARIS
from campaigns.platform.statistics import SMALL_CELL_THRESHOLD, Rate, suppress_small
from campaigns.reports.cells import HIDDEN, RATE_COLUMNS, SECRET, Cell, Column, Table, rate_cells, share_cell
from campaigns.reports.experiments import experiments_table
from campaigns.reports.fallbacks import fallbacks_table
from campaigns.reports.mobile_team import mobile_team_table
from campaigns.reports.modes import hide_step_totals, modes_table
from campaigns.reports.suppression import all_partners_cells, partition_cells, protect, rate_from

__all__ = ["CURVE_DAYS", "HIDDEN_FROM_OWN_VIEWS", "METHOD", "PARTITIONS", "CurveView", "Report", "build_report",
           "now_label", "protect", "report_json"]

CURVE_DAYS = 30
METHOD = (
    "Unité : le ménage à un stade de la procédure (un ménage contacté à deux stades compte deux fois). Un ménage "
    "compte pour une valeur (un canal, un bailleur…) si son premier contact avec cette valeur a lieu dans la période ; "
    "il a répondu si une réponse est attribuée à un contact de cette valeur (dernier contact dans les 14 jours "
    "précédant la réponse). Intervalles de confiance à 95 % (Wilson ; Newcombe pour les différences) ; test du chi² "
    "ou exact de Fisher ; p-valeurs corrigées par la méthode de Holm au sein de chaque famille de comparaisons. "
    "« < 5 » : moins de 5 ménages, valeur masquée ; « secret » : valeur masquée pour qu'un total ne permette pas de "
    "retrouver une petite valeur. Les contacts des 14 derniers jours peuvent encore recevoir une réponse. Délais de "
    "réponse (Kaplan–Meier) suivis 90 jours après le premier contact par le canal, censurés à la fin de la période."
)


@dataclass(frozen=True, slots=True)
class CurveView:
    label: str
    households: Cell
    median_days: Cell
    points: list[tuple[int, float]] | None  # (day, share responded by that day); None when hidden


@dataclass(frozen=True, slots=True)
class Report:
    title: str
    period: tuple[str, str]
    scope: str
    generated_at: str
    method: str
    tables: list[Table]
    curves: list[CurveView] | None

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


# Dimensions whose groups split the households of the synthesis (each household in one group): their counts add
# up to the synthesis, so they are protected against it (campaigns.reports.suppression).
PARTITIONS = ("bailleur", "parc", "stade", "territoire")


def _dimension_cells(evaluation: Evaluation) -> dict[str, dict[str, list[Cell]]]:
    """Per dimension, per value: the rate cells as every table shows them."""
    cells: dict[str, dict[str, list[Cell]]] = {}
    for dimension, rows in evaluation.rates.items():
        shown = (partition_cells([r.rate for r in rows]) if dimension in PARTITIONS
                 else [rate_cells(r.rate) for r in rows])
        cells[dimension] = {r.value: c for r, c in zip(rows, shown, strict=True)}
    return cells


def _rates_table(key: str, dimension: str, rows: list[RateRow], cells: dict[str, list[Cell]]) -> Table:
    return Table(key, f"Taux de réponse par {dimension}", (Column("valeur", dimension), *RATE_COLUMNS),
                 [[r.label, *cells[r.value]] for r in rows])


def _channel_by_bailleur(evaluation: Evaluation) -> Table:
    """Per channel, the bailleurs split the channel's households: protected against the channel's total."""
    by_channel: dict[str, list[RateRow]] = {}
    for channel, row in evaluation.channel_by_bailleur:
        by_channel.setdefault(channel, []).append(row)
    lines: list[list[Cell]] = []
    for channel, rows in by_channel.items():
        lines.extend([channel, row.label, *cells]
                     for row, cells in zip(rows, partition_cells([r.rate for r in rows]), strict=True))
    return Table("taux_canal_bailleur", "Taux de réponse par canal et par bailleur",
                 (Column("canal", "canal"), Column("bailleur", "bailleur"), *RATE_COLUMNS), lines)


def _comparisons(evaluation: Evaluation) -> Table:
    families = {"canal": "canal contre canal", "falc": "FALC contre standard", "bailleur": "bailleur contre bailleur"}
    rows: list[list[Cell]] = [
        [families[c.family], c.a.label, c.b.label, c.a.rate.value, c.b.rate.value, c.comparison.difference,
         c.comparison.low, c.comparison.high, "exact de Fisher" if c.comparison.test == "fisher" else "chi²",
         c.comparison.p_value, c.comparison.p_adjusted]
        for c in evaluation.comparisons
    ]
    columns = (Column("famille", "comparaison"), Column("a", "groupe A"), Column("b", "groupe B"),
               Column("taux_a", "taux A", "rate"), Column("taux_b", "taux B", "rate"),
               Column("difference", "différence A − B", "rate"), Column("ic_bas", "IC 95 % bas", "rate"),
               Column("ic_haut", "IC 95 % haut", "rate"), Column("test", "test"), Column("p", "p", "p"),
               Column("p_holm", "p corrigée (Holm)", "p"))
    return Table("comparaisons", "Comparaisons", columns, rows,
                 "Seuls les groupes d'au moins 5 ménages, sans petite valeur, sont comparés.")


def _letters(evaluation: Evaluation) -> Table:
    rows: list[list[Cell]] = []
    for p in evaluation.sections.letters:
        buckets = [p.distribution.get(k, 0) for k in range(5)] + [sum(n for k, n in p.distribution.items() if k >= 5)]
        cells = protect(buckets)
        # With a hidden bucket, the letters (the buckets weighted by their number) would give it back.
        masked = any(isinstance(c, str) for c in cells)
        letters: Cell = (SECRET if p.letters >= SMALL_CELL_THRESHOLD else HIDDEN) if masked else suppress_small(
            p.letters)
        mean: Cell = p.letters / p.households if p.households >= SMALL_CELL_THRESHOLD and not masked else HIDDEN
        rows.append([p.parc, p.bailleur, p.stage, suppress_small(p.households), letters, mean, *cells])
    columns = (Column("parc", "parc"), Column("bailleur", "bailleur"), Column("stade", "stade"),
               Column("menages", "ménages", "count"), Column("courriers", "courriers", "count"),
               Column("moyenne", "courriers par ménage", "number"),
               *(Column(f"menages_{k}", f"ménages à {k} courrier{'s' if k > 1 else ''}", "count") for k in range(5)),
               Column("menages_5_plus", "ménages à 5 courriers ou plus", "count"))
    return Table("courriers_par_menage", "Courriers par ménage, par profil", columns, rows)


# A rate indicator is shown only where its numerator and its denominator indicators are.
RATE_PARTS = {
    "Taux de retour des courriers": ("Courriers revenus « n'habite pas à l'adresse indiquée » (NPAI)",
                                     "Nombre de courriers transmis"),
    "Taux de réponse des ménages": ("Ménages ayant répondu", "Ménages contactés, tous canaux"),
    "Part des ménages contactés ayant eu un diagnostic": ("Diagnostics réalisés", "Ménages contactés, tous canaux"),
}


def _indicator_rows(indicators: list[Indicator]) -> list[list[Cell]]:
    """Counts split parc privé, parc public and the rest (not shown), protected against the total: the same
    lines, in the same order, as taux_parc and npai, hence the same cells."""
    counts: dict[str, list[Cell]] = {}
    for indicator in indicators:
        if indicator.kind != "rate":
            private, social, total = (int(v) if isinstance(v, int) else 0 for v in indicator.values)
            hidden = protect([private, social, total - private - social])
            counts[indicator.label] = [hidden[0], hidden[1], suppress_small(total)]
    rows: list[list[Cell]] = []
    for indicator in indicators:
        if indicator.kind != "rate":
            rows.append([indicator.label, *counts[indicator.label]])
            continue
        numerator, denominator = (counts.get(label, [None] * 3) for label in RATE_PARTS.get(indicator.label, ("", "")))
        rows.append([indicator.label, *(rate_from(a, b, v)[0] if isinstance(v, Rate) else None
                                        for a, b, v in zip(numerator, denominator, indicator.values, strict=True))])
    return rows


def _npai(evaluation: Evaluation) -> list[list[Cell]]:
    """Parks split the letters and the returns of the "ensemble" line: protected against it."""
    parcs, whole = evaluation.sections.npai[:-1], evaluation.sections.npai[-1:]
    letters, returned = protect([r.n for _l, r in parcs]), protect([r.successes for _l, r in parcs])
    rows: list[list[Cell]] = [[label, n, k, *rate_from(k, n, r)]
                              for (label, r), n, k in zip(parcs, letters, returned, strict=True)]
    return rows + [[label, *rate_cells(r)] for label, r in whole]


def _closures(evaluation: Evaluation) -> Table:
    closures = evaluation.sections.closures
    shown = [(m, n) for m, n in closures.motifs if n >= SMALL_CELL_THRESHOLD]
    others = sum(n for _m, n in closures.motifs if n < SMALL_CELL_THRESHOLD)
    labels = [m for m, _n in shown] + (["autres motifs (moins de 5 ménages chacun)"] if others else [])
    counts = [n for _m, n in shown] + ([others] if others else [])
    summary = [("dont : avaient répondu avant la clôture", closures.responded),
               ("dont : sans réponse, courrier revenu NPAI", closures.returned_only),
               ("dont : ni réponse ni retour NPAI", closures.neither)]
    rows: list[list[Cell]] = [[label, cell, share_cell(cell, closures.total)]
                              for label, cell in zip(labels, protect(counts), strict=True)]
    rows.append(["total des dossiers clôturés", suppress_small(closures.total), None])
    rows.extend([label, cell, share_cell(cell, closures.total)]
                for (label, _n), cell in zip(summary, protect([n for _l, n in summary]), strict=True))
    return Table("clotures", "Motifs de clôture",
                 (Column("motif", "motif"), Column("menages", "ménages", "count"), Column("part", "part", "rate")),
                 rows)


# What a partner's own view leaves out (docs/security.md E2): who else writes to its households, which social
# services follow them (docs/domain.md §10.2), and campaign costs (the pilots' campaigns are counted for a bailleur).
HIDDEN_FROM_OWN_VIEWS = frozenset({"taux_pilote", "taux_campagne", "taux_file", "files", "couts_campagne"})


def _synthesis(evaluation: Evaluation) -> Table:
    rows: list[list[Cell]] = [["ensemble des ménages contactés", *rate_cells(evaluation.overview)]]
    if evaluation.all_partners is not None:
        rows.append(["ménages de tous les partenaires (pour comparaison)",
                     *all_partners_cells(evaluation.overview, evaluation.all_partners)])
    return Table("synthese", "Synthèse", (Column("valeur", "périmètre"), *RATE_COLUMNS), rows,
                 None if evaluation.all_partners is None else
                 "Tous les partenaires : seul chiffre sur d'autres ménages que les vôtres, masqué (« secret ») quand "
                 "l'écart avec les vôtres est de moins de 5 ménages.")


def build_report(evaluation: Evaluation) -> Report:
    s = evaluation.sections
    dimension_cells = _dimension_cells(evaluation)
    hide_step_totals(evaluation, dimension_cells)
    stages = {r.label: dimension_cells["stade"][r.value] for r in evaluation.rates["stade"]}
    lettered = protect([f.with_letter for f in s.funnel])  # the stages split the letters' households
    mobile = mobile_team_table(evaluation)
    tables = [
        _synthesis(evaluation),
        *(_rates_table(f"taux_{key}", title, evaluation.rates[key], dimension_cells[key])
          for key, title in DIMENSIONS.items()),
        _channel_by_bailleur(evaluation),
        _comparisons(evaluation),
        Table("entonnoir", "Entonnoir par stade : ménages contactés, puis ayant répondu",
              (Column("stade", "stade"), Column("contactes", "ménages contactés", "count"),
               Column("courrier", "dont destinataires d'un courrier", "count"), *RATE_COLUMNS[1:]),
              [[f.stage, *_funnel_cells(f.contacted, f.responded, stages.get(f.stage), letter)]
               for f, letter in zip(s.funnel, lettered, strict=True)]),
        modes_table(evaluation, dimension_cells["parc"]),
        _letters(evaluation),
        Table("npai", "Courriers revenus « n'habite pas à l'adresse indiquée » (NPAI)",
              (Column("parc", "parc"), Column("courriers", "courriers", "count"), Column("npai", "revenus", "count"),
               Column("taux", "taux de retour", "rate"), Column("ic_bas", "IC 95 % bas", "rate"),
               Column("ic_haut", "IC 95 % haut", "rate")),
              _npai(evaluation)),
        *(Table(key, title, (Column("valeur", first), Column("contacts", "contacts", "count"),
                             Column("cout", "coût (€)", "euro"), Column("reponses", "réponses attribuées", "count"),
                             Column("cout_par_reponse", "coût par réponse (€)", "euro")),
                [[c.label + ("" if c.complete else " (coût partiel)"), c.contacts, c.cost, suppress_small(c.responses),
                  c.per_response if c.responses >= SMALL_CELL_THRESHOLD else HIDDEN] for c in rows])
          for key, title, first, rows in (
              ("couts_campagne", "Coût par réponse, par campagne", "campagne", s.costs_by_campaign),
              ("couts_canal", "Coût par réponse, par canal", "canal", s.costs_by_channel))),
        _closures(evaluation),
        *([] if mobile is None else [mobile]),
        Table("files", "Suites données aux orientations, par file d'appels et de visites",
              (Column("file", "file"), Column("menages", "ménages orientés", "count"),
               Column("sans_suite", "sans suite", "count"), Column("taux", "taux sans suite", "rate"),
               Column("ic_bas", "IC 95 % bas", "rate"), Column("ic_haut", "IC 95 % haut", "rate")),
              [[q.label, *rate_cells(q.without_follow_up)] for q in s.queues],
              "Sans suite : aucune réponse attribuée à un appel ou une visite de cette file."),
        Table("indicateurs_charte", "Indicateurs de la charte (002, annexe 6)",
              (Column("indicateur", "indicateur"), Column("parc_prive", "parc privé"),
               Column("parc_public", "parc public"), Column("total", "total")),
              _indicator_rows(s.indicators)),
        fallbacks_table(s.fallbacks),
    ]
    if evaluation.experiments is not None:
        tables.append(experiments_table(evaluation.experiments))
    if evaluation.scope.restricted:
        tables = [t for t in tables if t.key not in HIDDEN_FROM_OWN_VIEWS]
    if evaluation.open_files is not None:
        total = sum(n for _label, n in evaluation.open_files)
        cells = protect([n for _label, n in evaluation.open_files])
        rows: list[list[Cell]] = [[label, cell] for (label, _n), cell in zip(evaluation.open_files, cells, strict=True)]
        tables.append(Table("en_cours", "Dossiers encore en cours, contactés pour la première fois dans la période",
                            (Column("etat", "état"), Column("menages", "ménages", "count")),
                            [*rows, ["total", suppress_small(total)]]))
    return Report(
        f"Évaluation des contacts du {evaluation.period.start:%d/%m/%Y} au {evaluation.period.end:%d/%m/%Y}",
        (evaluation.period.start.isoformat(), evaluation.period.end.isoformat()), evaluation.scope.label,
        now_label(evaluation.generated_at), METHOD, tables, _curves(evaluation),
    )


def _funnel_cells(contacted: int, responded: Rate, shown: list[Cell] | None, lettered: Cell) -> list[Cell]:
    """A stage's line: the cells of taux_stade for the same figures, so that both tables hide the same."""
    if shown is None:
        return [suppress_small(contacted), lettered, *rate_cells(responded)[1:]]
    return [shown[0], lettered, *shown[1:]]


def _curves(evaluation: Evaluation) -> list[CurveView] | None:
    if evaluation.curves is None:
        return None
    views = []
    for curve in evaluation.curves:
        if curve.households < SMALL_CELL_THRESHOLD or 0 < curve.responded < SMALL_CELL_THRESHOLD:
            views.append(CurveView(curve.label, suppress_small(curve.households), HIDDEN, None))
            continue
        points = [(day, round(curve.km.responded_by(day), 4)) for day in range(CURVE_DAYS + 1)]
        views.append(CurveView(curve.label, curve.households, curve.km.median_days, points))
    return views


def _json_cell(cell: Cell) -> Cell:
    return round(cell, 6) if isinstance(cell, float) else cell


def report_json(report: Report) -> dict[str, object]:
    """The report for the API: one entry per table, its lines as objects keyed by column."""
    return {
        "titre": report.title,
        "periode": {"debut": report.period[0], "fin": report.period[1]},
        "perimetre": report.scope,
        "genere_le": report.generated_at,
        "methode": report.method,
        "sections": {
            t.key: {"titre": t.title, "note": t.note,
                    "lignes": [{c.key: _json_cell(v) for c, v in zip(t.columns, row, strict=True)} for row in t.rows]}
            for t in report.tables
        },
        "courbes_de_reponse": None if report.curves is None else [
            {"canal": c.label, "menages": c.households, "mediane_jours": _json_cell(c.median_days),
             "points": None if c.points is None else [{"jour": d, "part_ayant_repondu": p} for d, p in c.points]}
            for c in report.curves
        ],
    }


def now_label(now: datetime) -> str:
    return now.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")
