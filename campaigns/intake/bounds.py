"""Bounds that fit each value's meaning, checked once a row's fields are parsed (campaigns/intake/fields.py).

Procedure dates (stage, first arrear, hearing) lie between 1990 and two years ahead; birth dates between 1900 and
today; a closure is not dated beyond tomorrow; amounts lie between 0 and 1,000,000 €; a surname is a name, not
a placeholder such as « X » or « INCONNU ». Values beyond these bounds are row errors with their line, field and
French reason: they would otherwise reach the scheduling arithmetic (a hearing on 0001-01-01 overflowed it).
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from decimal import Decimal

from campaigns.planning.procedure_dates import PROCEDURE_FLOOR, procedure_ceiling

BIRTH_FLOOR = date(1900, 1, 1)
CLOSURE_DAYS_AHEAD = 1
AMOUNT_CEILING = Decimal(1_000_000)
AMOUNT_OUT_OF_BOUNDS = "montant hors limites : entre 0 et 1 000 000 €"
BIRTH_IN_FUTURE = "date de naissance dans le futur"
PLACEHOLDER_SURNAME = "nom de famille absent : une valeur de remplissage (X, INCONNU, NC…) n'est pas un nom"

PROCEDURE_DATES = {
    "date_stade": "date de stade",
    "date_premier_impaye": "date du premier impayé",
    "date_audience": "date d'audience",
}
BIRTH_DATES = ("date_naissance", "date_naissance_cotitulaire")

# Surnames written when the real one is unknown, compared on their letters only (case and accents ignored).
_PLACEHOLDER_LETTERS = frozenset({
    "INCONNU", "INCONNUE", "NC", "ND", "NR", "NEANT", "NONRENSEIGNE", "NONCOMMUNIQUE", "NONCONNU", "SANSNOM",
    "ACOMPLETER", "ARENSEIGNER", "NOMINCONNU", "ANONYME", "UNKNOWN", "NULL", "NONE",
})
_DIGITS = "0123456789"
_ASCII_NOT_ALNUM = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isalnum()))
# "N/A" and its spellings; "Na" alone is a real surname and stays accepted.
_PLACEHOLDER_SPELLINGS = frozenset({"N/A", "N.A", "N.A.", "#N/A"})


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def procedure_date_error(field: str, value: date, *, today: date) -> str | None:
    ceiling = procedure_ceiling(today)
    if PROCEDURE_FLOOR <= value <= ceiling:
        return None
    return f"{PROCEDURE_DATES[field]} hors limites : entre le {_fr(PROCEDURE_FLOOR)} et le {_fr(ceiling)}"


def birth_date_error(value: date, *, today: date) -> str | None:
    if value > today:
        return BIRTH_IN_FUTURE
    if value < BIRTH_FLOOR:
        return f"date de naissance hors limites : entre le {_fr(BIRTH_FLOOR)} et le {_fr(today)}"
    return None


def closure_date_error(value: date, *, today: date) -> str | None:
    latest = today + timedelta(days=CLOSURE_DAYS_AHEAD)
    if value <= latest:
        return None
    return f"date de clôture dans le futur : au plus tard le {_fr(latest)}"


def is_placeholder_surname(text: str) -> bool:
    """« X », « XX », « INCONNU », « NC », « N/A », « ? »: what is written when the surname is not known."""
    upper = text.upper()
    if "".join(upper.split()) in _PLACEHOLDER_SPELLINGS:
        return True
    if upper.isascii():
        # Every row's surname: ASCII has no decomposition, its letters are A-Z and its alphanumerics A-Z and 0-9.
        word = upper.translate(_ASCII_NOT_ALNUM)
        return not word.strip(_DIGITS) or not word.strip("X") or word in _PLACEHOLDER_LETTERS
    decomposed = unicodedata.normalize("NFKD", upper)
    letters = "".join(c for c in decomposed if c.isalpha())
    word = "".join(c for c in decomposed if c.isalnum())  # "Nom1" (a test file's name) is not the word "NOM"
    return not letters or set(word) == {"X"} or word in _PLACEHOLDER_LETTERS


def bound_errors(values: dict[str, object], *, today: date, closing: bool) -> list[tuple[str, str]]:
    """(field, reason) of the parsed values beyond their bounds; values refused earlier are not dates or texts."""
    errors: list[tuple[str, str]] = []
    for field in PROCEDURE_DATES:
        value = values.get(field)
        if isinstance(value, date):
            reason = closure_date_error(value, today=today) if closing and field == "date_stade" else None
            reason = reason or procedure_date_error(field, value, today=today)
            if reason is not None:
                errors.append((field, reason))
    for field in BIRTH_DATES:
        value = values.get(field)
        if isinstance(value, date) and (reason := birth_date_error(value, today=today)) is not None:
            errors.append((field, reason))
    surname = values.get("nom")
    if isinstance(surname, str) and is_placeholder_surname(surname):
        errors.append(("nom", PLACEHOLDER_SURNAME))
    return errors
