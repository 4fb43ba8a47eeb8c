"""Pure time rules: when a step falls due, moved into the sending window (Europe/Paris, jours fériés)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

PARIS = ZoneInfo("Europe/Paris")

# The sources set no clock-time rule (docs/domain.md §5.3); these defaults keep contacts in office hours,
# when a household that answers can reach someone.
WINDOW_START = time(9, 0)
WINDOW_END = time(18, 0)


# Local public holidays (docs/domain.md §2.2): Alsace-Moselle keeps Good Friday and 26 December (the `holidays`
# package's subdivisions 57 and 6AE), each overseas département its own day of the abolition of slavery.
_SUBDIVISIONS = {
    "57": "57", "67": "6AE", "68": "6AE",
    "971": "971", "972": "972", "973": "973", "974": "974", "976": "976",
}


def departement_of(code_postal: str | None) -> str | None:
    """The département of a postal code, the territory the working days follow: 57000 → 57, 97200 → 972."""
    if not code_postal or len(code_postal) != 5 or not code_postal.isdigit():
        return None
    if code_postal.startswith(("97", "98")):
        return code_postal[:3]
    if code_postal.startswith("20"):
        return "2A" if int(code_postal) < 20200 else "2B"
    return code_postal[:2]


def holiday_subdivision(territory: str | None) -> str | None:
    """The `holidays` subdivision of a département code, None where the national calendar applies."""
    return _SUBDIVISIONS.get(territory or "")


def holiday_territory(code_postal: str | None) -> str | None:
    """A département whose public holidays differ from the national list (Alsace-Moselle, overseas), else None:
    households with the national calendar share their due times."""
    territory = departement_of(code_postal)
    return territory if holiday_subdivision(territory) is not None else None


@lru_cache(maxsize=256)
def _french_holidays(year: int, subdivision: str | None = None) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", subdiv=subdivision, years=year)


def is_public_holiday(day: date, territory: str | None = None) -> bool:
    return day in _french_holidays(day.year, holiday_subdivision(territory))


def is_working_day(day: date, territory: str | None = None) -> bool:
    """Monday to Friday and not a public holiday of `territory` (a département code; None: the national list)."""
    return day.weekday() < 5 and not is_public_holiday(day, territory)


def next_window(at: datetime, territory: str | None = None) -> datetime:
    """The first instant at or after `at` inside the sending window, as an aware UTC-comparable datetime, on a
    working day of `territory` (a département code: Alsace-Moselle's and overseas holidays; None: national)."""
    local = at.astimezone(PARIS)
    day = local.date()
    if is_working_day(day, territory) and WINDOW_START <= local.time() < WINDOW_END:
        return local
    if is_working_day(day, territory) and local.time() < WINDOW_START:
        return datetime.combine(day, WINDOW_START, tzinfo=PARIS)
    day += timedelta(days=1)
    while not is_working_day(day, territory):
        day += timedelta(days=1)
    return datetime.combine(day, WINDOW_START, tzinfo=PARIS)


def add_working_days(day: date, count: int, territory: str | None = None) -> date:
    """`count` jours ouvrés after (or before, if negative) `day`, with the public holidays of `territory`."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day, territory):
            remaining -= 1
    return day


def local_date(at: datetime) -> date:
    return at.astimezone(PARIS).date()


DEFAULT_SENDING_DAYS = (0, 1, 2, 3, 4, 5)  # Monday to Saturday
DEFAULT_SENDING_START = time(9, 0)
DEFAULT_SENDING_END = time(19, 0)


def _sending_day(day: date, days: tuple[int, ...]) -> bool:
    return day.weekday() in days and day not in _french_holidays(day.year)


def next_sending_time(
    at: datetime,
    *,
    days: tuple[int, ...] = DEFAULT_SENDING_DAYS,
    start: time = DEFAULT_SENDING_START,
    end: time = DEFAULT_SENDING_END,
) -> datetime:
    """`at` itself when SMS and e-mails may go then, else the next opening (Europe/Paris, no public holiday)."""
    local = at.astimezone(PARIS)
    day = local.date()
    if _sending_day(day, days) and start <= local.time() < end:
        return at
    if _sending_day(day, days) and local.time() < start:
        return datetime.combine(day, start, tzinfo=PARIS)
    for _ in range(366):
        day += timedelta(days=1)
        if _sending_day(day, days):
            return datetime.combine(day, start, tzinfo=PARIS)
    raise ValueError("no sending day in a year: check the campaign's sending days")


PRINT_SLOT = timedelta(hours=1)


def print_slot(now: datetime, *, cutoff: time) -> datetime | None:
    """Batch printing: None when `now` is inside a working day's print slot (cut-off to cut-off + 1 h), else the
    next cut-off. Until then a letter stays planned, so it can still be cancelled."""
    local = now.astimezone(PARIS)
    day = local.date()
    opening = datetime.combine(day, cutoff, tzinfo=PARIS)
    if is_working_day(day) and opening <= local < opening + PRINT_SLOT:
        return None
    if not (is_working_day(day) and local < opening):
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    return datetime.combine(day, cutoff, tzinfo=PARIS)
