"""Scored, explained comparison of two person records (Fellegi–Sunter style weights)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import token_set_ratio

from campaigns.linkage import identity
from campaigns.linkage.blocking import NameForms, PersonFeatures, PersonRecord, RecordFeatures, blocking_keys
from campaigns.linkage.identity import DateAgreement

__all__ = ["MATCH_THRESHOLD", "REVIEW_THRESHOLD", "Comparison", "Decision", "PersonRecord", "blocking_keys",
           "compare"]


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
_LETTERS_OUT = str.maketrans("", "", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NOM, _PRENOM, _DATE = _LEVELS["nom"], _LEVELS["prenom"], _LEVELS["date_naissance"]
_NOTHING = (0.0, "")

MATCH_THRESHOLD = 18.0
REVIEW_THRESHOLD = 6.0
FATHER_SON_YEARS = 15  # Birth years this far apart with the same name: two generations, not a typo.

Decision = Literal["match", "review", "non_match"]


def _name_level(a: NameForms | None, b: NameForms | None, close_at: float) -> tuple[str, float]:
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
            # Jaro-Winkler rewards shared prefixes: MARTIN/MARTINEZ scores 0.95, so length must agree too. Digits
            # in a name number homonyms ("MARTIN 2"): other digits, another person.
            close = close or (similarity >= close_at and abs(len(x) - len(y)) <= 1
                              and x.translate(_LETTERS_OUT) == y.translate(_LETTERS_OUT))
    if close:
        return "close", best
    if a.tokens < b.tokens or b.tokens < a.tokens:
        return "partial", best
    return ("similar" if best >= 0.85 else "different"), best


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


def _compare_people(a: PersonFeatures, b: PersonFeatures) -> _PersonAgreement:
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


def _address_level(a: RecordFeatures, b: RecordFeatures) -> tuple[str, bool]:
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


def _household_levels(a: RecordFeatures, b: RecordFeatures, levels: dict[str, str]) -> None:
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
