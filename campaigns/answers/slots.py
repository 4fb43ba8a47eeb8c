"""Call-back slots offered on the answer page: the referent structure's opening hours (`partners.opening_hours`,
set by the structure through `PUT /api/v1/horaires`) on its next open working days, public holidays of the
household's département left out. A structure that recorded no hours gets the usual office hours below
(docs/web.md, « Le lien de réponse »)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from campaigns.locale.clock import PARIS, is_public_holiday, local_date
from campaigns.platform.errors import ValidationError

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")
OfficeHours = dict[int, tuple[tuple[time, time], ...]]  # weekday (0: Monday) → opening periods
_USUAL = ((time(9, 0), time(12, 0)), (time(14, 0), time(17, 0)))
DEFAULT_HOURS: OfficeHours = {day: _USUAL for day in range(5)}
DAYS_OFFERED = 3
# Open days are looked for this many days ahead at most (a structure open one morning a week still shows).
LOOK_AHEAD = 21
MAX_PERIODS_PER_DAY = 4
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


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
        """« mardi 8 décembre, de 9 h à 12 h » (« de 9 h 30 à 12 h » when not on the hour)."""
        local, end = self.start.astimezone(PARIS), self.end.astimezone(PARIS)
        day = "1er" if local.day == 1 else str(local.day)
        return f"{WEEKDAYS[local.weekday()]} {day} {_MONTHS[local.month - 1]}, de {_hour(local)} à {_hour(end)}"


def _hour(at: datetime) -> str:
    return f"{at.hour} h" if at.minute == 0 else f"{at.hour} h {at.minute:02d}"


def read_hours(stored: Mapping[str, Sequence[Sequence[str]]]) -> OfficeHours:
    """Opening hours as typed ({"lundi": [["09:00", "12:00"]], …}); raises ValidationError in French naming the day
    and the period at fault. A day left out is closed; at least one period in the week."""
    if not isinstance(stored, Mapping):
        raise ValidationError("Les horaires s'écrivent par jour : {\"lundi\": [[\"09:00\", \"12:00\"]], …}.")
    unknown = sorted(set(stored) - set(WEEKDAYS))
    if unknown:
        raise ValidationError(f"Jour inconnu : « {unknown[0]} » (lundi, mardi, …, dimanche).")
    hours: OfficeHours = {}
    for number, name in enumerate(WEEKDAYS):
        periods = stored.get(name) or []
        if not isinstance(periods, Sequence) or isinstance(periods, str) or len(periods) > MAX_PERIODS_PER_DAY:
            raise ValidationError(f"{name} : {MAX_PERIODS_PER_DAY} plages au plus, chacune [\"HH:MM\", \"HH:MM\"].")
        read: list[tuple[time, time]] = []
        for index, period in enumerate(periods, start=1):
            read.append(_period(name, index, period))
        read.sort()
        for (_, end), (start, _) in pairwise(read):
            if start < end:
                raise ValidationError(f"{name} : deux plages se chevauchent.")
        if read:
            hours[number] = tuple(read)
    if not hours:
        raise ValidationError("Indiquez au moins une plage d'ouverture dans la semaine.")
    return hours


def _period(day: str, index: int, period: object) -> tuple[time, time]:
    where = f"{day}, plage {index}"
    if not isinstance(period, Sequence) or isinstance(period, str) or len(period) != 2:
        raise ValidationError(f"{where} : écrivez le début et la fin, par exemple [\"09:00\", \"12:00\"].")
    bounds = []
    for text in period:
        match = _HHMM.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValidationError(f"{where} : « {text} » n'est pas une heure HH:MM.")
        bounds.append(time(int(match[1]), int(match[2])))
    if bounds[1] <= bounds[0]:
        raise ValidationError(f"{where} : la fin doit suivre le début.")
    return bounds[0], bounds[1]


def stored_hours(hours: OfficeHours) -> dict[str, list[list[str]]]:
    """What `partners.opening_hours` keeps, and what the API shows."""
    return {WEEKDAYS[day]: [[start.strftime("%H:%M"), end.strftime("%H:%M")] for start, end in periods]
            for day, periods in sorted(hours.items())}


def structure_hours(stored: Mapping[str, Sequence[Sequence[str]]] | None) -> OfficeHours:
    """A structure's hours as kept, or the usual office hours when it recorded none (or they no longer read)."""
    if not stored:
        return DEFAULT_HOURS
    try:
        return read_hours(stored)
    except ValidationError:
        return DEFAULT_HOURS


def callback_slots(now: datetime, territory: str | None = None, hours: OfficeHours | None = None) -> list[Slot]:
    """The periods of the structure's next DAYS_OFFERED open days after today, public holidays left out (a call
    the same day cannot be promised)."""
    opening = DEFAULT_HOURS if hours is None else hours
    today = local_date(now)
    slots: list[Slot] = []
    days = 0
    for n in range(1, LOOK_AHEAD + 1):
        day = today + timedelta(days=n)
        periods = opening.get(day.weekday(), ())
        if not periods or is_public_holiday(day, territory):
            continue
        slots.extend(_day_slots(day, periods))
        days += 1
        if days == DAYS_OFFERED:
            break
    return slots


def _day_slots(day: date, periods: Sequence[tuple[time, time]]) -> list[Slot]:
    return [Slot(datetime.combine(day, start, tzinfo=PARIS), datetime.combine(day, end, tzinfo=PARIS))
            for start, end in periods]


def find_slot(key: str, now: datetime, territory: str | None = None, hours: OfficeHours | None = None) -> Slot | None:
    """The offered slot the form named, or None (a forged or stale value)."""
    return next((slot for slot in callback_slots(now, territory, hours) if slot.key == key), None)
