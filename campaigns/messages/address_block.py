"""The postal address block of a letter, by NF Z10-011 and La Poste (docs/campaigns.md, "Address block").

At most six lines of at most 38 characters, from the most personal to the most general:

1. civility and name of the addressee, once (a co-holder on the same line when it fits, else on the next);
2. "aux bons soins de" the mandataire (tutor, curator) where there is one;
3. complement: building, staircase, flat;
4. number and street;
5. lieu-dit (or a special distribution service: BP, TSA);
6. postcode and commune (CEDEX), in capitals without accents, hyphens or apostrophes.

Too long a line is shortened the way La Poste does it, never cut in the middle of a word when avoidable: first
names to initials, civilities and street types to their official abbreviations, then whole words dropped from the
end. Too many lines: the co-holder joins the holder's line (or is left to the letter's salutation), the complements
share one line. Pure functions: no database, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from campaigns.locale.text import strip_accents

__all__ = ["MAX_LINES", "MAX_LINE_LENGTH", "UNKNOWN_CIVILITY", "Addressee", "PostalAddress", "address_block",
           "parse_postal_lines", "person_line", "postcode_line"]

MAX_LINES = 6
MAX_LINE_LENGTH = 38
UNKNOWN_CIVILITY = "M. ou Mme"

_CIVILITIES = {"madame": "Mme", "mme": "Mme", "monsieur": "M.", "m.": "M.", "m": "M.", "mademoiselle": "Mme",
               "mlle": "Mme"}
# La Poste's abbreviations of street types and address words (used only when a line is too long).
_ABBREVIATIONS = {
    "allee": "ALL", "appartement": "APT", "avenue": "AV", "batiment": "BAT", "boulevard": "BD", "chemin": "CHE",
    "escalier": "ESC", "etage": "ETG", "faubourg": "FG", "hameau": "HAM", "immeuble": "IMM", "impasse": "IMP",
    "lotissement": "LOT", "place": "PL", "quartier": "QUA", "residence": "RES", "route": "RTE", "saint": "ST",
    "sainte": "STE", "square": "SQ", "cours": "CRS", "porte": "PTE", "prolongee": "PRO", "rond-point": "RPT",
    "docteur": "DR", "general": "GAL", "marechal": "MAL", "president": "PDT", "professeur": "PR",
}
_LINKING_WORDS = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "sur", "en"})
_POSTCODE = re.compile(r"^(?P<postcode>\d{5})\s+(?P<commune>.+?)(?:\s+(?P<cedex>CEDEX(?:\s+\d{1,2})?))?$",
                       re.IGNORECASE)
_SPACES = re.compile(r"\s+")
# Special distribution services (boîte postale, TSA, course spéciale): La Poste's line 5, like a lieu-dit.
_DISTRIBUTION = re.compile(r"^(BP|B\.P\.|TSA|CS)\s*\d+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Addressee:
    """A person the letter is for; `civility` is "Madame", "Monsieur" (or already abbreviated), or empty."""

    last_name: str
    first_name: str = ""
    civility: str = ""


@dataclass(frozen=True, slots=True)
class PostalAddress:
    street: str
    postcode: str
    commune: str
    # Building, staircase, flat: one or two lines as the partner wrote them.
    complements: tuple[str, ...] = ()
    lieu_dit: str = ""
    # "CEDEX" or "CEDEX 9": the address of an organisation's special distribution service.
    cedex: str = ""


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" ,;")


def _civility(value: str) -> str:
    cleaned = _clean(value)
    return _CIVILITIES.get(cleaned.lower(), cleaned)


def _initials(first_name: str) -> str:
    """"Jean-Pierre" → "J.-P.", "Marie Anne" → "M. A."."""
    words = []
    for word in first_name.split():
        words.append("-".join(f"{part[0].upper()}." for part in word.split("-") if part))
    return " ".join(words)


def _person(person: Addressee, *, initials: bool = False, with_last_name: bool = True) -> str:
    first = _initials(person.first_name) if initials else _clean(person.first_name)
    last = _clean(person.last_name).upper() if with_last_name else ""
    return _clean(" ".join(part for part in (_title(person), first, last) if part))


def _title(person: Addressee) -> str:
    """The civility; for a person known by the family name only (no first name, no civility: the first name is
    optional at intake), "M. ou Mme", as French mail writes an unknown civility: never the bare « DUPONT »."""
    civility = _civility(person.civility)
    if civility or _clean(person.first_name) or not _clean(person.last_name):
        return civility
    return UNKNOWN_CIVILITY


def _fit_words(text: str) -> str:
    """Whole words dropped from the end until the line fits; a single word too long is cut."""
    text = _clean(text)
    if len(text) <= MAX_LINE_LENGTH:
        return text
    words = text.split(" ")
    while len(words) > 1 and len(" ".join(words)) > MAX_LINE_LENGTH:
        words.pop()
    while len(words) > 1 and words[-1].lower() in _LINKING_WORDS:
        words.pop()  # "… UDAF de" reads as a mistake
    return " ".join(words)[:MAX_LINE_LENGTH].rstrip(" ,;-")


def _abbreviated(text: str) -> str:
    """Street types and address words replaced by La Poste's abbreviations, only if the line is too long."""
    text = _clean(text)
    if len(text) <= MAX_LINE_LENGTH:
        return text
    words = [_ABBREVIATIONS.get(strip_accents(word).lower().rstrip(","), word) for word in text.split(" ")]
    return _fit_words(" ".join(words))


def _cut_name(text: str) -> str:
    """A family name too long even alone: cut at a hyphen or space when one falls late enough, else hard."""
    if len(text) <= MAX_LINE_LENGTH:
        return text
    head = text[:MAX_LINE_LENGTH]
    cut = max(head.rfind("-"), head.rfind(" "))
    return (head[:cut] if cut >= MAX_LINE_LENGTH // 2 else head).rstrip(" -")


def _person_forms(person: Addressee) -> list[str]:
    """The ways to write a person, longest first: full, first names as initials, civility and family name."""
    forms = [_person(person), _person(person, initials=True),
             _clean(" ".join(part for part in (_title(person), _clean(person.last_name).upper()) if part))]
    if _title(person) == UNKNOWN_CIVILITY:  # a long family name alone rather than cut
        forms.append(_clean(person.last_name).upper())
    return list(dict.fromkeys(form for form in forms if form))


def _fitted(person: Addressee) -> str:
    return next((form for form in _person_forms(person) if len(form) <= MAX_LINE_LENGTH),
                _cut_name(_person_forms(person)[-1]))


def person_line(person: Addressee) -> str:
    """A person's name as the block's first line writes it alone ("Aïcha BENALI", "M. ou Mme BENALI")."""
    return _fitted(person)


def _name_lines(holder: Addressee, co_holder: Addressee | None, *, room: int) -> list[str]:
    """The holder (and co-holder) on one line, or on two if `room` allows and one does not fit."""
    if co_holder is None:
        return [_fitted(holder)]
    same_name = _clean(co_holder.last_name).upper() == _clean(holder.last_name).upper()
    if same_name and _clean(holder.first_name) and _clean(co_holder.first_name):
        # "Mamadou et Awa DIALLO": one family name for both (each with a first name: "M. ou Mme et Awa DIALLO"
        # would not read).
        for initials in (False, True):
            first = _person(holder, initials=initials, with_last_name=False)
            joined = f"{first} et {_person(co_holder, initials=initials)}"
            if len(joined) <= MAX_LINE_LENGTH:
                return [joined]
    # Full names on one line, else on two, before any initial: "M. DIALLO" would read as "Monsieur".
    for main, other in zip(_person_forms(holder), _person_forms(co_holder), strict=False):
        if len(joined := f"{main} et {other}") <= MAX_LINE_LENGTH:
            return [joined]
        if room >= 2 and len(main) <= MAX_LINE_LENGTH and len(f"et {other}") <= MAX_LINE_LENGTH:
            return [main, f"et {other}"]
    if room >= 2:
        return [_fitted(holder), _cut_name(f"et {_fitted(co_holder)}")]
    # No room for the co-holder: the letter's salutation addresses both.
    return [_fitted(holder)]


def _care_of_line(mandataire: str) -> str:
    """"Aux bons soins de" the mandataire, "a/s de" when the whole phrase does not fit."""
    full = f"Aux bons soins de {_clean(mandataire)}"
    return full if len(full) <= MAX_LINE_LENGTH else _fit_words(f"a/s de {_clean(mandataire)}")


def postcode_line(postcode: str, commune: str, cedex: str = "") -> str:
    """"44000 NANTES", "44300 ST HERBLAIN CEDEX 9": capitals, no accents, no hyphen or apostrophe (postal norm)."""
    town = _clean(re.sub(r"[-'’]", " ", strip_accents(commune))).upper()
    tail = _clean(strip_accents(cedex)).upper()
    room = MAX_LINE_LENGTH - len(postcode) - 1 - (len(tail) + 1 if tail else 0)
    if len(town) > room:
        town = " ".join(_ABBREVIATIONS.get(word.lower(), word) for word in town.split(" "))
    while len(town) > room and " " in town:
        town = town.rsplit(" ", 1)[0]
    town = town[:room].rstrip()
    return " ".join(part for part in (postcode.strip(), town, tail) if part)


def address_block(holder: Addressee | str, address: PostalAddress, *, co_holder: Addressee | None = None,
                  care_of: str = "") -> tuple[str, ...]:
    """The lines of the block, each ≤ 38 characters, ≤ 6 lines, none repeated. `holder` is a person or the name
    of an organisation (a landlord); `care_of` the mandataire of a protected adult."""
    tail = [_abbreviated(address.street)] if _clean(address.street) else []
    if _clean(address.lieu_dit):
        tail.append(_abbreviated(address.lieu_dit))
    tail.append(postcode_line(address.postcode, address.commune, address.cedex))
    care = [_care_of_line(care_of)] if _clean(care_of) else []
    complements = [_abbreviated(line) for line in address.complements if _clean(line)]
    room = MAX_LINES - len(tail) - len(care) - len(complements)
    if room < 1 and complements:
        complements = [_abbreviated(" ".join(_clean(line) for line in complements))]
        room = MAX_LINES - len(tail) - len(care) - 1
    names = [_fit_words(holder)] if isinstance(holder, str) else _name_lines(holder, co_holder, room=max(room, 1))
    lines = [*names, *care, *complements, *tail]
    unique: list[str] = []
    for line in lines:
        if line and line.casefold() not in (seen.casefold() for seen in unique):
            unique.append(line)
    if len(unique) > MAX_LINES:  # not reached with the merges above; the postal lines are the ones to keep
        unique = unique[:MAX_LINES - len(tail)] + unique[-len(tail):]
    return tuple(unique)


def parse_postal_lines(lines: Sequence[str]) -> PostalAddress | None:
    """An address typed as free lines (a partner's contact address): the last line "CP Commune [CEDEX n]", the line
    before it the street, any earlier line a complement. None when no line ends with a postcode and commune."""
    kept = [_clean(line) for line in lines if _clean(line)]
    if len(kept) < 2:
        return None
    match = _POSTCODE.match(kept[-1])
    if match is None:
        return None
    before = kept[:-1]
    lieu_dit = before.pop() if len(before) >= 2 and _DISTRIBUTION.match(before[-1]) else ""
    return PostalAddress(street=before[-1], postcode=match["postcode"], commune=match["commune"],
                         complements=tuple(before[:-1]), lieu_dit=lieu_dit, cedex=match["cedex"] or "")
