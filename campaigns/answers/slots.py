"""Call-back slots offered on the answer page: the referent structure's office hours on its next working days
(public holidays of the household's département left out). Structures do not record their hours yet: every one
gets the usual office hours below (docs/web.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from campaigns.locale.clock import PARIS, add_working_days, local_date

OFFICE_HOURS = ((time(9, 0), time(12, 0)), (time(14, 0), time(17, 0)))
DAYS_OFFERED = 3
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        """What the form sends back: the start, as local ISO text (no personal data)."""
        return self.start.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")

    @property
    def label(self) -> str:
        """« mardi 8 décembre, de 9 h à 12 h »."""
        local, end = self.start.astimezone(PARIS), self.end.astimezone(PARIS)
        day = "1er" if local.day == 1 else str(local.day)
        return (f"{_WEEKDAYS[local.weekday()]} {day} {_MONTHS[local.month - 1]}, "
                f"de {local.hour} h à {end.hour} h")


def _day_slots(day: date) -> list[Slot]:
    return [Slot(datetime.combine(day, start, tzinfo=PARIS), datetime.combine(day, end, tzinfo=PARIS))
            for start, end in OFFICE_HOURS]


def callback_slots(now: datetime, territory: str | None = None) -> list[Slot]:
    """The slots of the next DAYS_OFFERED working days after today (a call the same day cannot be promised)."""
    today = local_date(now)
    return [slot for n in range(1, DAYS_OFFERED + 1) for slot in _day_slots(add_working_days(today, n, territory))]


def find_slot(key: str, now: datetime, territory: str | None = None) -> Slot | None:
    """The offered slot the form named, or None (a forged or stale value)."""
    return next((slot for slot in callback_slots(now, territory) if slot.key == key), None)


