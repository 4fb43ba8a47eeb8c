"""The mobile team's summary table (Essonne, 004; `campaigns.evaluation.mobile_team`): closed files by what their
reason says, the households recorded as accompanied against those the reasons give (the « 77 contre 75 » of 004,
flagged when they differ), files still open by phase, and the landlords' response rate.

Small cells: the lines of closed and of open files add up to their totals (published here and in the tables
`clotures` and `en_cours`), so they are protected against them, and a figure those tables publish too is hidden
here whenever it is hidden there. The landlords' answers count landlords, not households: they are published when
5 landlords or more were written to.
"""

from __future__ import annotations

from collections.abc import Sequence

from campaigns.evaluation.closure_reasons import ClosureKind
from campaigns.evaluation.mobile_team import MobileTeamSummary
from campaigns.evaluation.period import Evaluation
from campaigns.locale.labels import plural
from campaigns.platform.statistics import SMALL_CELL_THRESHOLD, suppress_small
from campaigns.reports.cells import HIDDEN, SECRET, Cell, Column, Table
from campaigns.reports.suppression import extend_hidden, protect

KEY = "synthese_equipe_mobile"
COLUMNS = (Column("indicateur", "indicateur"), Column("nombre", "nombre", "count"),
           Column("base", "sur", "count"), Column("valeur", "part ou taux", "rate"), Column("remarque", "remarque"))
NOTE = (
    "Synthèse de l'équipe mobile (Essonne, 004). Dossiers clôturés sur la période, selon ce que dit leur motif de "
    "clôture (texte libre lu sans tenir compte des accents ni des majuscules) : aucun contact, départ ou NPAI, "
    "contact pris (accompagnement, dette soldée, orientation, relogement, suivi déjà en place, arrêt après "
    "adhésion) ; un motif que ces règles ne reconnaissent pas est compté à part, jamais deviné. Ménages accompagnés : "
    "ménages dont une réponse a été enregistrée avant la clôture ; un écart avec les motifs est signalé. Dossiers en "
    "cours : premier contact dans la période ; relance : nouvel écrit d'une campagne, à une étape suivante et un "
    "jour postérieur à son premier écrit. Propriétaires : un par ménage dont le bailleur a reçu un courrier sur la "
    "période ; le nombre de propriétaires ayant répondu est publié dès que 5 propriétaires au moins ont reçu un "
    "courrier."
)
OPEN_LABELS = {"repondu": "dont : ménages accompagnés (ont répondu)",
               "premier_courrier": "dont : au stade du 1er courrier",
               "relance": "dont : au stade de la relance"}


def _protected(counts: Sequence[int], forced: Sequence[bool]) -> list[Cell]:
    """`protect`, with the cells another table hides hidden here too."""
    hidden = [0 < c < SMALL_CELL_THRESHOLD or f for c, f in zip(counts, forced, strict=True)]
    extend_hidden(counts, hidden)
    return [(HIDDEN if c < SMALL_CELL_THRESHOLD else SECRET) if h else c
            for c, h in zip(counts, hidden, strict=True)]


def _share(count: Cell, total: int) -> Cell:
    if not isinstance(count, int) or total < SMALL_CELL_THRESHOLD:
        return HIDDEN if count is not None else None
    return count / total


def _discrepancy(answered: Cell, contacted: Cell) -> tuple[Cell, str]:
    if not isinstance(answered, int) or not isinstance(contacted, int):
        return HIDDEN, "écart non publié : l'un des deux nombres est masqué (moins de 5 ménages)"
    gap = answered - contacted
    if gap == 0:
        return 0, "aucun écart : les réponses enregistrées et les motifs de clôture concordent"
    more = "de plus" if gap > 0 else "de moins"
    return gap, (f"écart à vérifier : {plural(answered, 'ménage accompagné', 'ménages accompagnés')} d'après les "
                 f"réponses enregistrées, {contacted} d'après les motifs de clôture, soit "
                 f"{plural(abs(gap), 'ménage', 'ménages')} {more}")


def _closed_rows(evaluation: Evaluation, summary: MobileTeamSummary) -> list[list[Cell]]:
    closed = summary.closed
    if closed is None:
        return []
    total = closed.total
    kinds = closed.kinds
    parts = protect([kinds[ClosureKind.NO_CONTACT], closed.left_or_not_at_address, kinds[ClosureKind.CONTACTED],
                     kinds[ClosureKind.UNCLASSIFIED]])
    # The same figure as the line « dont : avaient répondu avant la clôture » of the closures table, hidden alike.
    closures = evaluation.sections.closures
    answered = protect([closures.responded, closures.returned_only, closures.neither])[0]
    gap, remark = _discrepancy(answered, parts[2])
    labels = ("dont : aucun contact avec le ménage",
              "dont : ménage parti volontairement ou n'habitant pas à l'adresse (NPAI)",
              "dont : le ménage a pris contact (d'après le motif de clôture)",
              "dont : motif de clôture non classé")
    return [
        ["dossiers clôturés sur la période", suppress_small(total), None, None, None],
        *([label, cell, suppress_small(total), _share(cell, total), None]
          for label, cell in zip(labels, parts, strict=True)),
        ["ménages accompagnés : réponse enregistrée avant la clôture", answered, suppress_small(total),
         _share(answered, total), None],
        ["écart entre les ménages accompagnés et les motifs de clôture", gap, None, None, remark],
    ]


def _open_rows(evaluation: Evaluation, summary: MobileTeamSummary) -> list[list[Cell]]:
    total = summary.open_total
    # « ont répondu » is a line of the table en_cours too: hidden here when it is hidden there.
    lines = evaluation.open_files or []
    shown = dict(zip((label for label, _n in lines), protect([n for _label, n in lines]), strict=True))
    forced = [phase == "repondu" and not isinstance(shown.get("ont répondu", 0), int) for phase in OPEN_LABELS]
    cells = _protected([summary.open_files[phase] for phase in OPEN_LABELS], forced)
    return [
        ["dossiers en cours, premier contact dans la période", suppress_small(total), None, None, None],
        *([OPEN_LABELS[phase], cell, suppress_small(total), _share(cell, total), None]
          for phase, cell in zip(OPEN_LABELS, cells, strict=True)),
    ]


def _landlord_row(summary: MobileTeamSummary) -> list[Cell]:
    landlords = summary.landlords
    label = "taux de réponse des propriétaires"
    if landlords.n == 0:
        return [label, 0, 0, None, "aucun courrier au bailleur sur la période"]
    if landlords.n < SMALL_CELL_THRESHOLD:
        return [label, HIDDEN, HIDDEN, HIDDEN, "moins de 5 propriétaires destinataires d'un courrier"]
    return [label, landlords.successes, landlords.n, landlords.value,
            f"{plural(landlords.successes, 'propriétaire a répondu', 'propriétaires ont répondu')} sur "
            f"{plural(landlords.n, 'propriétaire destinataire', 'propriétaires destinataires')} d'un courrier"]


def mobile_team_table(evaluation: Evaluation) -> Table | None:
    summary = evaluation.mobile_team
    if summary is None:
        return None
    note = NOTE if summary.closed is not None else (
        NOTE + " Les dossiers clôturés ne sont pas publiés dans cette vue (filtre par stade, ou vue d'un partenaire "
        "qui n'est ni pilote ni bailleur).")
    rows = [*_closed_rows(evaluation, summary), *_open_rows(evaluation, summary), _landlord_row(summary)]
    return Table(KEY, "Synthèse de l'équipe mobile : dossiers clôturés, dossiers en cours, réponses des propriétaires",
                 COLUMNS, rows, note)
