"""The table of fallbacks of language or FALC (LANG_FALLBACK) per template and per language asked, small cells
hidden: on each line the messages sent in fallback and the others add up to the messages sent, which is shown, so
both are protected together (a hidden count is never given back by the total)."""

from __future__ import annotations

from campaigns.evaluation.fallbacks import FallbackRow
from campaigns.platform.statistics import suppress_small
from campaigns.reports.cells import Cell, Column, Table
from campaigns.reports.suppression import protect, rate_from

COLUMNS = (Column("valeur", "modèle"), Column("langue", "langue demandée"),
           Column("envois", "messages envoyés", "count"), Column("envois_en_repli", "dont envoyés en repli", "count"),
           Column("part_en_repli", "part des messages envoyés en repli", "rate"))
NOTE = ("Un message est envoyé en repli quand le modèle n'existe pas dans la langue ou la version (FALC ou standard) "
        "demandée : il part dans la version suivante de l'ordre de repli de la campagne, le plus souvent en français. "
        "Unité : le message envoyé (courrier, SMS ou e-mail). « non renseigné » : messages envoyés avant que la langue "
        "demandée ne soit enregistrée.")


def fallback_line(row: FallbackRow) -> list[Cell]:
    fallback, _others = protect([row.fallbacks, row.sent - row.fallbacks])
    sent = suppress_small(row.sent)
    return [row.template, row.asked, sent, fallback, rate_from(fallback, sent, row.share)[0]]


def fallbacks_table(rows: list[FallbackRow]) -> Table:
    return Table("replis_langue", "Messages envoyés en repli de langue ou de FALC, par modèle et par langue demandée",
                 COLUMNS, [fallback_line(row) for row in rows], NOTE)
