"""French address normalisation for record linkage: street, complement, commune and postcode."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from campaigns.locale.text import fold

# An address with its house number is nearly one a household: its normalisation is seldom met again once the row and
# its few candidates are read (~13 µs a miss), and a full entry of `normalise_street` weighs ~740 bytes. At 65,536
# entries the two address caches held ~68 MB of a million-row import's API process; at this size ~17 MB
# (docs/benchmarks.md, a million-row CSV).
ADDRESS_CACHE_ENTRIES = 16_384

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
# d'/l' carry no meaning in a street name ("rue d'Alsace" = "rue Alsace") and would pass for a number suffix.
_ARTICLE_ELISION = re.compile(r"\b[DL]'\s*")
# "N° 12", "no 12", "numéro 12": the folded "°" is gone, leaving N before the digits.
_NUMBER_WORD = re.compile(r"\bN(?:O|UM|UMERO)?\s*\.?\s*(?=\d)")
_SUR_ABBREVIATION = re.compile(r"\bS/\s*")  # "Bouchemaine s/ Loire"
_CEDEX = re.compile(r"\bCEDEX\b(?:\s*\d+)?")
# Special distribution mentions of the postal norm (NF Z10-011): boîte postale, course spéciale, tri service
# arrivée. They route the mail, they do not say where the household lives.
_DISTRIBUTION = re.compile(r"\b(?:B\s?\.?\s?P\.?|CS|TSA|BOITE\s+POSTALE)\s*\d+\b")
# "chez M. Dupont", "c/o Dupont": the addressee's host, a line of the address that names no place. In Savoie and
# elsewhere "Chez X" is also a lieu-dit: in an address it is a host only before a civility or a house number.
_CARE_OF = re.compile(r"\bC\s*/\s*O\b")
_HOST_CIVILITIES = frozenset({"M", "MR", "MME", "MLLE", "MM", "MMES", "MONSIEUR", "MADAME", "MADEMOISELLE", "FAMILLE"})
_HOUSE_NUMBER = re.compile(r"0*(\d{1,5})(BIS|TER|QUATER|[A-Z])?")
_ORDINAL = re.compile(r"0*(\d{1,3})(?:E|EME|ER|ERE|ND|NDE)?")
_POSTCODE = re.compile(r"\d{5}")

_SAINTS = {"ST": "SAINT", "STE": "SAINTE"}

_TYPE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "AVENUE": ("AV", "AVE", "AVN"),
    "BOULEVARD": ("BD", "BLD", "BLVD", "BVD", "BOUL", "BOULV"),
    "RUE": ("R",),
    "CHEMIN": ("CH", "CHEM", "CHE"),
    "IMPASSE": ("IMP",),
    "PLACE": ("PL",),
    "ALLEE": ("ALL", "ALLEES"),
    "ROUTE": ("RTE",),
    "FAUBOURG": ("FG", "FBG"),
    "SQUARE": ("SQ",),
    "COURS": ("CRS",),
    "QUAI": ("QU", "QUA"),
    "RESIDENCE": ("RES", "RESID"),
    "LOTISSEMENT": ("LOT", "LOTIS"),
    "HAMEAU": ("HAM",),
    "CITE": ("CIT", "CITES"),
    "PROMENADE": ("PROM",),
    "PASSAGE": ("PASS", "PAS"),
    "SENTIER": ("SENT",),
    "ESPLANADE": ("ESP", "ESPL"),
    "ROND POINT": ("RPT",),
    "CHAUSSEE": ("CHS",),
    "MONTEE": ("MTE",),
    "TRAVERSE": ("TRA", "TRAV"),
    "DOMAINE": ("DOM",),
    "QUARTIER": ("QUA", "QRT"),
    "LIEU DIT": ("LD",),
    "VOIE": (),
    "MAIL": (),
    "PARVIS": (),
    "RUELLE": (),
    "VENELLE": (),
    "CLOS": (),
    "ZA": (),
    "ZI": (),
    "ZAC": (),
}
# Spelled-out form last so that it wins over a clashing abbreviation ("QUA" is listed for QUAI first).
STREET_TYPES: dict[str, str] = {}
for _full, _spellings in _TYPE_SPELLINGS.items():
    for _spelling in _spellings:
        STREET_TYPES.setdefault(_spelling, _full)
    STREET_TYPES[_full.replace(" ", "")] = _full
_TWO_WORD_TYPES = {("ROND", "POINT"): "ROND POINT", ("LIEU", "DIT"): "LIEU DIT"}
# Abbreviated titles inside street names ("av. du Gal de Gaulle").
_NAME_WORDS = {"ST": "SAINT", "STE": "SAINTE", "GAL": "GENERAL", "GEN": "GENERAL", "MAL": "MARECHAL",
               "PDT": "PRESIDENT", "DR": "DOCTEUR", "CDT": "COMMANDANT", "PROF": "PROFESSEUR"}
_STREET_STOPWORDS = frozenset({"DE", "DU", "DES", "LA", "LE", "LES", "D", "L", "AU", "AUX", "ET"})
# Number suffixes: bis = B, ter = T, quater = Q, so "5 bis" = "5B" (partners write both); other letters kept.
_SUFFIXES = {"BIS": "B", "TER": "T", "QUATER": "Q"}

# No "porte": it is mostly part of street names ("rue de la Porte Neuve").
_COMPLEMENT_WORDS = {
    "BAT": "BAT", "BATIMENT": "BAT", "BT": "BAT",
    "ESC": "ESC", "ESCALIER": "ESC",
    "ETAGE": "ETAGE", "ETG": "ETAGE", "ET": "ETAGE",
    "APPT": "APPT", "APP": "APPT", "APT": "APPT", "APPART": "APPT", "APPARTEMENT": "APPT",
    "LOGT": "APPT", "LGT": "APPT", "LOGEMENT": "APPT",
    "RES": "RESIDENCE", "RESID": "RESIDENCE", "RESIDENCE": "RESIDENCE",
}
_FLOOR_WORDS = frozenset({"ETAGE", "ETG", "ET"})
_NUMBER_WORDS = frozenset({"N", "NO", "NUM", "NUMERO"})


@lru_cache(maxsize=ADDRESS_CACHE_ENTRIES)
def _address_tokens(value: str) -> tuple[str, ...]:
    text = _NUMBER_WORD.sub("", _ARTICLE_ELISION.sub("", fold(value)))
    text = _CARE_OF.sub(" CHEZ ", _CEDEX.sub(" ", _DISTRIBUTION.sub(" ", text)))
    return tuple(_NON_ALNUM.sub(" ", text).split())


def _identifier(word: str) -> str:
    ordinal = _ORDINAL.fullmatch(word)
    return ordinal[1] if ordinal else word


def _scan(tokens: tuple[str, ...], in_address: bool) -> tuple[tuple[str, ...], frozenset[str]]:
    """Split tokens into (the rest, complement tokens such as 'BAT B')."""
    kept: list[str] = []
    found: set[str] = set()
    residence: tuple[str, tuple[str, ...], int] | None = None  # (complement token, its words, position)
    i, n = 0, len(tokens)
    while i < n:
        word = tokens[i]
        following = tokens[i + 1] if i + 1 < n else ""
        if word == "CHEZ" and (not in_address or following in _HOST_CIVILITIES
                               or any(t[0].isdigit() for t in tokens[i + 1:])):
            # The host's name, up to the house number, complement or street type that follows it (or the end).
            i += 1
            while i < n and not tokens[i][0].isdigit() and tokens[i] not in _COMPLEMENT_WORDS and (
                    tokens[i] not in STREET_TYPES or i == n - 1):
                i += 1
            continue
        if word == "RDC":
            found.add("ETAGE 0")
            i += 1
            continue
        if _ORDINAL.fullmatch(word) and (following in ("ETAGE", "ETG") or (following == "ET" and not word.isdigit())):
            found.add(f"ETAGE {_identifier(word)}")  # "2e étage", "1er ét.", "3 étage"
            i += 2
            continue
        kind = _COMPLEMENT_WORDS.get(word)
        if word == "ET" and (not _ORDINAL.fullmatch(following) or (kept and kept[-1].isdigit())):
            kind = None  # Mostly the conjunction: "rue Pierre et Marie Curie", "12 et 14 rue…"
        if kind == "RESIDENCE":
            j, name = i + 1, list[str]()
            # Up to a number, another complement or a street type, but at least one meaningful word.
            while j < n and not tokens[j][0].isdigit() and tokens[j] not in _COMPLEMENT_WORDS and (
                tokens[j] not in STREET_TYPES or not any(w not in _STREET_STOPWORDS for w in name)
            ):
                name.append(tokens[j])
                j += 1
            words = [_NAME_WORDS.get(w, w) for w in name if w not in _STREET_STOPWORDS]
            residence = (" ".join(["RESIDENCE", *words]), tokens[i:j], len(kept))
            i = j
        elif kind is not None:
            j = i + 1
            while j < n and tokens[j] in _NUMBER_WORDS:
                j += 1
            if j < n and tokens[j] not in _COMPLEMENT_WORDS:
                found.add(f"{kind} {_identifier(tokens[j])}")
                i = j + 1
            else:
                i += 1  # A keyword without identifier says nothing.
        else:
            kept.append(word)
            i += 1
    if residence is not None:
        # In an address, a residence with no street words beside it is the street: "12 rés. Les Pins".
        if in_address and not any(t.isalpha() for t in kept):
            kept[residence[2]:residence[2]] = residence[1]
        else:
            found.add(residence[0])
    return tuple(kept), frozenset(found)


@lru_cache(maxsize=65_536)
def complement_tokens(value: str | None) -> frozenset[str]:
    """Building, staircase, floor, flat and residence: "Bât. B esc 2 appt 14" -> {BAT B, ESC 2, APPT 14}.

    Floors: "2e étage", "étage 2", "ét. 2" -> ETAGE 2, "RDC" -> ETAGE 0. Flats: appt/app/apt/appartement/logt/
    logement -> APPT. Residences keep their meaningful words: "Rés. Les Pins" -> RESIDENCE PINS.
    """
    return _scan(_address_tokens(value), in_address=False)[1] if value else frozenset()


@lru_cache(maxsize=ADDRESS_CACHE_ENTRIES)
def extract_complement(address: str | None) -> tuple[str, frozenset[str]]:
    """An `adresse` field without the complement partners put in it, and that complement.

    "Bât B 12 rue de la Paix" -> ("12 RUE DE LA PAIX", {"BAT B"}) (folded text). A residence is taken out only
    when a street remains beside it.
    """
    if not address:
        return "", frozenset()
    kept, found = _scan(_address_tokens(address), in_address=True)
    return " ".join(kept), found


@dataclass(frozen=True, slots=True)
class StreetParts:
    """A normalised street address; `street_name` has no type, articles or particles ("RUE DE LA PAIX" -> PAIX)."""

    number: str | None
    suffix: str | None
    street_type: str | None
    street_name: str
    tokens: frozenset[str]  # The words of street_name.
    complement: frozenset[str] = frozenset()  # Complement found inside the address field.

    @property
    def key(self) -> str:
        return " ".join(p for p in (self.number, self.suffix, self.street_type, self.street_name) if p)


@lru_cache(maxsize=ADDRESS_CACHE_ENTRIES)
def normalise_street(address: str | None) -> StreetParts:
    """Number, bis/ter suffix, expanded street type and name: "5bis, av. du Gal de Gaulle" -> 5 B AVENUE GENERAL GAULLE.

    Suffix convention: bis = B, ter = T, quater = Q, letters as written, so "5 bis" = "5bis" = "5 B" = "5B".
    A postcode and what follows it (a commune written in the address) are dropped; "5-7 rue", "5 et 7 rue" keep 5.
    """
    if not address:
        return StreetParts(None, None, None, "", frozenset())
    kept, complement = _scan(_address_tokens(address), in_address=True)
    tokens = list(kept)
    for index, word in enumerate(tokens):
        if index and _POSTCODE.fullmatch(word):
            del tokens[index:]
            break
    number = suffix = street_type = None
    start = 0
    match = _HOUSE_NUMBER.fullmatch(tokens[0]) if tokens else None
    if match is not None:
        number, attached = match[1], match[2]
        start = 1
        # Ranges "5-7 rue…", "12 et 14 rue…": the first number is the one used for mail.
        if start + 1 < len(tokens) and tokens[start].isdigit():
            start += 1
        elif start + 2 < len(tokens) and tokens[start] in ("ET", "A", "AU") and tokens[start + 1].isdigit():
            start += 2
        following = tokens[start] if start < len(tokens) else ""
        if attached:
            suffix = _SUFFIXES.get(attached, attached)
        elif following in _SUFFIXES or (
            len(following) == 1 and following.isalpha() and following not in STREET_TYPES and start + 1 < len(tokens)
        ):
            suffix = _SUFFIXES.get(following, following)
            start += 1
    two_words = tuple(tokens[start:start + 2])
    if two_words in _TWO_WORD_TYPES:
        street_type, start = _TWO_WORD_TYPES[two_words], start + 2
    elif start < len(tokens) and tokens[start] in STREET_TYPES:
        street_type, start = STREET_TYPES[tokens[start]], start + 1
    words = [_NAME_WORDS.get(t, t) for t in tokens[start:]]
    significant = [w for w in words if w not in _STREET_STOPWORDS] or words
    return StreetParts(number, suffix, street_type, " ".join(significant), frozenset(significant), complement)


@dataclass(frozen=True, slots=True)
class CommuneParts:
    name: str
    arrondissement: int | None


_ARRONDISSEMENT_CITIES = frozenset({"PARIS", "LYON", "MARSEILLE"})
_ARRONDISSEMENT_WORDS = frozenset({"ARRONDISSEMENT", "ARR", "ARRT", "E", "EME", "ER"})


@lru_cache(maxsize=65_536)
def commune_parts(value: str | None) -> CommuneParts:
    """Commune without CEDEX, BP/CS/TSA mention, postcode or hyphens, St/Ste spelled out; Paris/Lyon/Marseille
    arrondissement apart.

    "NANTES CEDEX 2" -> NANTES, "St-Herblain" -> SAINT HERBLAIN, "PARIS 15E ARRONDISSEMENT" -> (PARIS, 15).
    """
    if not value:
        return CommuneParts("", None)
    text = _DISTRIBUTION.sub(" ", _CEDEX.sub(" ", _SUR_ABBREVIATION.sub(" SUR ", fold(value))))
    tokens = [_SAINTS.get(t, t) for t in _NON_ALNUM.sub(" ", text).split() if not _POSTCODE.fullmatch(t)]
    if len(tokens) > 1 and tokens[0] in _ARRONDISSEMENT_CITIES:
        rest = [t for t in tokens[1:] if t not in _ARRONDISSEMENT_WORDS]
        ordinal = _ORDINAL.fullmatch(rest[0]) if len(rest) == 1 else None
        if ordinal is not None:
            return CommuneParts(tokens[0], int(ordinal[1]))
    return CommuneParts(" ".join(tokens), None)


def normalise_commune(value: str | None) -> str:
    """The base commune of `commune_parts`: "NANTES CEDEX 2" -> "NANTES", "Paris 15" -> "PARIS"."""
    return commune_parts(value).name


def postcode_department(code_postal: str) -> str:
    """Département of a 5-digit postcode: 44000 -> 44, 97411 -> 974, 20090 -> 2A, 20200 -> 2B.

    Corsica by range: 200xx/201xx -> 2A (Corse-du-Sud), 202xx/206xx -> 2B (Haute-Corse), any other 20xxx -> 20.
    Raises ValueError for anything but 5 digits.
    """
    code = code_postal.strip()
    if not _POSTCODE.fullmatch(code):
        raise ValueError("code postal invalide : 5 chiffres attendus")
    if code.startswith(("97", "98")):
        return code[:3]  # Overseas départements and collectivités have 3-digit codes.
    if code.startswith("20"):
        return {"0": "2A", "1": "2A", "2": "2B", "6": "2B"}.get(code[2], "20")
    return code[:2]


def postcode_typo(a: str, b: str) -> bool:
    """True when two different codes of the same length differ by one digit or by two adjacent swapped digits."""
    if len(a) != len(b) or a == b:
        return False
    diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diffs) == 1:
        return True
    first, second = diffs if len(diffs) == 2 else (0, 0)
    return second == first + 1 and a[first] == b[second] and a[second] == b[first]


def address_key(adresse: str | None, code_postal: str | None) -> str | None:
    """One postal address as normalised for returned mail (docs/security.md, rule 4): "12, r. des Lilas" and
    "12 rue des lilas" in 44000 are the same address; None when there is no address to write to."""
    if not adresse or not code_postal:
        return None
    return f"{normalise_street(adresse).key}|{code_postal.strip()}"
