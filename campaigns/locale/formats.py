"""French formats shared by letters, pages, round sheets and reports: dates in words, amounts in euros and phone
numbers; dates as French spreadsheets and forms type them."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from campaigns.locale.text import ascii_fold

_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
NARROW_NBSP = "\u202f"
NBSP = "\u00a0"


def format_montant(value: object) -> str:
    """Euros the French way: 1 234,56 € (narrow no-break thousands separator, no-break space before €)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise TypeError(f"montant attend un nombre, reçu {type(value).__name__}")
    # str() first so a float like 0.1 is not expanded to its binary approximation.
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups: list[str] = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    return f"{sign}{NARROW_NBSP.join(groups)},{cents}{NBSP}€"


def format_date_fr(value: object) -> str:
    """A date in words: "25 novembre 2026", "1er mars 2027"."""
    if not isinstance(value, date):
        raise TypeError(f"date_fr attend une date, reçu {type(value).__name__}")
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {_MONTHS[value.month - 1]} {value.year}"


def format_phone_fr(value: str) -> str:
    """A French number as people write it: +33648201735 -> "06 48 20 17 35"; anything else is left as it is."""
    digits = "0" + value[3:] if value.startswith("+33") and len(value) == 12 and value[3:].isdigit() else value
    if len(digits) != 10 or not digits.isdigit():
        return value
    return " ".join(digits[i:i + 2] for i in range(0, 10, 2))


# Month words as typed, folded to ASCII capitals: full names and the usual abbreviations ("févr.", "sept.").
_MONTH_WORDS = {name: number for number, names in enumerate(
    (("JANVIER", "JANV", "JAN"), ("FEVRIER", "FEVR", "FEV"), ("MARS", "MAR"), ("AVRIL", "AVR"), ("MAI",),
     ("JUIN",), ("JUILLET", "JUIL"), ("AOUT",), ("SEPTEMBRE", "SEPT", "SEP"), ("OCTOBRE", "OCT"),
     ("NOVEMBRE", "NOV"), ("DECEMBRE", "DEC")), start=1) for name in names}
_IN_WORDS = re.compile(r"(\d{1,2})(?:ER)? ([A-Z]+)\.? (\d{4})", re.ASCII)
_DAY_FIRST = re.compile(r"(\d{1,2})[-.](\d{1,2})[-.](\d{4})", re.ASCII)
# A spreadsheet's date cell written out with its time: "1985-03-12 00:00:00", "1985-03-12T00:00".
_WITH_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?", re.ASCII)


def read_date_fr(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a date typed the French way beyond JJ/MM/AAAA and AAAA-MM-JJ: "12 mars 1985",
    "1er févr. 1985", "12-03-1985", "12.03.1985", "1985-03-12 00:00:00"; None when it is none of these. The
    numbers are not checked against the calendar (the caller says which date does not exist)."""
    folded = " ".join(ascii_fold(text.upper()).split())
    if match := _IN_WORDS.fullmatch(folded):
        month = _MONTH_WORDS.get(match[2])
        return (int(match[3]), month, int(match[1])) if month else None
    if match := _DAY_FIRST.fullmatch(folded):
        return int(match[3]), int(match[2]), int(match[1])
    if match := _WITH_TIME.fullmatch(folded):
        return int(match[1]), int(match[2]), int(match[3])
    return None
