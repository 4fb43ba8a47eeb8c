"""French formats shared by letters, pages, round sheets and reports: dates in words, amounts in euros and phone
numbers."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

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
