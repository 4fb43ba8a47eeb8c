"""The winter truce as data by year (docs/domain.md §2.4): no eviction from 1 November to 31 March, except the
years the end was moved (2020: 10 July; 2021: 31 May, "étendue jusqu'en mai", 003 L4115)."""

from __future__ import annotations

from datetime import date

TRUCE_START_MONTH_DAY = (11, 1)
DEFAULT_END_MONTH_DAY = (3, 31)
# The truce ending in that year, when it did not end on 31 March.
EXTENDED_ENDS: dict[int, date] = {2020: date(2020, 7, 10), 2021: date(2021, 5, 31)}


def truce_end(year: int) -> date:
    """The last day of the truce that ends in `year`."""
    return EXTENDED_ENDS.get(year, date(year, *DEFAULT_END_MONTH_DAY))


def in_truce(day: date) -> bool:
    return day >= date(day.year, *TRUCE_START_MONTH_DAY) or day <= truce_end(day.year)


def next_truce_end(day: date) -> date:
    """The end date a message sent on `day` must state: the end of the truce under way, or of the next one."""
    if day >= date(day.year, *TRUCE_START_MONTH_DAY):
        return truce_end(day.year + 1)
    this_year = truce_end(day.year)
    return this_year if day <= this_year else truce_end(day.year + 1)
