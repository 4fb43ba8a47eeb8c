"""French normalisation of names, addresses and phones for record linkage."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Literal

import phonenumbers

from campaigns.linkage.names import (
    CACHE_ENTRIES,
    PARTICLES,
    NameParts,
    name_keys,
    name_tokens,
    normalise_name,
    split_full_name,
    split_usage_names,
)
from campaigns.locale.addresses import (
    STREET_TYPES,
    CommuneParts,
    StreetParts,
    commune_parts,
    complement_tokens,
    extract_complement,
    normalise_commune,
    normalise_street,
    postcode_department,
    postcode_typo,
)
from campaigns.locale.text import fold

__all__ = [
    "PARTICLES",
    "STREET_TYPES",
    "CommuneParts",
    "DateAgreement",
    "NameParts",
    "StreetParts",
    "birth_date_agreement",
    "commune_parts",
    "complement_tokens",
    "extract_complement",
    "fold",
    "is_french_mobile",
    "name_keys",
    "name_tokens",
    "normalise_commune",
    "normalise_name",
    "normalise_phone",
    "normalise_street",
    "postcode_department",
    "postcode_typo",
    "split_full_name",
    "split_usage_names",
]

_E164 = phonenumbers.PhoneNumberFormat.E164
_MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


@lru_cache(maxsize=CACHE_ENTRIES)
def normalise_phone(value: str | None) -> str | None:
    """E.164 form of a phone number read as French unless it has a country code; None when invalid.

    "+33 6 12 34 56 78", "0033612345678", "06.12.34.56.78", "06-12-34-56-78", "+33 (0)6 12 34 56 78" all give
    "+33612345678". Parsing costs ~30 µs, hence the cache: records are normalised once, compared many times.
    """
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, _E164)


@lru_cache(maxsize=65_536)
def is_french_mobile(e164: str | None) -> bool:
    """True for a valid French mobile (06/07): a mobile is personal, a landline is shared by the household."""
    if not e164 or not e164.startswith("+33"):
        return False
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in _MOBILE_TYPES


DateAgreement = Literal["equal", "day_month_swapped", "one_digit", "one_missing", "both_missing", "different"]


def birth_date_agreement(a: date | None, b: date | None) -> DateAgreement:
    """How two birth dates agree.

    "day_month_swapped": same year, a's day is b's month and the reverse (12/03 vs 03/12; never when day = month).
    "one_digit": one digit differs in the DDMMYYYY spelling (1985 vs 1986, 12 vs 13), a keying error.
    """
    if a is None or b is None:
        return "both_missing" if a is None and b is None else "one_missing"
    if a == b:
        return "equal"
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return "day_month_swapped"  # a.day != a.month here, otherwise a == b.
    if (a.day != b.day) + (a.month != b.month) + (a.year != b.year) == 1:
        # Only the one differing component is spelled out: this runs for most compared pairs.
        x, y = (a.day, b.day) if a.day != b.day else (a.month, b.month) if a.month != b.month else (a.year, b.year)
        if sum(p != q for p, q in zip(f"{x:04d}", f"{y:04d}", strict=True)) == 1:
            return "one_digit"
    return "different"
