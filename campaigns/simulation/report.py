"""The simulation as a table a Département can read (French)."""

from __future__ import annotations

from campaigns.locale.labels import PARKS, Term, plural
from campaigns.models.stages import Stage
from campaigns.simulation.stock import UNDER_REACHED, HouseholdLetters, SimulationReport, vars_of

# Letters coordination took away, by reason (the count comes first: « 1 regroupé… », « 3 supprimés… »).
_REASONS = {"merged": Term("regroupé dans le courrier d'une autre campagne",
                           "regroupés dans le courrier d'une autre campagne"),
            "duplicate": Term("supprimé (doublon)", "supprimés (doublon)"),
            "cap_reached": Term("retenu par le plafond", "retenus par le plafond")}
_ALLOCATAIRE = {"oui": "allocataire", "non": "non allocataire"}
_PARC = {"prive": "privé"}  # the table's column is « Parc »: « privé », « social », « inconnu »


def _fr(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def avoided_text(avoided: dict[str, int]) -> str:
    """« 5 regroupés dans le courrier d'une autre campagne, 1 supprimé (doublon) », or « aucun »."""
    parts = [(_REASONS[r].count(n) if r in _REASONS else f"{n} ({r})") for r, n in sorted(avoided.items()) if n]
    return ", ".join(parts) or "aucun"


def household_line(household: HouseholdLetters) -> str:
    profile = household.profile
    parc = PARKS.get(profile.parc, "parc inconnu")
    allocataire = _ALLOCATAIRE.get(profile.allocataire, "allocataire inconnu")
    bailleur = "bailleur non connu" if profile.bailleur == "—" else f"bailleur {profile.bailleur}"
    line = (f"ménage n°{household.household_id} ({parc}, {allocataire}, {bailleur}, "
            f"{Stage(profile.stage).label}) : {plural(household.without, 'courrier', 'courriers')} sans "
            f"coordination, {household.with_coordination} avec ; évités : {avoided_text(household.avoided)}")
    return line + (f" ; {UNDER_REACHED}" if household.under_reached else "")


def format_fr(report: SimulationReport, *, per_household: bool = False) -> str:
    header = (f"{'Parc':<8}{'Allocataire':<13}{'Bailleur':<28}{'Stade':<36}{'Ménages':>8}"
              f"{'Sans coord. (moy./max)':>24}{'Avec coord. (moy./max)':>24}{'Sous-atteints':>15}")
    rules = report.rules
    lines = [
        f"Simulation des campagnes du {report.start:%d/%m/%Y} au {report.end:%d/%m/%Y} : courriers par ménage",
        "(aucun envoi : les campagnes sont rejouées sur les ménages actuels)",
        f"Coordination : les courriers de plusieurs partenaires prévus à moins de "
        f"{plural(rules.window.days, 'jour', 'jours')} d'intervalle n'en font qu'un ; au plus "
        f"{plural(rules.letters_per_30_days, 'courrier', 'courriers')} par ménage sur 30 jours glissants (les "
        "courriers réglementaires partent toujours).",
        "",
        header,
    ]
    totals = {"without": 0, "with": 0, "households": 0, "under": 0, "above_without": 0, "above_with": 0}
    avoided_total: dict[str, int] = {}
    for profile, row in sorted(report.rows.items(), key=lambda item: vars_of(item[0])):
        without = sum(row.without) / row.households if row.households else 0.0
        coordinated = sum(row.with_coordination) / row.households if row.households else 0.0
        lines.append(
            f"{_PARC.get(profile.parc, profile.parc):<8}{profile.allocataire:<13}{profile.bailleur[:27]:<28}"
            f"{Stage(profile.stage).label[:35]:<36}"
            f"{row.households:>8}{_fr(without) + ' / ' + str(max(row.without, default=0)):>24}"
            f"{_fr(coordinated) + ' / ' + str(max(row.with_coordination, default=0)):>24}{row.under_reached:>15}"
        )
        totals["without"] += sum(row.without)
        totals["with"] += sum(row.with_coordination)
        totals["households"] += row.households
        totals["under"] += row.under_reached
        totals["above_without"] += row.above_cap_without
        totals["above_with"] += row.above_cap_with
        for reason, count in row.avoided.items():
            avoided_total[reason] = avoided_total.get(reason, 0) + count
    lines += [
        "",
        f"Total : {plural(totals['households'], 'ménage', 'ménages')}, "
        f"{plural(totals['without'], 'courrier', 'courriers')} sans coordination, {totals['with']} avec coordination.",
        "Courriers évités : " + avoided_text(avoided_total),
        f"Ménages sous-atteints (parc privé, sans téléphone) : {totals['under']}",
        f"Ménages au-dessus du plafond ({plural(report.rules.letters_per_30_days, 'courrier', 'courriers')} "
        f"sur 30 jours glissants) : {totals['above_without']} sans coordination, {totals['above_with']} avec "
        "coordination",
    ]
    if per_household:
        lines += ["", "Courriers par ménage :", *(f"  {household_line(h)}" for h in report.households)]
    return "\n".join(lines)
