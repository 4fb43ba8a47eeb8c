"""Person records for linkage: their normalised features, blocking keys and the keys' stored hashes."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from functools import lru_cache
from typing import Any

from campaigns import identity
from campaigns.identity import StreetParts

_NON_DIGIT = re.compile(r"\D+")
# Intake stores phones as E.164 already: parsing them again with phonenumbers would cost ~30 µs a row.
_CANONICAL_FRENCH_PHONE = re.compile(r"\+33[1-9]\d{8}")


@dataclass(frozen=True, slots=True)
class NameForms:
    keys: frozenset[str]  # Glued spellings that count as identical (`name_keys`).
    forms: tuple[str, ...]  # Glued particle-free forms, compared with Jaro-Winkler.
    tokens: frozenset[str]
    prefixes: tuple[str, ...]  # `_phonetic_prefix` of each form, for the blocking keys


@lru_cache(maxsize=8_192)
def surname_forms(value: str | None) -> NameForms | None:
    parts = identity.split_usage_names(value)
    candidates = parts.candidates
    if not candidates:
        return None
    keys = frozenset().union(*(identity.name_keys(c) for c in candidates))
    forms = tuple(dict.fromkeys(identity.normalise_name(c).replace(" ", "") for c in candidates))
    tokens = frozenset(t for c in candidates for t in identity.normalise_name(c).split())
    return NameForms(keys, forms, tokens, tuple(_phonetic_prefix(form) for form in forms))


@lru_cache(maxsize=8_192)
def first_name_forms(value: str | None) -> NameForms | None:
    normalised = identity.normalise_name(value)
    if not normalised:
        return None
    glued = normalised.replace(" ", "")
    return NameForms(identity.name_keys(value), (glued,), frozenset(normalised.split()), (_phonetic_prefix(glued),))


@dataclass(frozen=True, slots=True)
class PersonFeatures:
    nom: NameForms | None
    prenom: NameForms | None
    born: date | None


@dataclass(frozen=True, slots=True)
class RecordFeatures:
    people: tuple[PersonFeatures, ...]  # The titulaire, then the co-titulaire when there is one.
    street: StreetParts | None
    complement: frozenset[str]
    commune: str
    postcode: str
    department: str
    phone: str | None
    mobile: bool
    email: str | None
    allocataire: str | None


def _department(code_postal: str | None) -> str:
    try:
        return identity.postcode_department(code_postal) if code_postal else ""
    except ValueError:
        return ""


def _phone(value: str | None) -> tuple[str | None, bool]:
    """(E.164 phone, is a mobile)."""
    if value and _CANONICAL_FRENCH_PHONE.fullmatch(value):
        return value, value[3] in "67"
    phone = identity.normalise_phone(value)
    return phone, identity.is_french_mobile(phone)


@dataclass(frozen=True, kw_only=True, slots=True)
class PersonRecord:
    """The identifying fields of one pushed row: the titulaire, an optional co-titulaire and their household."""

    prenom: str
    nom: str | None = None
    date_naissance: date | None = None
    nom_cotitulaire: str | None = None
    prenom_cotitulaire: str | None = None
    date_naissance_cotitulaire: date | None = None
    adresse: str | None = None
    complement_adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    telephone: str | None = None
    email: str | None = None
    numero_allocataire: str | None = None
    # Normalised once per record, when it is made: `compare` runs many times on the same records.
    features: RecordFeatures = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", self._features())

    @classmethod
    def from_row(cls, row: object) -> PersonRecord:
        """From an intake `SignalementRow` or any object with the same attribute names (missing ones are None)."""
        values: dict[str, Any] = {name: getattr(row, name, None) for name in _RECORD_FIELDS}
        values["prenom"] = values["prenom"] or ""
        return cls(**values)

    def _features(self) -> RecordFeatures:
        people = [PersonFeatures(surname_forms(self.nom), first_name_forms(self.prenom), self.date_naissance)]
        if self.prenom_cotitulaire:
            # A co-titulaire without a surname of their own is filed under the titulaire's.
            people.append(PersonFeatures(surname_forms(self.nom_cotitulaire or self.nom),
                                         first_name_forms(self.prenom_cotitulaire), self.date_naissance_cotitulaire))
        street = identity.normalise_street(self.adresse) if self.adresse else None
        phone, mobile = _phone(self.telephone)
        allocataire = _NON_DIGIT.sub("", self.numero_allocataire or "").lstrip("0") or None
        return RecordFeatures(
            people=tuple(people),
            street=street if street and (street.street_name or street.number) else None,
            complement=identity.complement_tokens(self.complement_adresse) | (street.complement if street else set()),
            commune=identity.normalise_commune(self.commune),
            postcode=(self.code_postal or "").strip(),
            department=_department(self.code_postal),
            phone=phone,
            mobile=mobile,
            email=(self.email or "").strip().lower() or None,
            allocataire=allocataire,
        )


_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(PersonRecord) if f.init)
_DOUBLED = re.compile(r"(.)\1+")
_SILENT_H = re.compile(r"(?<![CS])H")
_SOUNDS = str.maketrans("YWKQ", "IVCC")


def _phonetic_prefix(glued: str) -> str:
    """First 4 letters after a light French phonetic folding (ph=f, y=i, k/q=c, silent h, doubled letters)."""
    return _DOUBLED.sub(r"\1", _SILENT_H.sub("", glued.replace("PH", "F").translate(_SOUNDS)))[:4]


def blocking_keys(record: PersonRecord) -> set[str]:
    """Candidate-pair keys: records sharing one key are compared. Small blocks, yet every true pair shares one.

    Per person (titulaire and co-titulaire): place + phonetic prefix of each surname (birth and usage names);
    place + unordered prefixes of nom and prénom (inverted fields); birth date + initial of the prénom or of the
    nom (inverted fields), also with day and month swapped. Per household: place + house number + longest word
    of the street; phone; e-mail; allocataire number + département. Place is the département, else the commune.
    """
    return {key for key, _kind in _keys(record, names=True) if not key.startswith(_STORE_ONLY)}


class KeyKind(IntEnum):
    """What sharing a stored key says about two records (`linkage_store.enough_evidence`)."""

    BIRTH = 1  # naissance: a birth date and an initial; two of them, or one and the address, make a candidate
    STRONG = 2  # enough on its own: phone, e-mail, CAF number, address + names, address + flat
    ADDRESS = 3  # adresse: house number and street word; evidence next to a birth key, never read as a block
    NAME = 4  # nom, noms: in `blocking_keys` only, not stored (a surname prefix alone is shared by thousands)
    # naissance with day and month swapped: stored so that a swapped record finds this one, never probed (the
    # record's own-date keys meet the other's swapped ones), so each shared initial counts once.
    BIRTH_SWAPPED = 5


# Plain ints in the per-row dicts: CPython's garbage collector then never scans them (enum members are objects).
_BIRTH, _STRONG, _ADDRESS, _NAME, _SWAPPED = (k.value for k in KeyKind)
BlockingKeys = dict[int, int]  # {key hash: KeyKind value}
_STORE_ONLY = ("foyer|", "logement|")


def _keys(record: PersonRecord, *, names: bool) -> Iterator[tuple[str, int]]:
    """`blocking_keys` (name keys only if `names`) and the composite keys that only the store uses."""
    f = record.features
    place = f.department or f.commune
    street = f.street
    address = ""
    if place and street and street.number and street.tokens:
        address = f"{place}|{street.number}|{max(street.tokens, key=lambda t: (len(t), t))}"
        yield f"adresse|{address}", _ADDRESS
        for flat in f.complement:
            if flat.startswith("APPT"):
                # One dwelling: co-tenants pushed one by one, whatever their names.
                yield f"logement|{address}|{flat}", _STRONG
    for person in f.people:
        surnames = tuple(zip(person.nom.forms, person.nom.prefixes, strict=True)) if person.nom else ()
        first, first_prefix = (person.prenom.forms[0], person.prenom.prefixes[0]) if person.prenom else ("", "")
        for _form, prefix in surnames:
            if place and names:
                yield f"nom|{place}|{prefix}", _NAME
            if first and (address or (place and names)):
                low, high = sorted((prefix, first_prefix))
                if place and names:
                    yield f"noms|{place}|{low}|{high}", _NAME
                if address:
                    # One dwelling and one person's names, in either order: the same person without a birth
                    # date (possibly with nom and prénom inverted), or a namesake living there (a review).
                    yield f"foyer|{address}|{low}|{high}", _STRONG
        born = person.born
        if born:
            dates = [born.isoformat()]
            if born.day != born.month and born.day <= 12:
                dates.append(born.replace(day=born.month, month=born.day).isoformat())
            for initial in {n[0] for n in (first, *(form for form, _ in surnames)) if n}:
                for day, kind in zip(dates, (_BIRTH, _SWAPPED), strict=False):
                    yield f"naissance|{day}|{initial}", kind
    if f.phone:
        yield f"tel|{f.phone}", _STRONG
    if f.email:
        yield f"mail|{f.email}", _STRONG
    if f.allocataire:
        yield f"allocataire|{f.department}|{f.allocataire}", _STRONG


def hashed_keys(record: PersonRecord) -> BlockingKeys:
    """The record's keys as stored: {64-bit hash: kind}, name keys left out.

    Keys hold names and birth dates, so only a hash is stored: the first 8 bytes of their SHA-256, as a signed
    BIGINT. A collision (about 1 in 10^6 over ten million keys) only adds a candidate that `compare` rejects.
    """
    return {_hash(key): kind for key, kind in _keys(record, names=False)}


def _hash(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
