"""The simulation as a table a Département can read (French)."""

from __future__ import annotations

from campaigns.models.stages import Stage
from campaigns.simulation.stock import SimulationReport, vars_of

_REASONS = {"merged": "regroupés", "duplicate": "supprimés (doublon)", "cap_reached": "plafond atteint"}


def _fr(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def format_fr(report: SimulationReport) -> str:
    header = (f"{'Parc':<8}{'Allocataire':<13}{'Bailleur':<28}{'Stade':<36}{'Ménages':>8}"
              f"{'Sans coord. (moy./max)':>24}{'Avec coord. (moy./max)':>24}")
    lines = [
        f"Simulation des campagnes du {report.start:%d/%m/%Y} au {report.end:%d/%m/%Y} : courriers par ménage",
        "(aucun envoi : les campagnes actives sont rejouées sur les ménages actuels)",
        "",
        header,
    ]
    totals = {"without": 0, "with": 0, "households": 0, "under": 0}
    avoided_total: dict[str, int] = {}
    for profile, row in sorted(report.rows.items(), key=lambda item: vars_of(item[0])):
        without = sum(row.without) / row.households if row.households else 0.0
        coordinated = sum(row.with_coordination) / row.households if row.households else 0.0
        lines.append(
            f"{profile.parc:<8}{profile.allocataire:<13}{profile.bailleur[:27]:<28}{Stage(profile.stage).label[:35]:<36}"
            f"{row.households:>8}{_fr(without) + ' / ' + str(max(row.without, default=0)):>24}"
            f"{_fr(coordinated) + ' / ' + str(max(row.with_coordination, default=0)):>24}"
        )
        totals["without"] += sum(row.without)
        totals["with"] += sum(row.with_coordination)
        totals["households"] += row.households
        totals["under"] += row.under_reached
        for reason, count in row.avoided.items():
            avoided_total[reason] = avoided_total.get(reason, 0) + count
    lines += [
        "",
        f"Total : {totals['households']} ménages, {totals['without']} courriers sans coordination, "
        f"{totals['with']} avec coordination.",
        "Courriers évités : " + (", ".join(f"{n} {_REASONS.get(r, r)}" for r, n in sorted(avoided_total.items()))
                                 or "aucun"),
        f"Ménages sous-atteints (parc privé, sans téléphone) : {totals['under']}",
    ]
    return "\n".join(lines)
