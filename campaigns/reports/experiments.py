"""The experiments as a report table: per arm, households, responses, rate and interval, the difference with the
reference arm, its interval and p-values, and the households per arm a conclusive answer would need."""

from __future__ import annotations

from campaigns.evaluation.experiment_results import ArmResult, ExperimentResult
from campaigns.platform.statistics import ALPHA
from campaigns.reports.cells import HIDDEN, RATE_COLUMNS, Cell, Column, Table, rate_cells

COLUMNS = (
    Column("experience", "expérience"), Column("campagne", "campagne"), Column("bras", "bras"),
    *RATE_COLUMNS,
    Column("difference", "différence avec la référence", "rate"), Column("diff_ic_bas", "IC 95 % bas", "rate"),
    Column("diff_ic_haut", "IC 95 % haut", "rate"), Column("test", "test"), Column("p", "p", "p"),
    Column("p_holm", "p corrigée (Holm)", "p"),
    Column("necessaires_effet_observe", "ménages par bras pour conclure (effet observé)", "count"),
    Column("necessaires_effet_minimal", "ménages par bras pour conclure (effet minimal fixé)", "count"),
    Column("conclusion", "conclusion"),
)
NOTE = (
    "Chaque ménage est tiré au sort une fois par expérience, au premier contact prévu, et reste dans son bras ; il "
    "a répondu si une réponse est enregistrée au stade où il a été tiré. Chaque bras est comparé au bras de "
    "référence (le premier) : différence de taux avec son intervalle de Newcombe, test du chi² ou exact de Fisher, "
    "p-valeurs corrigées par la méthode de Holm entre les bras d'une même expérience. Ménages nécessaires : par "
    "bras, pour une puissance de 80 % et un risque de 5 % (test bilatéral), au taux du bras de référence et à "
    "l'effet observé, ou à l'effet minimal que la campagne s'est fixé."
)


def _conclusion(arm: ArmResult, reference: bool) -> str:
    if reference:
        return "bras de référence"
    if arm.comparison is None:
        return "effectifs trop petits pour comparer"
    p = arm.comparison.p_adjusted if arm.comparison.p_adjusted is not None else arm.comparison.p_value
    if p < ALPHA:
        sign = "plus" if arm.comparison.difference > 0 else "moins"
        return f"répond significativement {sign} que la référence"
    if arm.needed_observed is None:
        return "aucune différence observée"
    needed = f"{arm.needed_observed:,}".replace(",", "\u202f")
    return f"pas de conclusion : il faudrait environ {needed} ménages par bras"


def _row(result: ExperimentResult, arm: ArmResult, reference: bool) -> list[Cell]:
    c = arm.comparison
    comparison: list[Cell] = ([c.difference, c.low, c.high, "exact de Fisher" if c.test == "fisher" else "chi²",
                               c.p_value, c.p_adjusted] if c is not None else [None] * 6)
    if c is None and not reference:
        comparison[0] = HIDDEN if not isinstance(rate_cells(arm.rate)[2], float) else None
    label = result.key + ("" if result.running else " (terminée)")
    return [label, result.campaign, arm.name, *rate_cells(arm.rate), *comparison, arm.needed_observed,
            arm.needed_minimal, _conclusion(arm, reference)]


def experiments_table(results: list[ExperimentResult]) -> Table:
    rows = [_row(result, arm, i == 0) for result in results for i, arm in enumerate(result.arms)]
    return Table("experiences", "Expériences : taux de réponse par bras", COLUMNS, rows, NOTE)
