"""The households of scenario 4 (ADIL 44, docs/domain.md §11.5): 109 situations sent to the ADIL by 4 CCAPEX
restreintes, 47 in the private park and 62 in the social park spread over the 12 bailleurs of the source, each with
how the ADIL reached it (if it did) and whether a diagnostic followed. Only the published figures are taken from the
source; the rest (names, sizes per bailleur, which household answers when) is invented within them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

BAILLEURS = ("NMH", "LNH", "HABITAT 44", "Harmonie Habitat", "CDC Habitat Social", "LOGI OUEST",
             "Atlantique Habitations", "VILOGIA", "Aiguillon Construction", "CIF Coopérative", "ICF Habitat", "SILENE")
# Files per bailleur: 62 in all, no bar above 40 (§5.1: the chart's axis goes to 40).
FILES_PER_BAILLEUR = (14, 8, 7, 6, 5, 4, 4, 4, 3, 3, 2, 2)
PRIVATE = 47
# How the contacted households were reached [000 L359–392]: the incoming call after the letter, the ADIL's outgoing
# call, the visit after the first attempt, the visit after the second.
INCOMING, OUTGOING, VISIT_1, VISIT_2 = "entrant", "sortant", "visite_1", "visite_2"
MODES = {"prive": {INCOMING: 5, OUTGOING: 19, VISIT_1: 3, VISIT_2: 1},
         "social": {INCOMING: 17, OUTGOING: 13, VISIT_1: 8, VISIT_2: 1}}
# Diagnostics: 22 private, 37 social [000 L126–140]; the other contacted households had a summary after a phone
# exchange (7) or refused (1), taken among the outgoing calls.
DIAGNOSTICS = {"prive": 22, "social": 37}
# The 4 CCAPEX restreintes of the period, one every two months, with the files each sent [000 L147–150].
MEETINGS = (date(2020, 10, 5), date(2020, 12, 7), date(2021, 2, 8), date(2021, 4, 12))
BATCH_SIZES = (28, 27, 29, 25)

SURNAMES = ("Abgrall", "Baudry", "Cadiou", "Drouet", "Esnault", "Fourage", "Gicquel", "Hamon", "Izard", "Jaouen",
            "Kerboul", "Lemoine", "Morvan", "Nicolleau", "Ollivier", "Pichon", "Quillivic", "Riou", "Salaün",
            "Tessier", "Urvoy", "Vallée", "Le Bihan", "Yhuel", "Zerrouki", "Ahmadi", "Bellec", "Coulibaly",
            "Delaunay", "Evenou", "Ferré", "Guillou", "Hervé", "Jégou", "Kervella", "Lucas", "Menard", "Nédélec")
FIRST_NAMES = ("Gwenaëlle", "Yannick", "Fatoumata", "Bruno", "Solène", "Mehdi")
COMMUNES = (("44000", "Nantes"), ("44400", "Rezé"), ("44600", "Saint-Nazaire"), ("44800", "Saint-Herblain"),
            ("44200", "Nantes"), ("44300", "Nantes"))


@dataclass(frozen=True, slots=True)
class Situation:
    n: int
    parc: str
    bailleur: str | None  # the social landlord, which pushes its own copy of the case
    mode: str | None  # how the ADIL reached the household; None: never reached
    diagnosed: bool
    batch: int

    @property
    def reference(self) -> str:
        return f"ADIL-{self.n:03d}"

    @property
    def name(self) -> tuple[str, str]:
        return SURNAMES[self.n % len(SURNAMES)], FIRST_NAMES[self.n // len(SURNAMES)]

    def row(self, reference: str) -> dict[str, Any]:
        nom, prenom = self.name
        postcode, commune = COMMUNES[self.n % len(COMMUNES)]
        return {"reference": reference, "stade": "requisition_force_publique",
                "date_stade": MEETINGS[self.batch].strftime("%d/%m/%Y"), "parc": self.parc, "nom": nom,
                "prenom": prenom, "date_naissance": f"{1 + self.n % 28:02d}/{1 + self.n % 12:02d}/{1950 + self.n % 41}",
                "adresse": f"{self.n + 3} rue de la Juiverie", "code_postal": postcode, "commune": commune,
                "telephone": f"06 72 {self.n // 100:02d} {self.n % 100:02d} 18",
                "montant_dette": f"{2_400 + 37 * self.n},00", "allocataire": "oui" if self.n % 3 else "non"}


def _outcomes(parc: str, count: int) -> list[tuple[str | None, bool]]:
    """Each household of the park: its contact mode (spread evenly) and whether it had a diagnostic."""
    modes: list[str | None] = [mode for mode, n in MODES[parc].items() for _ in range(n)]
    modes += [None] * (count - len(modes))
    spread = [modes[i] for i in sorted(range(count), key=lambda i: (i * 7) % count)]
    undiagnosed = sum(MODES[parc].values()) - DIAGNOSTICS[parc]
    result: list[tuple[str | None, bool]] = []
    for mode in spread:
        summary = mode == OUTGOING and undiagnosed > 0
        undiagnosed -= summary
        result.append((mode, mode is not None and not summary))
    return result


def situations() -> list[Situation]:
    landlords = [b for b, size in zip(BAILLEURS, FILES_PER_BAILLEUR, strict=True) for _ in range(size)]
    parks: list[tuple[str, str | None]] = [("prive", None)] * PRIVATE + [("social", b) for b in landlords]
    # The CCAPEX batches mix both parks: households are dealt to the meetings in turn.
    order = sorted(range(len(parks)), key=lambda i: (i % 4, i))
    outcomes = {"prive": iter(_outcomes("prive", PRIVATE)), "social": iter(_outcomes("social", len(landlords)))}
    batches = [b for b, size in enumerate(BATCH_SIZES) for _ in range(size)]
    result = []
    for n, (i, batch) in enumerate(zip(order, batches, strict=True)):
        parc, bailleur = parks[i]
        mode, diagnosed = next(outcomes[parc])
        result.append(Situation(n, parc, bailleur, mode, diagnosed, batch))
    return result


def landlord_reference(situation: Situation) -> str:
    return f"{(situation.bailleur or '')[:3].upper()}-{situation.n:03d}"


def expected_modes(all_situations: list[Situation]) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {"prive": Counter(), "social": Counter()}
    for s in all_situations:
        if s.mode is not None:
            counts[s.parc][s.mode] += 1
    return counts

