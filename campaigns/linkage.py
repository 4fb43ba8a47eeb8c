"""Scored, explained comparison of two person records (Fellegi–Sunter style weights)."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import Any, Literal

from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import token_set_ratio

from campaigns import identity
from campaigns.identity import DateAgreement, StreetParts


def _w(m: float, u: float) -> float:
    """log2(m/u): m = P(outcome | same person), u = P(outcome | two people of one blocking block)."""
    return math.log2(m / u)


# Weight and French wording per field and level. m/u are expert guesses (no labelled pairs to train on); u is
# taken within a blocking block, where people already share a département and a name prefix, a street or a
# birth date. Levels absent from a table ("missing", "both_missing"…) weigh 0.
_LEVELS: dict[str, dict[str, tuple[float, str]]] = {
    "nom": {  # Birth and usage names both count as exact. Close: one typo (Jaro-Winkler >= 0.92, length ±1).
        "exact": (_w(0.90, 0.005), "nom identique"), "close": (_w(0.07, 0.003), "nom proche"),
        "partial": (_w(0.02, 0.004), "nom en partie commun"),  # "MARTIN DUBOIS" / "DUBOIS"
        "similar": (0.0, "nom ressemblant"), "different": (_w(0.01, 0.97), "noms différents"),
    },
    "prenom": {  # Less discriminating than surnames: higher u.
        "exact": (_w(0.90, 0.03), "prénom identique"), "close": (_w(0.05, 0.01), "prénom proche"),
        "partial": (_w(0.04, 0.01), "prénom composé en partie commun"),  # "JEAN PIERRE" / "JEAN"
        "similar": (0.0, "prénom ressemblant"), "different": (_w(0.01, 0.95), "prénoms différents"),
    },
    "ordre": {"inverse": (0.0, "nom et prénom inversés")},
    "date_naissance": {
        "equal": (_w(0.93, 0.0001), "même date de naissance"),
        "day_month_swapped": (_w(0.01, 0.0001), "date de naissance jour/mois inversés"),
        "one_digit": (_w(0.03, 0.002), "date de naissance à un chiffre près"),
        "different": (_w(0.03, 0.998), "dates de naissance différentes"),
        "one_missing": (0.0, "date de naissance absente d'un côté"),
    },
    "adresse": {  # m(same) well below 1: "21 % ont quitté le logement ou le courrier revient NPAI".
        "same": (_w(0.70, 0.001), "même adresse"), "same_street": (_w(0.05, 0.01), "même rue, autre numéro"),
        "commune_only": (_w(0.85, 0.15), "même commune (rue absente)"),
        "same_commune": (_w(0.08, 0.30), "même commune, autre rue"),  # A move, or another household.
        "different": (_w(0.17, 0.69), "autre commune"),
    },
    "code_postal": {"typo": (0.0, "code postal à un chiffre près")},
    "complement": {
        "same_flat": (_w(0.5, 0.05), "même logement"), "other_flat": (_w(0.02, 0.6), "autre logement de l'immeuble"),
        "other_building": (_w(0.05, 0.4), "autre bâtiment"),
    },
    "telephone": {  # A landline is shared by the household; numbers change and partners hold different ones.
        "same_mobile": (_w(0.6, 0.0005), "même téléphone"), "same_landline": (_w(0.6, 0.005), "même téléphone fixe"),
        "different": (_w(0.35, 0.999), "téléphones différents"),
    },
    "email": {"same": (_w(0.6, 0.0005), "même courriel"), "different": (_w(0.4, 0.999), "courriels différents")},
    "numero_allocataire": {  # Unique within one CAF, i.e. one département; another CAF's number says nothing.
        "same": (_w(0.95, 0.0002), "même numéro d'allocataire"),
        "same_other_department": (_w(0.05, 0.005), "même numéro d'allocataire dans un autre département"),
        "different": (_w(0.02, 0.9998), "numéros d'allocataire différents"),
    },
}
_NOM, _PRENOM, _DATE = _LEVELS["nom"], _LEVELS["prenom"], _LEVELS["date_naissance"]
_NOTHING = (0.0, "")

MATCH_THRESHOLD = 18.0
REVIEW_THRESHOLD = 6.0
FATHER_SON_YEARS = 15  # Birth years this far apart with the same name: two generations, not a typo.

Decision = Literal["match", "review", "non_match"]
_NON_DIGIT = re.compile(r"\D+")


@dataclass(frozen=True, slots=True)
class _Name:
    keys: frozenset[str]  # Glued spellings that count as identical (`name_keys`).
    forms: tuple[str, ...]  # Glued particle-free forms, compared with Jaro-Winkler.
    tokens: frozenset[str]


@lru_cache(maxsize=262_144)
def _surname(value: str | None) -> _Name | None:
    parts = identity.split_usage_names(value)
    candidates = parts.candidates
    if not candidates:
        return None
    keys = frozenset().union(*(identity.name_keys(c) for c in candidates))
    forms = tuple(dict.fromkeys(identity.normalise_name(c).replace(" ", "") for c in candidates))
    tokens = frozenset(t for c in candidates for t in identity.normalise_name(c).split())
    return _Name(keys, forms, tokens)


@lru_cache(maxsize=65_536)
def _first_name(value: str | None) -> _Name | None:
    normalised = identity.normalise_name(value)
    if not normalised:
        return None
    return _Name(identity.name_keys(value), (normalised.replace(" ", ""),), frozenset(normalised.split()))


def _name_level(a: _Name | None, b: _Name | None, close_at: float) -> tuple[str, float]:
    """(level, Jaro-Winkler similarity) of two names."""
    if a is None or b is None:
        return "missing", 0.0
    if not a.keys.isdisjoint(b.keys):
        return "exact", 1.0
    best, close = 0.0, False
    for x in a.forms:
        for y in b.forms:
            similarity = JaroWinkler.similarity(x, y)
            best = max(best, similarity)
            # Jaro-Winkler rewards shared prefixes: MARTIN/MARTINEZ scores 0.95, so length must agree too.
            close = close or (similarity >= close_at and abs(len(x) - len(y)) <= 1)
    if close:
        return "close", best
    if a.tokens < b.tokens or b.tokens < a.tokens:
        return "partial", best
    return ("similar" if best >= 0.85 else "different"), best


@dataclass(frozen=True, slots=True)
class _Person:
    nom: _Name | None
    prenom: _Name | None
    born: date | None


@dataclass(frozen=True, slots=True)
class _Features:
    people: tuple[_Person, ...]  # The titulaire, then the co-titulaire when there is one.
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


@dataclass(frozen=True, kw_only=True)
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

    @classmethod
    def from_row(cls, row: object) -> PersonRecord:
        """From an intake `SignalementRow` or any object with the same attribute names (missing ones are None)."""
        values: dict[str, Any] = {f.name: getattr(row, f.name, None) for f in dataclasses.fields(cls)}
        return cls(**{**values, "prenom": values["prenom"] or ""})

    @cached_property
    def features(self) -> _Features:
        """Normalised once per record: `compare` runs many times on the same records."""
        people = [_Person(_surname(self.nom), _first_name(self.prenom), self.date_naissance)]
        if self.prenom_cotitulaire:
            # A co-titulaire without a surname of their own is filed under the titulaire's (as in dedup.py).
            people.append(_Person(_surname(self.nom_cotitulaire or self.nom), _first_name(self.prenom_cotitulaire),
                                  self.date_naissance_cotitulaire))
        street = identity.normalise_street(self.adresse) if self.adresse else None
        phone = identity.normalise_phone(self.telephone)
        allocataire = _NON_DIGIT.sub("", self.numero_allocataire or "").lstrip("0") or None
        return _Features(
            people=tuple(people),
            street=street if street and (street.street_name or street.number) else None,
            complement=identity.complement_tokens(self.complement_adresse) | (street.complement if street else set()),
            commune=identity.normalise_commune(self.commune),
            postcode=(self.code_postal or "").strip(),
            department=_department(self.code_postal),
            phone=phone,
            mobile=identity.is_french_mobile(phone),
            email=(self.email or "").strip().lower() or None,
            allocataire=allocataire,
        )


@dataclass(frozen=True, slots=True)
class Comparison:
    """Outcome of `compare`: total weight, decision, level per field and a French explanation.

    `agreements` always holds nom, prenom, date_naissance, ordre (direct/inverse), appariement (which persons
    were paired) and adresse; complement, code_postal, telephone, email, numero_allocataire when comparable.
    """

    score: float
    decision: Decision
    agreements: dict[str, str]
    explanation: str
    same_household_via_cotenant: bool = False


_PAIRINGS = ((0, 1, "titulaire/cotitulaire"), (1, 0, "cotitulaire/titulaire"), (1, 1, "cotitulaires"))
_RANK: dict[Decision, int] = {"non_match": 0, "review": 1, "match": 2}
_AGREEING_NAMES = frozenset({"exact", "close"})
_SAME = frozenset({"same", "same_mobile", "same_landline"})


@dataclass(frozen=True, slots=True)
class _PersonAgreement:
    score: float
    nom: tuple[str, float]
    prenom: tuple[str, float]
    inverted: bool
    dates: DateAgreement
    year_gap: int


def _compare_people(a: _Person, b: _Person) -> _PersonAgreement:
    nom, prenom = _name_level(a.nom, b.nom, 0.92), _name_level(a.prenom, b.prenom, 0.90)
    names = _NOM.get(nom[0], _NOTHING)[0] + _PRENOM.get(prenom[0], _NOTHING)[0]
    inverted = False
    if nom[0] not in _AGREEING_NAMES and prenom[0] not in _AGREEING_NAMES:
        # Nom and prénom swapped by one partner: compare each with the other's opposite field.
        cross_nom, cross_prenom = _name_level(a.nom, b.prenom, 0.92), _name_level(a.prenom, b.nom, 0.90)
        crossed = _NOM.get(cross_nom[0], _NOTHING)[0] + _PRENOM.get(cross_prenom[0], _NOTHING)[0]
        if crossed > names:
            nom, prenom, names, inverted = cross_nom, cross_prenom, crossed, True
    dates = identity.birth_date_agreement(a.born, b.born)
    gap = abs(a.born.year - b.born.year) if a.born and b.born else 0
    return _PersonAgreement(names + _DATE.get(dates, _NOTHING)[0], nom, prenom, inverted, dates, gap)


def _address_level(a: _Features, b: _Features) -> tuple[str, bool]:
    """(address level, postcode typo)."""
    typo = False
    locality: bool | None = None
    if a.postcode and a.postcode == b.postcode:
        locality = True  # Whatever the spelling of the commune (CEDEX, commune déléguée).
    elif a.commune and b.commune:
        # A city has several postcodes (Nantes 44000-44300); one digit apart in one commune is a typo.
        locality = a.commune == b.commune
        typo = locality and identity.postcode_typo(a.postcode, b.postcode)
    elif a.postcode and b.postcode:
        locality = False
    if locality is False:
        return "different", False
    sa, sb = a.street, b.street
    if sa is None or sb is None:
        return ("commune_only" if locality else "missing"), typo
    if locality is None:
        return "missing", typo  # The same street name in unknown communes proves nothing.
    if sa.street_name != sb.street_name and token_set_ratio(sa.street_name, sb.street_name) < 90:
        return "same_commune", typo
    if sa.number and sa.number == sb.number and sa.suffix == sb.suffix:
        return "same", typo
    return "same_street", typo


def _complement_level(a: frozenset[str], b: frozenset[str]) -> str | None:
    # The flat decides when both sides give one; otherwise only differing buildings say something.
    for prefix, same, other in (("APPT", "same_flat", "other_flat"), ("BAT", None, "other_building")):
        mine, theirs = {t for t in a if t.startswith(prefix)}, {t for t in b if t.startswith(prefix)}
        if mine and theirs:
            return same if mine & theirs else other
    return None


def _household_levels(a: _Features, b: _Features, levels: dict[str, str]) -> None:
    address, typo = _address_level(a, b)
    levels["adresse"] = address
    if typo:
        levels["code_postal"] = "typo"
    if address == "same" and a.complement and b.complement:
        complement = _complement_level(a.complement, b.complement)
        if complement:
            levels["complement"] = complement
    if a.phone and b.phone:
        levels["telephone"] = ("same_mobile" if a.mobile else "same_landline") if a.phone == b.phone else "different"
    if a.email and b.email:
        levels["email"] = "same" if a.email == b.email else "different"
    if a.allocataire and b.allocataire:
        same_department = a.department == b.department or not a.department or not b.department
        if a.allocataire == b.allocataire:
            levels["numero_allocataire"] = "same" if same_department else "same_other_department"
        elif same_department:
            levels["numero_allocataire"] = "different"


def _caps(best: _PersonAgreement, levels: dict[str, str]) -> list[tuple[Decision, str]]:
    """Product rules that bound the decision whatever the score."""
    caps: list[tuple[Decision, str]] = []
    if best.year_gap >= FATHER_SON_YEARS:
        # Same name, two generations (father/son, mother/daughter): never merged automatically, even when the
        # years differ by one digit only (1955/1985).
        related = best.prenom[0] in _AGREEING_NAMES or best.prenom[0] == "partial"
        caps.append(("review" if related else "non_match", f"{best.year_gap} ans d'écart de naissance"))
    elif best.dates == "different":
        caps.append(("review", "dates de naissance incompatibles"))
    if best.prenom[0] == "different":
        caps.append(("review", "prénoms différents : même ménage possible, pas la même personne"))
    corroborated = levels.get("numero_allocataire") == "same" or sum(
        levels.get(f) in _SAME for f in ("adresse", "telephone", "email")) >= 2
    if best.dates in ("one_missing", "both_missing") and not corroborated:
        caps.append(("review", "sans date de naissance, il faut adresse et téléphone, ou numéro d'allocataire"))
    return caps


def compare(a: PersonRecord, b: PersonRecord) -> Comparison:
    """Score two records: the best pairing of titulaires and co-titulaires, plus the household fields."""
    fa, fb = a.features, b.features
    best, pairing = _compare_people(fa.people[0], fb.people[0]), "titulaires"
    if len(fa.people) > 1 or len(fb.people) > 1:
        for i, j, name in _PAIRINGS:
            if i < len(fa.people) and j < len(fb.people):
                candidate = _compare_people(fa.people[i], fb.people[j])
                if candidate.score > best.score:
                    best, pairing = candidate, name
    levels = {"nom": best.nom[0], "prenom": best.prenom[0], "date_naissance": best.dates,
              "ordre": "inverse" if best.inverted else "direct", "appariement": pairing}
    _household_levels(fa, fb, levels)
    score = best.score + sum(_LEVELS[f].get(v, _NOTHING)[0] for f, v in levels.items() if f in _HOUSEHOLD)
    decision: Decision = "match" if score >= MATCH_THRESHOLD else "review" if score >= REVIEW_THRESHOLD else "non_match"
    reasons = []
    for cap, reason in _caps(best, levels):
        if _RANK[cap] < _RANK[decision]:
            decision = cap
            reasons.append(f"plafonné : {reason}")
    return Comparison(round(score, 2), decision, levels, _explain(best, levels, reasons), pairing != "titulaires")


_HOUSEHOLD = frozenset({"adresse", "complement", "telephone", "email", "numero_allocataire"})


def _explain(best: _PersonAgreement, levels: dict[str, str], reasons: list[str]) -> str:
    parts = []
    for field, level in levels.items():
        text = _LEVELS[field].get(level, _NOTHING)[1] if field in _LEVELS else ""
        if field in ("nom", "prenom") and level in ("close", "similar"):
            text += f" ({(best.nom if field == 'nom' else best.prenom)[1]:.2f})"
        elif field == "date_naissance" and best.year_gap >= FATHER_SON_YEARS:
            text += f" ({best.year_gap} ans d'écart)"
        elif field == "appariement" and level != "titulaires":
            text = f"même ménage par le cotitulaire ({level})"
        if text:
            parts.append(text)
    return ", ".join(parts + reasons)


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
    f = record.features
    place = f.department or f.commune
    keys: set[str] = set()
    for person in f.people:
        surnames = person.nom.forms if person.nom else ()
        first = person.prenom.forms[0] if person.prenom else ""
        if place:
            for form in surnames:
                keys.add(f"nom|{place}|{_phonetic_prefix(form)}")
                if first:
                    low, high = sorted((_phonetic_prefix(form), _phonetic_prefix(first)))
                    keys.add(f"noms|{place}|{low}|{high}")
        born = person.born
        if born:
            dates = [born]
            if born.day != born.month and born.day <= 12:
                dates.append(born.replace(day=born.month, month=born.day))
            for initial in {n[0] for n in (first, *surnames) if n}:
                keys.update(f"naissance|{d.isoformat()}|{initial}" for d in dates)
    street = f.street
    if place and street and street.number and street.tokens:
        longest = max(street.tokens, key=lambda t: (len(t), t))
        keys.add(f"adresse|{place}|{street.number}|{longest}")
    if f.phone:
        keys.add(f"tel|{f.phone}")
    if f.email:
        keys.add(f"mail|{f.email}")
    if f.allocataire:
        keys.add(f"allocataire|{f.department}|{f.allocataire}")
    return keys
