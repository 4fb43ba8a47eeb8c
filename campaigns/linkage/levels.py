"""Comparison levels of two person records: the comparison vector that the weights (campaigns/linkage/parameters.py)
score and that training (campaigns/linkage/training.py) counts.

Each field compares to one level, or to None when a side lacks the value: a missing value is neutral (no credit, no
penalty). The levels of a field are listed from the strongest agreement to disagreement (`LEVELS`); French labels
for the review explanations are in `LABELS` (docs/domain.md §8).
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import token_set_ratio

from campaigns.linkage import identity
from campaigns.linkage.blocking import NameForms, PersonFeatures, RecordFeatures
from campaigns.linkage.identity import DateAgreement, StreetParts

PERSON_FIELDS = ("nom", "prenom", "date_naissance")
HOUSEHOLD_FIELDS = ("lieu", "telephone", "email", "numero_allocataire")
# close: Jaro-Winkler >= 0.92 (one typo), similar: >= 0.88.
NAME_LEVELS = ("exact", "close", "partial", "similar", "phonetic", "initial", "different")
LEVELS: dict[str, tuple[str, ...]] = {
    "nom": NAME_LEVELS,
    "prenom": NAME_LEVELS,
    "date_naissance": ("equal", "day_month_swapped", "one_digit", "same_year", "different"),
    # Same flat; same building (flat unknown on a side); same building, another flat; same street, another
    # number; same commune, another street; same commune, a street missing; same département; elsewhere.
    "lieu": ("logement", "immeuble", "autre_logement", "rue", "commune", "commune_seule", "departement",
             "ailleurs"),
    "telephone": ("same_mobile", "same_landline", "different"),
    "email": ("same", "different"),
    "numero_allocataire": ("same", "same_other_department", "different"),
}
LABELS: dict[str, dict[str, str]] = {
    "nom": {"exact": "nom identique", "close": "nom proche", "partial": "nom en partie commun",
            "similar": "nom ressemblant", "phonetic": "nom de même prononciation", "initial": "nom de même initiale",
            "different": "noms différents"},
    "prenom": {"exact": "prénom identique", "close": "prénom proche",
               "partial": "prénom composé en partie commun ou abrégé", "similar": "prénom ressemblant",
               "phonetic": "prénom de même prononciation", "initial": "prénom de même initiale",
               "different": "prénoms différents"},
    "date_naissance": {"equal": "même date de naissance", "day_month_swapped": "date de naissance jour/mois inversés",
                       "one_digit": "date de naissance à un chiffre près", "same_year": "même année de naissance",
                       "different": "dates de naissance différentes"},
    "lieu": {"logement": "même adresse, même logement", "immeuble": "même adresse",
             "autre_logement": "même adresse, autre logement de l'immeuble", "rue": "même rue, autre numéro",
             "commune": "même commune, autre rue", "commune_seule": "même commune (rue absente)",
             "departement": "autre commune du même département", "ailleurs": "autre département"},
    "telephone": {"same_mobile": "même téléphone", "same_landline": "même téléphone fixe",
                  "different": "téléphones différents"},
    "email": {"same": "même courriel", "different": "courriels différents"},
    "numero_allocataire": {"same": "même numéro d'allocataire",
                           "same_other_department": "même numéro d'allocataire dans un autre département",
                           "different": "numéros d'allocataire différents"},
}
_LETTERS_OUT = str.maketrans("", "", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True, slots=True)
class NameLevel:
    level: str | None
    similarity: float
    value: str  # the glued form that agreed best, for the term-frequency adjustment of "exact"


def name_level(a: NameForms | None, b: NameForms | None, *, first: bool = False) -> NameLevel:
    """Level of two names: exact (a shared spelling key), close (Jaro-Winkler >= 0.92 with lengths within one
    letter, as MARTIN/MARTINEZ scores 0.95 but is another name; or one keying error apart), one name part of the
    other (compound names, "MARTIN DUBOIS"/"DUBOIS"; for `first` names also a short form, `abbreviates`),
    Jaro-Winkler >= 0.88, the same French pronunciation, the same initial."""
    if a is None or b is None:
        return NameLevel(None, 0.0, "")
    shared = a.keys & b.keys
    if shared:
        # Shortest, then alphabetical: never the order of a set (the same score in every process).
        return NameLevel("exact", 1.0, min(shared, key=lambda key: (len(key), key)))
    best, best_x, close = 0.0, "", False
    for x in a.forms:
        for y in b.forms:
            similarity = JaroWinkler.similarity(x, y)
            if similarity > best or (similarity == best and best_x and x < best_x):
                best, best_x = similarity, x
            # Digits number homonyms ("MARTIN 2"): other digits, another person.
            # One keying error (a letter changed, left out, doubled or two swapped) is close wherever it falls:
            # Jaro-Winkler alone punishes a first letter typed wrong (BENALI/VENALI 0.89).
            typo = ((similarity >= 0.92 and abs(len(x) - len(y)) <= 1)
                    or (min(len(x), len(y)) >= 4 and OSA.distance(x, y, score_cutoff=1) <= 1))
            close = close or (typo and x.translate(_LETTERS_OUT) == y.translate(_LETTERS_OUT))
    if close:
        return NameLevel("close", best, best_x)
    if a.tokens < b.tokens or b.tokens < a.tokens:
        return NameLevel("partial", best, min(a.tokens & b.tokens, key=lambda token: (len(token), token), default=""))
    if first and (abbreviates(a.words, b.words) or abbreviates(b.words, a.words)):
        return NameLevel("partial", best, "")
    if best >= 0.88:
        return NameLevel("similar", best, best_x)
    if not a.sounds.isdisjoint(b.sounds):
        return NameLevel("phonetic", best, best_x)
    if not a.initials.isdisjoint(b.initials):
        return NameLevel("initial", best, best_x)
    return NameLevel("different", best, best_x)


# Endings that make a feminine first name of a masculine one (Paul/Pauline, Louis/Louisette, Léo/Léonie): the
# shorter one is then another person's name, not a short form (twins are protected by their first names).
_FEMININE_ENDINGS = ("INE", "ETTE", "TTE", "ELLE", "LLE", "NNE", "IE")


def abbreviates(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """`short` writes the first name `full` in short: the initials of a compound name ("JP", "J.-P." for
    Jean-Pierre; "JA" for Jean Alphonse), some words as initials ("J-Pierre"), or a clipped form of at least three
    letters, three or more letters shorter ("Dom" for Dominique, "Steph" for Stéphane, "Alex" for Alexandre), unless
    what is left is a feminine ending ("Paul"/"Pauline" are two names)."""
    if not short or not full or short == full:
        return False
    glued = "".join(short)
    if len(full) >= 2 and glued == "".join(word[0] for word in full):
        return True
    if len(short) == len(full) and len(full) >= 2:
        return all(s == f or (len(s) == 1 and f.startswith(s)) for s, f in zip(short, full, strict=True))
    if len(short) == 1 and len(glued) >= 3:
        head = full[0]
        rest = head[len(glued):]
        return head.startswith(glued) and len(rest) >= 3 and not rest.endswith(_FEMININE_ENDINGS)
    return False


@dataclass(frozen=True, slots=True)
class PersonLevels:
    nom: NameLevel
    prenom: NameLevel
    dates: DateAgreement  # one_missing and both_missing included, for the product rules
    inverted: bool
    year_gap: int

    @property
    def date_level(self) -> str | None:
        """The birth-date level: None when a side lacks the date (neutral)."""
        if self.dates in ("one_missing", "both_missing"):
            return None
        return "same_year" if self.dates == "different" and self.year_gap == 0 else self.dates


def person_levels(a: PersonFeatures, b: PersonFeatures) -> tuple[PersonLevels, PersonLevels | None]:
    """Levels of two persons in the given order, and in the inverted order (nom against prénom) when neither name
    agrees in the given one (a partner swapped the fields); the caller keeps the better-scoring reading."""
    dates = identity.birth_date_agreement(a.born, b.born)
    gap = abs(a.born.year - b.born.year) if a.born and b.born else 0
    direct = PersonLevels(name_level(a.nom, b.nom), name_level(a.prenom, b.prenom, first=True), dates, False, gap)
    agreeing = ("exact", "close")
    if direct.nom.level in agreeing or direct.prenom.level in agreeing:
        return direct, None
    # Inverted: a's nom field holds its first name, compared with b's prénom.
    return direct, PersonLevels(name_level(a.nom, b.prenom, first=True), name_level(a.prenom, b.nom), dates, True,
                                gap)


def household_levels(a: RecordFeatures, b: RecordFeatures) -> dict[str, str]:
    """Levels of the household fields that both records give (place, phone, e-mail, CAF number)."""
    levels: dict[str, str] = {}
    place, locality = place_level(a, b)
    if place is not None:
        levels["lieu"] = place
    if locality:
        levels["code_postal"] = locality  # explained, not weighed: the commune, or the address, decided
    if a.phone and b.phone:
        levels["telephone"] = ("same_mobile" if a.mobile else "same_landline") if a.phone == b.phone else "different"
    if a.email and b.email:
        levels["email"] = "same" if a.email == b.email else "different"
    if a.allocataire and b.allocataire:
        same_department = a.department == b.department or not a.department or not b.department
        if a.allocataire == b.allocataire:
            levels["numero_allocataire"] = "same" if same_department else "same_other_department"
        elif same_department:  # Unique within one CAF, i.e. one département; another CAF's number says nothing.
            levels["numero_allocataire"] = "different"
    return levels


def place_level(a: RecordFeatures, b: RecordFeatures) -> tuple[str | None, str | None]:
    """(place level, "typo" for a postcode typo in one commune, "adresse" for one address in two localities).

    The locality is the postcode, else the commune (CEDEX, communes déléguées, a city's several postcodes); a
    one-digit postcode difference in one commune is a typo. A house number and street that agree in another
    locality of the département (or with a postcode one typo apart) are the same address with its commune or
    postcode keyed wrong: two people of one name and birth date at the same number of the same street in two
    communes is no coincidence (issue 17, "Namesakes": another field supports the link), and strangers there
    are told apart by their names."""
    typo = False
    locality: bool | None = None
    nearby = False
    if a.postcode and a.postcode == b.postcode:
        locality = True
    elif a.commune and b.commune:
        typo = identity.postcode_typo(a.postcode, b.postcode)
        # One keystroke apart is one commune only within a département both rows give (or with a postcode typo).
        nearby = typo or (bool(a.department) and a.department == b.department)
        locality = a.commune == b.commune or (nearby and same_commune_spelling(a.commune, b.commune))
        typo = locality and typo
    elif a.postcode and b.postcode:
        locality = False
        nearby = identity.postcode_typo(a.postcode, b.postcode) or (bool(a.department) and a.department == b.department)
    if locality is None:
        return None, None
    sa, sb = a.street, b.street
    if not locality:
        if nearby and sa is not None and sb is not None and _same_number(sa, sb) and same_street(sa, sb):
            return _flat_level(a.complement, b.complement), "adresse"
        same_department = bool(a.department) and a.department == b.department
        return ("departement" if same_department else "ailleurs"), None
    note = "typo" if typo else None
    if sa is None or sb is None:
        return "commune_seule", note
    if not same_street(sa, sb):
        return "commune", note
    if not _same_number(sa, sb) and not _same_locality(sa, sb):
        return "rue", note
    return _flat_level(a.complement, b.complement), note


def _same_number(a: StreetParts, b: StreetParts) -> bool:
    return bool(a.number) and a.number == b.number and a.suffix == b.suffix


def same_street(a: StreetParts, b: StreetParts) -> bool:
    """One street: the same words in any order or one of them more ("AVENUE JEAN JAURES"/"JEAN JAURES"), or the
    name glued and keyed with a slip ("RUMKERLACE"/"RUMKER PLACE", "ANDREA PALCE"/"ANDREA PLACE": one error in
    eight letters, two in sixteen, as `close` names are read)."""
    if a.street_name == b.street_name or token_set_ratio(a.street_name, b.street_name) >= 90:
        return True
    glued_a, glued_b = a.street_name.replace(" ", ""), b.street_name.replace(" ", "")
    longest = max(len(glued_a), len(glued_b))
    return (min(len(glued_a), len(glued_b)) >= 6 and glued_a.translate(_LETTERS_OUT) == glued_b.translate(_LETTERS_OUT)
            and OSA.distance(glued_a, glued_b, score_cutoff=longest // 8) <= longest // 8)


def same_commune_spelling(a: str, b: str) -> bool:
    """One commune name spelt two ways: spaces or hyphens aside ("MALVERN EAST"/"MALVERNEAST"), or one keying error
    (a letter changed, left out, doubled, two swapped) in a name of five letters or more ("PARRAMATTA"/"PARRAMAXTA").
    The caller requires the same département or postcodes one typo apart: two communes of one département are
    rarely one keying error apart ("SAINT-DENIS"/"SAINT-DENIS-DE-..." are further), and never both at once."""
    glued_a, glued_b = a.replace(" ", ""), b.replace(" ", "")
    if glued_a == glued_b:
        return True
    return (min(len(glued_a), len(glued_b)) >= 5 and glued_a.translate(_LETTERS_OUT) == glued_b.translate(_LETTERS_OUT)
            and OSA.distance(glued_a, glued_b, score_cutoff=1) <= 1)


# Places addressed by their name, without a house number: a lieu-dit, a hamlet, a domaine, a lotissement...
_UNNUMBERED_TYPES = frozenset({None, "LIEU DIT", "HAMEAU", "DOMAINE", "LOTISSEMENT", "RESIDENCE", "QUARTIER",
                               "CITE"})


def _same_locality(a: StreetParts, b: StreetParts) -> bool:
    """Both sides name the same lieu-dit (or hamlet...) with no number: "lieu-dit Le Bas Village" and "LE BAS
    VILLAGE" are one address, as "12 rue X" and "12 r. X" are; a numbered street without its number is not."""
    return (not a.number and not b.number and bool(a.street_name) and a.street_name == b.street_name
            and a.street_type in _UNNUMBERED_TYPES and b.street_type in _UNNUMBERED_TYPES)


def _flat_level(a: frozenset[str], b: frozenset[str]) -> str:
    # The flat decides when both sides give one; otherwise only differing buildings say something.
    for prefix, same in (("APPT", "logement"), ("BAT", None)):
        mine, theirs = {t for t in a if t.startswith(prefix)}, {t for t in b if t.startswith(prefix)}
        if mine and theirs:
            return (same or "immeuble") if mine & theirs else "autre_logement"
    return "immeuble"
