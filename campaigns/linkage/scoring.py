"""Scored, explained comparison of two person records: Fellegi–Sunter weights learned from the data.

The levels come from campaigns/linkage/levels.py, their weights from the active parameters
(campaigns/linkage/parameters.py: m and u estimated by campaigns/linkage/training.py). A few product rules then
bound the decision whatever the score (`_caps`): two generations of one name, namesakes in another commune with
no shared contact, first names that differ, a missing birth date without the flat or a contact to back it. Birth
dates less than a generation apart are weighed, not bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from campaigns.linkage.blocking import PersonFeatures, PersonRecord, blocking_keys
from campaigns.linkage.levels import HOUSEHOLD_FIELDS, LABELS, PersonLevels, household_levels, person_levels
from campaigns.linkage.parameters import Parameters, defaults

__all__ = ["MATCH_THRESHOLD", "REVIEW_THRESHOLD", "Comparison", "Decision", "PersonRecord", "Vector",
           "blocking_keys", "compare", "comparison_vector"]

# Total weights (prior included) of the shipped parameters' match and review probabilities.
MATCH_THRESHOLD = defaults().match_weight
REVIEW_THRESHOLD = defaults().review_weight
FATHER_SON_YEARS = 15  # Birth years this far apart with the same name: two generations, not a typo.

Decision = Literal["match", "review", "non_match"]


_PAIRINGS = ((0, 1, "titulaire/cotitulaire"), (1, 0, "cotitulaire/titulaire"), (1, 1, "cotitulaires"))
_OTHER_PAIR = {"titulaires": (1, 1), "titulaire/cotitulaire": (1, 0), "cotitulaire/titulaire": (0, 1),
               "cotitulaires": (0, 0)}
_RANK: dict[Decision, int] = {"non_match": 0, "review": 1, "match": 2}
_AGREEING_NAMES = frozenset({"exact", "close"})
_AGREEING_OR_MISSING = frozenset({"exact", "close", None})
_COUPLE_FIRST = frozenset({"exact", "close", "partial"})
_COUPLE = "couple"  # the weight of the couple's other person, in `Comparison.detail`
_RELATED_FIRST = frozenset({"exact", "close", "partial", "similar"})
_SAME = frozenset({"same", "same_mobile", "same_landline"})
_ADDRESS = {"logement": "same", "immeuble": "same", "autre_logement": "same", "rue": "same_street",
            "commune": "same_commune", "commune_seule": "commune_only", "departement": "different",
            "ailleurs": "different"}
_ELSEWHERE = frozenset({"departement", "ailleurs"})


@dataclass(frozen=True, slots=True)
class Vector:
    """The comparison vector of two records: the best-scoring reading of their persons and the household levels."""

    person: PersonLevels
    pairing: str
    household: dict[str, str]
    # The two other persons when both records name a couple (co-titulaire paired with co-titulaire, or crossed).
    other: PersonLevels | None = None

    def levels(self) -> dict[str, str | None]:
        """{field: level or None} for every weighed field: what training counts."""
        person = self.person
        found: dict[str, str | None] = {"nom": person.nom.level, "prenom": person.prenom.level,
                                        "date_naissance": person.date_level}
        found.update({name: self.household.get(name) for name in HOUSEHOLD_FIELDS})
        return found


@dataclass(frozen=True, slots=True)
class Comparison:
    """Outcome of `compare`: total weight (prior included), match probability, decision, levels, explanation.

    `agreements` holds the level of each compared field (nom, prenom, date_naissance, lieu, telephone, email,
    numero_allocataire; a field a side lacks is absent or, for the birth date, one_missing/both_missing), and
    ordre (direct/inverse), appariement (which persons were paired), adresse (same, same_street, same_commune,
    commune_only, different) and complement (same_flat, other_flat) as read by the household rules.
    """

    score: float
    decision: Decision
    agreements: dict[str, str]
    same_household_via_cotenant: bool = False
    probability: float = 0.0
    note: str = ""  # added by the household rules (campaigns/linkage/matching.py)
    detail: tuple[Vector, dict[str, float], tuple[str, ...]] | None = None

    @property
    def explanation(self) -> str:
        """French: the evidence and weight of each field, the probability, any bound on the decision. Written
        only when read (for the pairs sent to review): most comparisons are never explained."""
        if self.detail is None:
            return self.note
        vector, weights, reasons = self.detail
        return _explain(vector, weights, list(reasons), self.probability) + self.note


def _person_weight(levels: PersonLevels, params: Parameters) -> float:
    return (params.weight("nom", levels.nom.level, levels.nom.value)
            + params.weight("prenom", levels.prenom.level, levels.prenom.value)
            + params.weight("date_naissance", levels.date_level))


def _best_reading(a: PersonFeatures, b: PersonFeatures, params: Parameters) -> tuple[PersonLevels, float]:
    direct, inverted = person_levels(a, b)
    best, weight = direct, _person_weight(direct, params)
    if inverted is not None and (crossed := _person_weight(inverted, params)) > weight:
        best, weight = inverted, crossed
    return best, weight


def comparison_vector(a: PersonRecord, b: PersonRecord, params: Parameters) -> Vector:
    """Levels of two records: titulaires, or the best pairing with co-titulaires, plus the household fields."""
    fa, fb = a.features, b.features
    (best, weight), pairing = _best_reading(fa.people[0], fb.people[0], params), "titulaires"
    if len(fa.people) > 1 or len(fb.people) > 1:
        for i, j, name in _PAIRINGS:
            if i < len(fa.people) and j < len(fb.people):
                candidate, candidate_weight = _best_reading(fa.people[i], fb.people[j], params)
                if candidate_weight > weight:
                    best, weight, pairing = candidate, candidate_weight, name
    other = None
    if len(fa.people) > 1 and len(fb.people) > 1:
        i, j = _OTHER_PAIR[pairing]
        other = _best_reading(fa.people[i], fb.people[j], params)[0]
    return Vector(best, pairing, household_levels(fa, fb), other)


def compare(a: PersonRecord, b: PersonRecord, params: Parameters | None = None) -> Comparison:
    """Score two records with `params` (the shipped defaults when None) and decide: match, review or non_match."""
    params = params or defaults()
    vector = comparison_vector(a, b, params)
    best = vector.person
    weights = {name: params.weight(name, level, _value(best, name))
               for name, level in vector.levels().items() if level is not None}
    couple = _same_couple(best, vector.other)
    if couple and vector.other is not None:
        # The other person of the couple is evidence of its own, weighed as a person is (no penalty: a couple is
        # only recognised when it agrees).
        weights[_COUPLE] = max(_person_weight(vector.other, params), 0.0)
    score = params.prior_weight + sum(weights.values())
    decision: Decision = ("match" if score >= params.match_weight
                          else "review" if score >= params.review_weight else "non_match")
    agreements = _agreements(vector)
    reasons = []
    for cap, reason in _caps(best, agreements, couple=couple):
        if _RANK[cap] < _RANK[decision]:
            decision = cap
            reasons.append(f"plafonné : {reason}")
    return Comparison(round(score, 2), decision, agreements, vector.pairing != "titulaires",
                      Parameters.probability(score), detail=(vector, weights, tuple(reasons)))


def _value(best: PersonLevels, name: str) -> str:
    return best.nom.value if name == "nom" else best.prenom.value if name == "prenom" else ""


def _agreements(vector: Vector) -> dict[str, str]:
    best = vector.person
    agreements = {"nom": best.nom.level or "missing", "prenom": best.prenom.level or "missing",
                  "date_naissance": best.date_level or best.dates, "ordre": "inverse" if best.inverted else "direct",
                  "appariement": vector.pairing, **vector.household}
    place = vector.household.get("lieu")
    agreements["adresse"] = _ADDRESS[place] if place else "missing"
    if place == "logement":
        agreements["complement"] = "same_flat"
    elif place == "autre_logement":
        agreements["complement"] = "other_flat"
    return agreements


def _same_couple(best: PersonLevels, other: PersonLevels | None) -> bool:
    """Both persons of a couple agree: first names (exact, one typo, a short form), surnames (exact or one typo;
    for one of them another surname is allowed when its birth date agrees: a wife under her birth name at the CAF,
    her married name elsewhere), birth dates compatible, one of them equal.

    Two namesakes living together with two namesakes of the same couple is no coincidence: it is the household,
    moved or written to at another address (issue 17, "Namesakes": another field supports the link)."""
    if other is None:
        return False
    if not all(p.prenom.level in _COUPLE_FIRST for p in (best, other)):
        return False
    surnames = [p.nom.level in _AGREEING_NAMES or p.dates in ("equal", "day_month_swapped") for p in (best, other)]
    if not all(surnames) or not (best.nom.level in _AGREEING_NAMES or other.nom.level in _AGREEING_NAMES):
        return False
    dates = {best.dates, other.dates}
    return "equal" in dates and dates <= {"equal", "day_month_swapped", "one_digit", "one_missing"}


def _caps(best: PersonLevels, levels: dict[str, str], *, couple: bool = False) -> list[tuple[Decision, str]]:
    """Product rules that bound the decision whatever the score."""
    caps: list[tuple[Decision, str]] = []
    if best.year_gap >= FATHER_SON_YEARS:
        # Same name, two generations (father/son, mother/daughter): never merged automatically, even when the
        # years differ by one digit only (1955/1985).
        # A first name missing on a side cannot tell the generations apart: a human decides, as for related ones.
        related = best.prenom.level in _RELATED_FIRST or best.prenom.level is None
        caps.append(("review" if related else "non_match", f"{best.year_gap} ans d'écart de naissance"))
    # Birth dates that differ by less than a generation are weighed, not capped: their learned weight (a date
    # keyed wrong is common, two people of the same names at one address rare) decides with the other fields.
    if best.prenom.level in ("different", "initial"):
        caps.append(("review", "prénoms différents : même ménage possible, pas la même personne"))
    contact = levels.get("numero_allocataire") == "same" or any(
        levels.get(f) in _SAME for f in ("telephone", "email"))
    if levels.get("lieu") in _ELSEWHERE and not contact and not couple:
        # Namesakes: the same names and birth date in another commune, with nothing else in common, are two
        # people (docs/domain.md §8); a move is linked when a phone, an e-mail or the CAF number is shared, or
        # when both persons of a couple agree (`_same_couple`).
        caps.append(("non_match", "homonyme dans une autre commune, sans contact commun"))
    # Without a birth date, a shared contact stands for it when both names agree: a phone, an e-mail or a CAF
    # file is one household's, so two people of the same names sharing one are that household's person.
    # A first name missing on a side is neutral: the surname then stands for the names.
    names = best.nom.level in _AGREEING_NAMES and best.prenom.level in _AGREEING_OR_MISSING
    corroborated = levels.get("numero_allocataire") == "same" or (
        (levels.get("adresse") == "same" or names) + sum(levels.get(f) in _SAME for f in ("telephone", "email")) >= 2)
    if best.dates in ("one_missing", "both_missing") and not corroborated and levels.get("lieu") != "logement":
        caps.append(("review", "sans date de naissance, il faut le même logement, ou les mêmes noms (ou l'adresse) "
                               "et un contact communs, ou le numéro d'allocataire"))
    return caps


def _number(value: float) -> str:
    return f"{value:+.1f}".replace(".", ",")


def _explain(vector: Vector, weights: dict[str, float], reasons: list[str], probability: float) -> str:
    """French: the evidence and weight of each field, then the probability and any bound on the decision."""
    best, parts, levels = vector.person, [], vector.levels()
    for name, weight in weights.items():
        if name == _COUPLE:
            parts.append(f"les deux personnes du couple concordent (l'autre personne {_number(weight)})")
            continue
        level = levels[name]
        text = LABELS[name][level or ""]
        similarity = best.nom.similarity if name == "nom" else best.prenom.similarity if name == "prenom" else 1.0
        if name in ("nom", "prenom") and level in ("close", "similar"):
            text += f" ({similarity:.2f})".replace(".", ",")
        elif name == "date_naissance" and best.year_gap >= FATHER_SON_YEARS:
            text += f" ({best.year_gap} ans d'écart)"
        parts.append(f"{text} {_number(weight)}")
    if best.prenom.level is None:
        parts.append("prénom absent (neutre)")
    if best.dates in ("one_missing", "both_missing"):
        parts.append("date de naissance absente (neutre)")
    if best.inverted:
        parts.append("nom et prénom inversés")
    if vector.pairing != "titulaires":
        parts.append(f"même ménage par le cotitulaire ({vector.pairing})")
    if vector.household.get("code_postal") == "typo":
        parts.append("code postal à un chiffre près")
    elif vector.household.get("code_postal") == "adresse":
        parts.append("même numéro et même rue, commune ou code postal différents (saisie)")
    parts.append(f"probabilité {probability:.3f}".replace(".", ","))
    return ", ".join(parts + reasons)
