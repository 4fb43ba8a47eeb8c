"""Household matching: scored comparisons with the blocks' cases decide attach, new household or review."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from campaigns.linkage import store as linkage_store
from campaigns.linkage.blocking import BlockingKeys, KeyKind
from campaigns.linkage.parameters import Parameters
from campaigns.linkage.scoring import Comparison, PersonRecord, compare
from campaigns.linkage.versions import active_parameters

MAX_PROPOSALS_PER_ROW = 3
_SAME_CONTACT = frozenset({"same", "same_mobile", "same_landline"})
_AGREEING = frozenset({"exact", "close"})
_AGREEING_FIRST = frozenset({"exact", "close", "partial"})
# A first name missing on a side is neutral: the rules below then decide on the surname and the other fields.
_FIRST_OR_MISSING = _AGREEING_FIRST | {"missing"}
# Other first names: different, or sharing their initial only ("Lucas"/"Léa"; "Jasper"/"Jkspre" keyed badly).
_OTHER_FIRST = frozenset({"different", "initial"})


def household_comparison(a: PersonRecord, b: PersonRecord, params: Parameters | None = None) -> Comparison:
    """`compare`, read at the household level: the people of one dwelling are one household.

    A household is the people of one tenancy (co-tenants, a couple, a colocation). On top of the person decision,
    at the same address:
    - clearly different people (other first names), in no other flat, are one household when they share a phone,
      an e-mail or the CAF file, or the flat and their surname (a couple, a parent and child); strangers in one
      flat are not (the tenant who left and the one who came after, a flat number shared by two buildings);
    - the same names where a birth date is missing are one household when the flat agrees (the same one, or no
      flat on either side): the same person, or a relative living with them;
    - a person in another flat of the building is not grouped without a contact in common: a review when the
      names and the birth date agree (a flat number mistyped, or a namesake neighbour), else another household.
    Namesakes whose birth dates are both known and a generation apart (father and son) are not covered: the
    person decision stands (a review at most).
    """
    result = compare(a, b, params)
    levels = result.agreements
    contact = (levels.get("telephone") in _SAME_CONTACT or levels.get("email") == "same"
               or levels.get("numero_allocataire") == "same")
    if levels.get("adresse") != "same":
        if (result.decision == "review" and levels.get("prenom") == "different" and not contact
                and levels.get("adresse") in ("different", "same_commune", "same_street")):
            # Two people (other first names) who do not live together are not one household: in another
            # commune, another street, or at another number of the street.
            return replace(result, decision="non_match")
        return result
    flat = levels.get("complement")
    if flat in ("other_flat", "other_building"):
        if contact or result.decision == "non_match":
            return result
        if (levels.get("date_naissance") == "equal" and levels.get("prenom") in _FIRST_OR_MISSING
                and not _conflicting_contact(levels)):
            return replace(result, decision="review", note=f"{result.note} ; à vérifier : autre "
                           "logement de l'immeuble, sans contact commun")
        return replace(result, decision="non_match", note=f"{result.note} ; autre logement de l'immeuble, "
                       "sans contact commun, avec une date de naissance différente ou un contact différent")
    if result.decision == "match":
        if (levels.get("lieu") == "immeuble" and not contact and _flat_on_one_side(a, b)
                and not (result.detail and "couple" in result.detail[1])):
            # One side names a flat, the other none, nothing shared: the same person, or a namesake relative in
            # another flat of the building; a human decides.
            if _conflicting_contact(levels):
                return replace(result, decision="non_match", note=f"{result.note} ; logement indiqué d'un seul "
                               "côté, et un contact différent")
            return replace(result, decision="review", note=f"{result.note} ; à vérifier : logement indiqué d'un "
                           "seul côté, sans contact commun")
        return result
    dwelling = _same_dwelling(a.features.complement, b.features.complement)
    surname = levels.get("nom") in _AGREEING
    if levels.get("prenom") in _OTHER_FIRST:
        # The same surname and birth date at one address (no flat telling them apart, nor named on one side
        # only): twins, or one person whose first name was written wrong; one household either way. First names
        # that share their initial only are other first names too (capped alike: `scoring._caps`).
        twins = surname and levels.get("date_naissance") == "equal" and not _flat_on_one_side(a, b)
        shared = contact or (surname and (dwelling == "same_flat" or twins))
        reason = ("même contact, autre personne (conjoint, cotitulaire)" if contact
                  else "même logement et même nom, autre personne (conjoint, parent)" if dwelling == "same_flat"
                  else "même adresse, même nom et même date de naissance, autre prénom")
    else:
        # In the same flat (named on both sides), the same first name is the same person's whatever the surname:
        # one written by ear, in part or with two slips ("Gauthier"/"Gotier", "Martin Dubois"/"Dubois"), or a
        # married woman under her birth name (the CAF's) and her married name; unless a phone, an e-mail or a CAF
        # number differs (the tenant after, of the same first name).
        same_flat = (dwelling == "same_flat" and levels.get("prenom") in _AGREEING_FIRST
                     and not _conflicting_contact(levels))
        shared = (dwelling is not None and levels.get("date_naissance") in ("one_missing", "both_missing")
                  and (surname or same_flat) and levels.get("prenom") in _FIRST_OR_MISSING)
        reason = ("même nom au même logement, prénom et date de naissance absents" if levels.get("prenom") == "missing"
                  else "mêmes nom et prénom au même logement, date de naissance absente")
    if not shared:
        return result
    return replace(result, decision="match", note=f"{result.note} ; même ménage : {reason}")


def _conflicting_contact(levels: dict[str, str]) -> bool:
    """Both sides give a phone, an e-mail or a CAF number (of one CAF), and they differ."""
    return "different" in (levels.get("telephone"), levels.get("email"), levels.get("numero_allocataire"))


def _flat_on_one_side(a: PersonRecord, b: PersonRecord) -> bool:
    flats = [any(t.startswith("APPT") for t in r.features.complement) for r in (a, b)]
    return flats[0] != flats[1]


def _same_dwelling(a: frozenset[str], b: frozenset[str]) -> str | None:
    """"same_flat" when both give the same flat in the same building and staircase, "no_flat" when neither
    gives any complement, None otherwise: flats are numbered per building, so "appt 5" alone is not enough
    against "esc 2 appt 5"."""
    if not a and not b:
        return "no_flat"
    parts = [({t for t in a if t.startswith(p)}, {t for t in b if t.startswith(p)}) for p in ("APPT", "BAT", "ESC")]
    (flat_a, flat_b), *buildings = parts
    if flat_a & flat_b and all(mine == theirs for mine, theirs in buildings):
        return "same_flat"
    return None


@dataclass(frozen=True, slots=True)
class Proposal:
    """A pair for review: row `row` may belong to the household of `candidate_case`.

    Household and case references are ids of existing rows when positive, and -(n + 1) for row n of the batch
    (its household or its case, known only after insertion).
    """

    row: int
    candidate_household: int
    candidate_case: int
    score: float
    explanation: str


@dataclass(slots=True)
class BatchLinks:
    """Household of each row: an existing household id, or -(g + 1) for the g-th new household of the batch."""

    households: list[int] = field(default_factory=list)
    new_households: int = 0
    attached: int = 0
    proposals: list[Proposal] = field(default_factory=list)
    compared: int = 0
    hot_keys: int = 0
    seen: dict[int, set[int]] = field(default_factory=dict)  # row index -> the stored cases it was compared with
    # Household pairs already proposed by a row of the batch: one review decides for the two households.
    proposed: set[frozenset[int]] = field(default_factory=set)


_Scored = tuple[int, Comparison]  # (case reference, comparison)


def link_batch(
    session: Session, records: Sequence[PersonRecord], keys: Sequence[BlockingKeys],
    *, existing: Sequence[tuple[int, int]] | None = None,
) -> BatchLinks:
    """Decides the household of each new record. The caller holds the blocks' locks (`linkage_store.lock_blocks`).

    With `existing` ((case id, household id) of each record), the records are updated cases that keep their
    household: only review proposals towards other households come out, and rows are not linked to each other.
    """
    params = active_parameters(session)
    found = linkage_store.find_candidates(session, keys)
    known = linkage_store.load_records(session, {c for pairs in found.pairs.values() for c in pairs})
    scored: list[list[_Scored]] = []
    batch_index: dict[int, int | list[int]] = {}
    links = BatchLinks(hot_keys=found.hot_keys, seen=found.pairs)
    for i, record in enumerate(records):
        own = existing[i][0] if existing else None
        row_scores = [(case_id, household_comparison(record, known[case_id][1], params))
                      for case_id in found.pairs.get(i, ()) if case_id != own and case_id in known]
        if existing is None:
            row_scores += [(-(j + 1), household_comparison(record, records[j], params))
                           for j in _batch_candidates(i, keys[i], batch_index)]
        links.compared += len(row_scores)
        scored.append(row_scores)
    # Only households that some row may join can be part of a declined pair worth knowing.
    households = {known[case][0] for row_scores in scored for case, comparison in row_scores
                  if case > 0 and comparison.decision != "non_match"}
    declined = linkage_store.declined_pairs(session, households) if households else set()
    for i, row_scores in enumerate(scored):
        _decide(i, row_scores, known, links, declined, own=existing[i][1] if existing else None)
    return links


def late_reviews(
    session: Session, records: Sequence[PersonRecord], keys: Sequence[BlockingKeys], *, seen: dict[int, set[int]],
    owners: Sequence[tuple[int, int]], proposed: dict[int, set[int]], movable: int,
) -> list[dict[str, Any]] | None:
    """Candidates committed by concurrent pushes since `link_batch` read `seen`: the review rows they add, or None
    when one of the first `movable` records (new rows, whose household was chosen) matches one: link again.

    `owners` gives each record's (case id, household id), `proposed` the households proposed to it so far (not
    proposed twice). The caller holds the blocks' locks and has not stored its own keys yet, so the candidates
    read here are those `link_batch` read plus the cases committed meanwhile; `_decide` never chooses a household
    on a review, so reviews are added as it would have added them (within MAX_PROPOSALS_PER_ROW, declined pairs
    left out).
    """
    params = active_parameters(session)
    found = linkage_store.find_candidates(session, keys)
    fresh = {i: new for i, cases in found.pairs.items() if (new := cases - seen.get(i, set()))}
    known = linkage_store.load_records(session, {case for cases in fresh.values() for case in cases})
    best: dict[int, dict[int, _Scored]] = {}  # record -> household -> best comparison with one of its cases
    for i, cases in fresh.items():
        own_case, own_household = owners[i]
        for case in cases:
            if case == own_case or case not in known or known[case][0] == own_household:
                continue
            comparison = household_comparison(records[i], known[case][1], params)
            if comparison.decision == "match" and i < movable:
                return None
            household = known[case][0]
            if comparison.decision == "non_match" or household in proposed.get(i, ()):
                continue
            row_best = best.setdefault(i, {})
            if household not in row_best or _better(case, comparison, row_best[household]):
                row_best[household] = (case, comparison)
    households = {household for row_best in best.values() for household in row_best}
    declined = linkage_store.declined_pairs(session, households) if households else set()
    reviews: list[dict[str, Any]] = []
    for i, row_best in best.items():
        ranked = sorted(row_best.items(), key=_rank)
        room = MAX_PROPOSALS_PER_ROW - len(proposed.get(i, ()))
        for household, (case, comparison) in ranked:
            if room > 0 and frozenset((owners[i][1], household)) not in declined:
                reviews.append({"case_id": owners[i][0], "candidate_case_id": case,
                                "candidate_household_id": household, "score": comparison.score,
                                "explanation": comparison.explanation})
                room -= 1
    return reviews


def _better(case_ref: int, comparison: Comparison, held: _Scored) -> bool:
    """Whether this case compares better than the one held for its household; at equal scores the lower case
    number, so that the choice never follows the order of a set (decisions the same in every process)."""
    return (comparison.score, -case_ref) > (held[1].score, -held[0])


def _rank(item: tuple[int, _Scored]) -> tuple[bool, float, int]:
    """Matches first, then by score; at equal scores the lower household number (the same in every process)."""
    household, (_, comparison) = item
    return comparison.decision != "match", -comparison.score, household


def _batch_candidates(i: int, row_keys: BlockingKeys, index: dict[int, int | list[int]]) -> set[int]:
    """Earlier rows of the batch sharing a probed key with row i (as in the database), then row i joins the index.

    The index holds a row number, or a list once a second row shares the key: most keys are never shared, and
    tens of thousands of small lists per batch would keep the garbage collector busy.
    """
    found: set[int] = set()
    for key, kind in row_keys.items():
        rows = index.get(key)
        if rows is None:
            index[key] = i
            continue
        if isinstance(rows, int):
            rows = index[key] = [rows]
        if kind == KeyKind.PROBE and len(rows) <= linkage_store.BLOCK_CAP:
            found.update(rows)
        rows.append(i)
    return found


def _decide(
    i: int, row_scores: list[_Scored], known: dict[int, tuple[int, PersonRecord]], links: BatchLinks,
    declined: set[frozenset[int]], *, own: int | None,
) -> None:
    best: dict[int, _Scored] = {}  # household reference -> best comparison with one of its cases
    for case_ref, comparison in row_scores:
        if comparison.decision == "non_match":
            continue
        household = known[case_ref][0] if case_ref > 0 else links.households[-case_ref - 1]
        if household != own and (household not in best or _better(case_ref, comparison, best[household])):
            best[household] = (case_ref, comparison)
    ranked = sorted(best.items(), key=_rank)
    if own is not None:
        chosen = own
    elif ranked and ranked[0][1][1].decision == "match":
        chosen = ranked.pop(0)[0]
        links.attached += chosen > 0
    else:
        links.new_households += 1
        chosen = -links.new_households
    links.households.append(chosen)
    proposals = 0
    for household, (case_ref, comparison) in ranked:
        # Several matching households are not merged silently: the others go to review, like uncertain pairs.
        pair = frozenset((chosen, household))
        if proposals == MAX_PROPOSALS_PER_ROW or pair in declined or pair in links.proposed:
            continue
        links.proposed.add(pair)
        links.proposals.append(Proposal(i, household, case_ref, comparison.score, comparison.explanation))
        proposals += 1
