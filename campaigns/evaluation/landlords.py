"""The landlord response rate (docs/domain.md §11.7, Essonne: about 10 % of landlords answer), apart from the
household's, from the facts of the period like the rest of the evaluation: of the households whose landlord was
sent a landlord letter (courrier_bailleur; the stay's first, counted on its day), those whose landlord's answer was
recorded after it (`courrier_bailleur`/`tous` of daily_reach), beside the households of the same stays that
answered after it themselves (`courrier_bailleur`/`menages`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from campaigns.evaluation.restricted import restricted_sums
from campaigns.evaluation.sums import FactSums, Period, Scope, load_fact_sums
from campaigns.platform.statistics import Rate, rate


@dataclass(frozen=True, slots=True)
class LandlordRates:
    landlords: Rate  # households whose landlord answered, of those whose landlord got a letter
    households: Rate  # the same households that answered themselves


def landlord_rates_of(sums: FactSums) -> LandlordRates:
    counts = {"tous": [0, 0], "menages": [0, 0]}
    for row in sums.reach:
        if row.dimension == "courrier_bailleur" and row.value in counts:
            counts[row.value][0] += row.households
            counts[row.value][1] += row.responded
    (written, landlords), (_same, households) = counts["tous"], counts["menages"]
    return LandlordRates(landlords=rate(landlords, written), households=rate(households, written))


def landlord_rates(session: Session, *, period: Period, scope: Scope) -> LandlordRates:
    """The rates of the period in the reader's scope (campaigns.evaluation.period.evaluate reads the same sums)."""
    sums = restricted_sums(session, period, scope) if scope.restricted else load_fact_sums(session, period, scope)
    return landlord_rates_of(sums)
