"""Person records for linkage: their normalised features, blocking keys and the keys' stored hashes."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from functools import lru_cache
from operator import attrgetter

from campaigns.crypto.cipher import Keyring
from campaigns.linkage import identity
from campaigns.linkage.identity import StreetParts
from campaigns.linkage.names import phonetic_key

_NON_DIGIT = re.compile(r"\D+")
# Intake stores phones as E.164 already: parsing them again with phonenumbers would cost ~30 µs a row.
_CANONICAL_FRENCH_PHONE = re.compile(r"\+33[1-9]\d{8}")


@dataclass(frozen=True, slots=True)
class NameForms:
    keys: frozenset[str]  # Glued spellings that count as identical (`name_keys`).
    forms: tuple[str, ...]  # Glued particle-free forms, compared with Jaro-Winkler.
    tokens: frozenset[str]
    prefixes: tuple[str, ...]  # `_phonetic_prefix` of each form, for the blocking keys
    sounds: frozenset[str] = frozenset()  # `names.phonetic_key` of each form, for the comparison levels
    initials: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()  # the words in their order (first names: for initials and short forms)


@lru_cache(maxsize=8_192)
def surname_forms(value: str | None) -> NameForms | None:
    parts = identity.split_usage_names(value)
    candidates = parts.candidates
    if not candidates:
        return None
    keys = frozenset().union(*[identity.name_keys(c) for c in candidates])
    normalised = [identity.normalise_name(c).split() for c in candidates]
    forms = tuple(dict.fromkeys(["".join(words) for words in normalised]))
    tokens = frozenset([t for words in normalised for t in words])
    return NameForms(keys, forms, tokens, tuple([_phonetic_prefix(form) for form in forms]),
                     frozenset([phonetic_key(form) for form in forms]), frozenset([form[:1] for form in forms]),
                     tuple(normalised[0]))


@lru_cache(maxsize=8_192)
def first_name_forms(value: str | None) -> NameForms | None:
    normalised = identity.normalise_name(value)
    if not normalised:
        return None
    glued = normalised.replace(" ", "")
    words = tuple(normalised.split())
    # The same first names in another order ("Aïssatou Mariam", "MARIAM AISSATOU"): partners list them as the
    # civil status does, or the usual one first. One spelling.
    keys = identity.name_keys(value) | {"".join(sorted(words))}
    return NameForms(keys, (glued,), frozenset(words), (_phonetic_prefix(glued),),
                     frozenset((phonetic_key(glued),)), frozenset((glued[:1],)), words)


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

    prenom: str | None = None  # optional: a missing first name is neutral (campaigns/linkage/levels.py)
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
        try:
            values = _RECORD_VALUES(row)  # a SignalementRow or a Case: every field, in one C call
        except AttributeError:
            values = tuple(getattr(row, name, None) for name in RECORD_FIELDS)
        return cls(**dict(zip(RECORD_FIELDS, values, strict=True)))

    def _features(self) -> RecordFeatures:
        # A surname field may hold the first name too ("NOM Prénom"): identity.split_full_name takes it out.
        nom, prenom = identity.split_full_name(self.nom, self.prenom)
        people = [PersonFeatures(surname_forms(nom), first_name_forms(prenom), self.date_naissance)]
        nom_co, prenom_co = identity.split_full_name(self.nom_cotitulaire, self.prenom_cotitulaire)
        if prenom_co:
            # A co-titulaire without a surname of their own is filed under the titulaire's.
            people.append(PersonFeatures(surname_forms(nom_co or nom), first_name_forms(prenom_co),
                                         self.date_naissance_cotitulaire))
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


# The identifying fields, as named on a SignalementRow and a Case.
RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(PersonRecord) if f.init)
_RECORD_VALUES = attrgetter(*RECORD_FIELDS)
_SILENT_H = re.compile(r"(?<![CS])H")
_SOUNDS = str.maketrans("YWKQ", "IVCC")


def _phonetic_prefix(glued: str) -> str:
    """First 4 letters after a light French phonetic folding (ph=f, y=i, k/q=c, silent h, doubled letters)."""
    folded = _SILENT_H.sub("", glued.replace("PH", "F").translate(_SOUNDS))
    # One letter of each run, as `re.sub(r"(.)\1+", r"\1")` would give, stopping at the fourth.
    prefix = folded[:1]
    for letter in folded[1:]:
        if letter != prefix[-1]:
            prefix += letter
            if len(prefix) == 4:
                break
    return prefix


def blocking_keys(record: PersonRecord) -> set[str]:
    """Candidate-pair keys: records sharing one key are compared. Small blocks, yet every true pair shares one.

    Per person (titulaire and co-titulaire): place + phonetic prefix of each surname (birth and usage names);
    place + unordered prefixes of nom and prénom (inverted fields); birth date + initial of the prénom or of the
    nom (inverted fields), also with day and month swapped. Per household: place + house number + the first three
    letters of the street's longest word; phone; e-mail; allocataire number + département. Place is the
    département, else the commune.

    These are the comparison's blocking classes. The store keeps combinations of them (`stored_keys`).
    """
    f = record.features
    place = f.department or f.commune
    keys: set[str] = set()
    for person in f.people:
        surnames = person.nom.prefixes if person.nom else ()
        first = person.prenom.prefixes[0] if person.prenom else ""
        if place:
            for prefix in surnames:
                keys.add(f"nom|{place}|{prefix}")
                if first:
                    low, high = sorted((prefix, first))
                    keys.add(f"noms|{place}|{low}|{high}")
        for day, _swapped in _birth_days(person):
            keys.update(f"naissance|{day}|{initial}" for initial in _initials(person))
    address = _address(f)
    if address:
        keys.add(f"adresse|{address}")
    return keys | set(_household_keys(f))


class KeyKind(IntEnum):
    """How a stored key is used."""

    PROBE = 1  # looked up: a record sharing one is a candidate
    # The swapped day/month variant of a birth key: stored so that a record with the swapped date finds this
    # one through its own-date key, never looked up itself (it would only find the same records twice).
    STORED_ONLY = 2


# Plain ints in the per-row dicts: CPython's garbage collector then never scans them (enum members are objects).
_PROBE, _STORED_ONLY = KeyKind.PROBE.value, KeyKind.STORED_ONLY.value
BlockingKeys = dict[int, int]  # {key hash: KeyKind value}


def _birth_days(person: PersonFeatures) -> list[tuple[str, bool]]:
    born = person.born
    if born is None:
        return []
    days = [(born.isoformat(), False)]
    if born.day != born.month and born.day <= 12:
        days.append((born.replace(day=born.month, month=born.day).isoformat(), True))
    return days


def _initials(person: PersonFeatures) -> set[str]:
    names = (*(person.nom.forms if person.nom else ()), *(person.prenom.forms if person.prenom else ()))
    return {name[0] for name in names if name}


# Letters of the street's longest word kept in the address key: a typo further on, or the word glued to the next one
# ("CUTLACKSTREET", "PARTRIDGQE"), still gives the key; the number and the place keep the block small.
STREET_KEY_LETTERS = 3


def _address(f: RecordFeatures) -> str:
    street, place = f.street, f.department or f.commune
    if place and street and street.tokens:
        # No number (a lieu-dit, a hamlet): the place and its name, "SN" (sans numéro) for the number.
        word = max(street.tokens, key=lambda t: (len(t), t))[:STREET_KEY_LETTERS]
        return f"{place}|{street.number or 'SN'}|{word}"
    return ""


def _household_keys(f: RecordFeatures) -> Iterator[str]:
    if f.phone:
        yield f"tel|{f.phone}"
    if f.email:
        yield f"mail|{f.email}"
    if f.allocataire:
        yield f"allocataire|{f.department}|{f.allocataire}"


def stored_keys(record: PersonRecord) -> Iterator[tuple[str, int]]:
    """The keys kept in `block_keys`: each one alone makes a candidate, and stays a small block at a million
    households (birth date + one initial would gather ~40 people per date, most of them strangers).

    Per person: birth date + two phonetic letters of prénom and nom (unordered: inverted fields), birth date + address
    (a typo in a name); address + the phonetic prefix of the nom, and of the prénom, one name at a time (no birth
    date needed: the same person, or a namesake living there). Per household: address + flat (co-tenants pushed
    one by one); phone; e-mail; allocataire number + département. Birth date + names also with day and month swapped
    (stored only).
    """
    f = record.features
    address = _address(f)
    if address:
        for flat in f.complement:
            if flat.startswith("APPT"):
                yield f"logement|{address}|{flat}", _PROBE
    for person in f.people:
        first_prefix = person.prenom.prefixes[0] if person.prenom else ""
        surnames = list(zip(person.nom.forms, person.nom.prefixes, strict=True)) if person.nom else [("", "")]
        names = {first_prefix, *(prefix for form, prefix in surnames if form)} - {""}
        for day, swapped in _birth_days(person):
            kind = _STORED_ONLY if swapped else _PROBE
            for prefix in names:
                # Birth date + the phonetic prefix of one name at a time, whichever field holds it (inverted
                # fields): a typo in the other name, or that name missing, still meets the record. At a million
                # households a date gathers ~70 people; a four-letter prefix leaves one or two strangers a block.
                yield f"naissance1|{day}|{prefix}", kind
            if address and not swapped:  # a swapped date and a typo in both initials: too rare to store
                yield f"naissance_adresse|{day}|{address}", kind
        if address:
            # One name at a time: a typo in the other name (or in both birth-date initials, or no birth date at
            # all) still meets the record at its address.
            for prefix in names:
                yield f"foyer1|{address}|{prefix}", _PROBE
    for key in _household_keys(f):
        yield key, _PROBE


def hashed_keys(record: PersonRecord, keyring: Keyring) -> BlockingKeys:
    """The record's stored keys: {32-bit keyed hash: KeyKind value}.

    Keys hold names and birth dates, so only a keyed hash is stored: the first 4 bytes of their HMAC with the blind
    index key (CHAINE_BLIND_INDEX_KEY), as a signed INTEGER; without the key, a stolen database cannot be asked
    whether a name and a birth date are in it (docs/security.md). 32 bits keep the index a third smaller than 64
    (20 bytes an entry instead of 28: at a million households it is what decides whether the index stays in
    memory); the price is a stray candidate for about one row in a hundred at that size, which `compare` turns down.
    """
    return {keyring.blind_key32(key): kind for key, kind in stored_keys(record)}
