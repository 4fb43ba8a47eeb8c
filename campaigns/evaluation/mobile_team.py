"""The mobile team's summary (Essonne, 004 L132–208; docs/domain.md §11.7), from the facts of the period only.

- Closed files (closure facts of the period), by what their free-text reason says (`closure_reasons`): no contact at
  all, left or not living at the address (NPAI), contact taken, reasons not recognised. Beside them, the households
  recorded as having answered before the closure (a response recorded at any time): 004 prints 77 accompanied while
  its reasons give 75, and the summary shows both figures and their difference.
- Files still open, first contacted in the period (`daily_reach`, dimension `phase_en_cours`): answered
  (accompanied), at the first letter, at the relance (`campaigns.facts.build.open_phase`).
- The landlord response rate (dimension `courrier_bailleur`): of the households whose landlord was sent a landlord
  letter (first one in the period), those whose landlord's answer was recorded after it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from campaigns.evaluation.closure_reasons import ClosureKind, closure_kind
from campaigns.evaluation.sums import FactSums
from campaigns.platform.statistics import Rate, rate

OPEN_PHASES = ("repondu", "premier_courrier", "relance")


@dataclass(frozen=True, slots=True)
class ClosedSummary:
    total: int
    kinds: dict[ClosureKind, int]  # every kind, zero included
    answered: int  # closed households recorded as having answered (accompanied)

    @property
    def contacted_by_reason(self) -> int:
        return self.kinds[ClosureKind.CONTACTED]

    @property
    def left_or_not_at_address(self) -> int:
        return self.kinds[ClosureKind.LEFT] + self.kinds[ClosureKind.NOT_AT_ADDRESS]

    @property
    def discrepancy(self) -> int:
        """Households recorded as answered minus those whose closure reason says they took contact."""
        return self.answered - self.contacted_by_reason


@dataclass(frozen=True, slots=True)
class MobileTeamSummary:
    closed: ClosedSummary | None  # None when the reader's view holds no closure (docs/security.md E3)
    open_files: dict[str, int]  # OPEN_PHASES → households
    landlords: Rate  # landlords that answered, of the households whose landlord was written to

    @property
    def open_total(self) -> int:
        return sum(self.open_files.values())


def mobile_team_summary(sums: FactSums, *, closures_readable: bool) -> MobileTeamSummary:
    kinds: Counter[ClosureKind] = Counter()
    answered = 0
    for motif, responded, _returned, _parc, n in sums.closures:
        kinds[closure_kind(motif)] += n
        answered += n if responded else 0
    closed = ClosedSummary(sum(kinds.values()), {kind: kinds[kind] for kind in ClosureKind}, answered)
    phases: Counter[str] = Counter()
    written = landlords_answered = 0
    for row in sums.reach:
        if row.dimension == "phase_en_cours":
            phases[row.value] += row.households
        elif row.dimension == "courrier_bailleur" and row.value == "tous":
            written += row.households
            landlords_answered += row.responded
    return MobileTeamSummary(closed if closures_readable else None, {p: phases[p] for p in OPEN_PHASES},
                             rate(landlords_answered, written))
