"""French person-name normalisation for record linkage: folding, particles, birth and usage names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from campaigns.locale.text import NORMALISATION_CACHE_ENTRIES, fold

CACHE_ENTRIES = NORMALISATION_CACHE_ENTRIES
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_FOLDED = re.compile(r"[A-Z0-9 ]+")  # what `fold` and the punctuation split leave unchanged
# An elided letter before a name: d'/l' are particles, other letters are part of the name (N'Diaye, M'Bappé, O'Brien).
_ELISION = re.compile(r"\b([A-Z])'\s*(?=[A-Z])")

PARTICLES: frozenset[str] = frozenset({"DE", "DU", "DES", "LE", "LA", "D", "L", "VAN", "VON", "DA", "DI"})
# Only the "de" family is dropped for the glued key: "de la Fontaine" is filed as LAFONTAINE, "Le Goff" as LEGOFF.
_DE_PARTICLES = frozenset({"DE", "DU", "DES", "D"})
_SAINTS = {"ST": "SAINT", "STE": "SAINTE"}
_SAINTS_SHORT = {"SAINT": "ST", "SAINTE": "STE"}
CIVILITIES: frozenset[str] = frozenset(
    {"M", "MR", "MME", "MMES", "MM", "MLLE", "MLLES", "MONSIEUR", "MADAME", "MADEMOISELLE"}
)
# Markers of the French "nom de naissance / nom d'usage" spellings, by the role of the name that follows them.
_BIRTH_MARKERS = frozenset({"NEE", "NE"})
_USAGE_MARKERS = frozenset({"EPOUSE", "EPSE", "EP", "VEUVE", "VVE", "DIVORCEE", "DIVORCE", "DIV"})


def _glue_elision(match: re.Match[str]) -> str:
    letter = match[1]
    return f"{letter} " if letter in "DL" else letter


@lru_cache(maxsize=CACHE_ENTRIES)
def name_tokens(value: str | None) -> tuple[str, ...]:
    """Every word of a name, particles included: "de la Fontaine" -> ('DE', 'LA', 'FONTAINE').

    Hyphens and apostrophes separate tokens, except after an elided letter that is not a particle:
    "N'Diaye" -> ('NDIAYE',), "d'Arc" -> ('D', 'ARC'). "St"/"Ste" are spelled out as SAINT/SAINTE.
    """
    if not value:
        return ()
    if _FOLDED.fullmatch(value):
        # Already folded words (a name in capitals, or the candidates `split_usage_names` joins from tokens):
        # folding, elision and punctuation change nothing, only the spaces split. The same tokens, a third the cost.
        return tuple([_SAINTS.get(t, t) for t in value.split()])
    return folded_tokens(value)


def folded_tokens(value: str) -> tuple[str, ...]:
    """`name_tokens` of any value, by the general rule (folded, elisions glued, split at punctuation)."""
    text = _ELISION.sub(_glue_elision, fold(value))
    return tuple(_SAINTS.get(t, t) for t in _NON_ALNUM.sub(" ", text).split())


def _drop_civilities(tokens: tuple[str, ...]) -> tuple[str, ...]:
    start = 0
    while start < len(tokens) - 1 and tokens[start] in CIVILITIES:
        start += 1
    return tokens[start:]


def _significant(tokens: tuple[str, ...]) -> tuple[str, ...]:
    # A name made of particles only ("Le", Vietnamese "Lê Van") is kept whole rather than erased.
    kept = tuple(t for t in tokens if t not in PARTICLES)
    return kept or tokens


@lru_cache(maxsize=CACHE_ENTRIES)
def normalise_name(value: str | None) -> str:
    """Comparison form of a name: folded, leading civility and particles removed, single spaces.

    "Jean-Pierre" -> "JEAN PIERRE", "Hélène" -> "HELENE", "N'Diaye" -> "NDIAYE", "Mme de la Fontaine" -> "FONTAINE".
    """
    return " ".join(_significant(_drop_civilities(name_tokens(value))))


@lru_cache(maxsize=CACHE_ENTRIES)
def name_keys(value: str | None) -> frozenset[str]:
    """The glued spellings under which a name counts as identical (no spaces).

    Particle-free ("de la Fontaine" -> FONTAINE), all tokens ("Le Goff" -> LEGOFF = "LEGOFF") and all but the de
    family ("de la Fontaine" -> LAFONTAINE = "Lafontaine"). So "Le Goff" = "LEGOFF" and "de la Fontaine" =
    "Lafontaine", while "Goff" alone only meets "Le Goff" through the particle-free key.
    """
    tokens = _drop_civilities(name_tokens(value))
    if not tokens:
        return frozenset()
    keys = {"".join(_significant(tokens)), "".join(tokens)}
    without_de = tuple(t for t in tokens if t not in _DE_PARTICLES)
    if without_de:
        keys.add("".join(without_de))
    if any(t in _SAINTS_SHORT for t in tokens):
        # "StPierre" is one glued word that cannot be spelled out: "Saint-Pierre" also counts as STPIERRE.
        keys.add("".join(_SAINTS_SHORT.get(t, t) for t in tokens))
    return frozenset(keys)


@dataclass(frozen=True, slots=True)
class NameParts:
    """A surname field split into birth and usage names; both None when no marker says which.

    Values are folded tokens joined by spaces, particles kept ("LE GOFF"): apply `normalise_name` or `name_keys`
    to compare them. `all_tokens` holds every name word, markers and civilities removed.
    """

    birth: str | None
    usage: str | None
    all_tokens: tuple[str, ...]

    @property
    def candidates(self) -> tuple[str, ...]:
        """The surnames the person may be filed under: birth and usage names, else the whole field."""
        found = tuple(n for n in (self.birth, self.usage) if n)
        return found or ((" ".join(self.all_tokens),) if self.all_tokens else ())


@lru_cache(maxsize=CACHE_ENTRIES)
def split_usage_names(value: str | None) -> NameParts:
    """Split the French birth/usage spellings of a surname field.

    - "MARTIN épouse DUBOIS", "MARTIN ép. DUBOIS": born MARTIN, uses DUBOIS (the administrative order:
      birth name first, then "épouse" and the spouse's name).
    - "Mme DUBOIS née MARTIN": uses DUBOIS, born MARTIN ("née" introduces the birth name).
    - "MARTIN veuve DUBOIS", "Vve DUBOIS", "MARTIN divorcée DUBOIS": like "épouse", the name after the marker is
      the (late or former) spouse's, kept as usage name; the name before it is the birth name.
    - No marker ("MARTIN DUBOIS"): birth and usage are None, `candidates` gives the whole name.
    "né" (masculine) is read like "née".
    """
    tokens = _drop_civilities(name_tokens(value))
    head: list[str] = []
    birth: list[str] | None = None
    usage: list[str] | None = None
    current = head
    for word in tokens:
        # "NE" could be a name word: a marker only after a name, "NEE" anywhere.
        if word == "NEE" or (word in _BIRTH_MARKERS and current is head and head):
            birth = current = []
        elif word in _USAGE_MARKERS:
            usage = current = []
        else:
            current.append(word)
    if usage is not None and not usage:
        usage = None  # A trailing "divorcée" without a name says nothing about usage.
    if birth is not None and not birth:
        birth = None
    if head:
        if birth is not None and usage is None:
            usage = head
        elif usage is not None and birth is None:
            birth = head
    return NameParts(
        birth=" ".join(birth) if birth else None,
        usage=" ".join(usage) if usage else None,
        all_tokens=tuple(t for t in tokens if t not in _BIRTH_MARKERS and t not in _USAGE_MARKERS),
    )


_PHONETIC_RULES = (
    (re.compile(r"PH"), "F"), (re.compile(r"(?<![CS])H"), ""), (re.compile(r"GU(?=[EI])"), "G"),
    (re.compile(r"QU"), "K"), (re.compile(r"C(?=[EIY])"), "S"), (re.compile(r"C"), "K"), (re.compile(r"Q"), "K"),
    (re.compile(r"EAU|AU"), "O"), (re.compile(r"AI|EI"), "E"), (re.compile(r"Y"), "I"), (re.compile(r"W"), "V"),
    (re.compile(r"Z"), "S"), (re.compile(r"(.)\1+"), r"\1"), (re.compile(r"(?<=.)[ESTXD]+$"), ""),
)


@lru_cache(maxsize=CACHE_ENTRIES)
def phonetic_key(glued: str) -> str:
    """A light French phonetic folding of a glued name, for the "sounds the same" comparison level: ph = f, silent
    h, qu/q/c = k (c before e/i = s), eau/au = o, ai/ei = e, y = i, w = v, z = s, doubled letters once, silent final
    letters dropped. "PHILIPPE" and "FILIPE", "GAUTHIER" and "GOTIER", "THOMAS" and "TOMA" share a key."""
    key = glued
    for pattern, replacement in _PHONETIC_RULES:
        key = pattern.sub(replacement, key)
    return key


_SAINT_ONLY = frozenset({("SAINT",), ("SAINTE",)})


def _has_lower(word: str) -> bool:
    return any(c.islower() for c in word)


def _name_word(word: str) -> bool:
    """A word that may be a name: not a civility, particle or birth/usage marker ("épouse", "née", "Vve")."""
    tokens = name_tokens(word)
    return bool(tokens) and not any(
        t in CIVILITIES or t in PARTICLES or t in _BIRTH_MARKERS or t in _USAGE_MARKERS for t in tokens
    )


def _first_name_run(words: list[str], first: tuple[str, ...]) -> tuple[int, int] | None:
    """(start, end) of the words that spell the first name at the start (civilities aside) or end of `words`."""
    tokens = [name_tokens(w) for w in words]
    start = 0
    while start < len(words) - 1 and tokens[start] and all(t in CIVILITIES for t in tokens[start]):
        start += 1
    ends = [(start, stop) for stop in range(start + 1, len(words) + 1)]
    ends += [(begin, len(words)) for begin in range(len(words) - 1, start - 1, -1)]
    # The usual "NOM Prénom" (or "Prénom NOM") spelling: the surname in capitals, the first name capitalised.
    capitals = [not _has_lower(w) and any(c.isalpha() for c in w) for w in words]
    for begin, stop in ends:
        run, rest = range(begin, stop), [i for i in range(start, len(words)) if not begin <= i < stop]
        beside = begin - 1 if stop == len(words) else stop  # "MARTIN ép. Dubois": Dubois is the usage name
        if (all(not capitals[i] and words[i][:1].isupper() and _name_word(words[i]) for i in run)
                and rest and all(capitals[i] for i in rest if _name_word(words[i]))
                and not set(tokens[beside]) & (_BIRTH_MARKERS | _USAGE_MARKERS)):
            return begin, stop
    if first:
        # All in one case: the prénom field repeated in the surname field, at one end of it.
        for begin, stop in ends:
            if tuple(t for i in range(begin, stop) for t in tokens[i]) == first:
                return begin, stop
    return None


@lru_cache(maxsize=CACHE_ENTRIES)
def split_full_name(nom: str | None, prenom: str | None) -> tuple[str | None, str | None]:
    """(surname, first name) of a surname field that may hold the first name too, as partners write it.

    "TRÉPANIER Laurent" with prénom "Laurent" -> ("TRÉPANIER", "Laurent"); "BURTON Joseph-Zacharie" with prénom
    "Joseph Zacharie" -> ("BURTON", ...); "Laurent DUPONT" (inverted) -> ("DUPONT", ...); "Mme BRIAND Luc" with no
    prénom -> ("Mme BRIAND", "Luc"), the surname in capitals and the first name capitalised telling them apart.
    The first-name words are taken out only from the start (civilities aside) or the end of the field, and only
    when a name word other than Saint is left: "MARTIN" with prénom "Martin" and "SAINT GERMAIN" with prénom
    "Germain" stay whole. Markers stay with the surname, and a name right after one is the usage or birth name:
    "MARTIN épouse DUBOIS Marie" -> ("MARTIN épouse DUBOIS", "Marie"), "MARTIN ép. Dubois" stays whole, as does
    "DUBOIS Marie épouse MARTIN" (the first name is not at an end). Otherwise the fields are returned as given.
    """
    if not nom:
        return nom, prenom
    words = nom.split()
    first = tuple(t for t in name_tokens(prenom) if t not in CIVILITIES)
    run = _first_name_run(words, first) if len(words) > 1 else None
    if run is None:
        return nom, prenom
    kept = words[:run[0]] + words[run[1]:]
    if not any(_name_word(w) and name_tokens(w) not in _SAINT_ONLY for w in kept):
        return nom, prenom  # "SAINT GERMAIN" with prénom Germain is a surname, not SAINT + Germain
    return " ".join(kept), prenom or " ".join(words[run[0]:run[1]])
