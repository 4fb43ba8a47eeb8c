"""Referent attribution for households (the Vendée monthly concertation, docs/domain.md §9): the rules of
campaigns/queues/rules.py run on a profile built from each household's cases; the structure they name is mapped to
a partner. A household that already has a referent keeps it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from campaigns.locale.clock import local_date
from campaigns.locale.text import normalise_text
from campaigns.models import Case, Household, Partner, PartnerKind, StageEntry
from campaigns.models.authority import case_sources, ruling_cases
from campaigns.models.stages import Stage
from campaigns.platform.dialect import any_of
from campaigns.platform.errors import NotFoundError, ValidationError
from campaigns.queues.rules import (
    EXISTING_RULE_ID,
    BatchResult,
    HouseholdProfile,
    RuleSet,
    attribute_batch,
    structure_kind,
)

# The routing rules name kinds of structure; partners record what they are.
_PARTNER_KINDS = {"MDSF": PartnerKind.DEPARTEMENT.value, "CCAS": PartnerKind.CCAS.value, "CAF": PartnerKind.CAF.value}
STRUCTURE_KINDS = frozenset({PartnerKind.CCAS.value, PartnerKind.DEPARTEMENT.value, PartnerKind.CAF.value,
                             PartnerKind.ADIL.value, PartnerKind.ASSOCIATION.value})
TO_DESIGNATE = "à désigner"


@dataclass(frozen=True)
class ReferentBatch:
    """One batch: the rules' own totals, and what was written (partners found, or left to designate by hand)."""

    result: BatchResult
    by_partner: Mapping[str, int]
    assigned: int
    existing: int
    to_designate: int


def _age(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _departement(code_postal: str | None) -> str | None:
    """The département of a postcode: the territory's département-wide structures (the CAF) are found with it.
    Cases carry no INSEE code, so commune-level structures are matched by partner name instead (`_partner_for`)."""
    if not code_postal or len(code_postal) != 5:
        return None
    if code_postal.startswith("97"):
        return code_postal[:3]
    if code_postal.startswith("20"):
        return "2A" if code_postal < "20200" else "2B"
    return code_postal[:2]


def _known(cases: Sequence[Case], name: str) -> object:
    """The freshest case's value of a fact, else the freshest value another case gives."""
    for case in cases:
        value = getattr(case, name)
        if value is not None:
            return value
    return None


def household_profile(household: Household, cases: Sequence[Case], *, referent: str | None,
                      today: date) -> HouseholdProfile:
    """From the freshest case: park, allocataire, age of the reference person; the children and the housing benefit
    (campaigns/intake/household_facts.py) from the freshest case that gives them. The referent is the recorded one,
    else one a partner reported as already following the household (`referent_connu`, rule 0)."""
    ordered = sorted(cases, key=lambda c: (c.date_stade, c.updated_at), reverse=True)
    fresh = ordered[0]
    parc: Literal["social", "prive"] | None = fresh.parc if fresh.parc in ("social", "prive") else None  # type: ignore[assignment]
    closed = None
    if household.stage == Stage.CLOTURE:
        closed = next((c.motif_cloture for c in cases if c.motif_cloture), None) or "clôturé"
    children = _known(ordered, "enfants_a_charge")
    benefit = _known(ordered, "aide_logement")
    born = _known(ordered, "date_naissance")
    return HouseholdProfile(
        parc=parc,
        has_children=children > 0 if isinstance(children, int) else None,
        reference_person_age=_age(born if isinstance(born, date) else None, today),
        alf=None if benefit in (None, "inconnu") else benefit == "alf",
        allocataire=fresh.allocataire,
        existing_referent=referent or reported_referent(ordered),
        commune_insee=_departement(fresh.code_postal),
        closed_reason=closed,
    )


def reported_referent(cases: Sequence[Case]) -> str | None:
    value = _known(cases, "referent_connu")
    return value if isinstance(value, str) else None


def _partner_for(code: str | None, commune: str, partners: Sequence[Partner]) -> Partner | None:
    """The partner named exactly like the structure code; else, of the structure's kind, the one named after the
    household's commune, or the only one of that kind."""
    if not code:
        return None
    for partner in partners:
        if partner.name == code:
            return partner
    kind = _PARTNER_KINDS.get(structure_kind(code))
    candidates = [p for p in partners if p.kind == kind]
    wanted = f" {normalise_text(commune)} "
    local = [p for p in candidates if wanted in f" {normalise_text(p.name)} "]
    if len(local) == 1:
        return local[0]
    return candidates[0] if len(candidates) == 1 else None


def attribute_referents(
    session: Session, household_ids: Collection[int], *, rules: RuleSet,
    territory: Mapping[str, Mapping[str, str]] | None, now: datetime,
) -> ReferentBatch:
    """Runs the rules on these households and records a referent for those without one (and not closed)."""
    ids = sorted(set(household_ids))
    households = {h.id: h for h in session.scalars(select(Household).where(any_of(session, Household.id, ids)))}
    cases: dict[int, list[Case]] = {}
    for case in session.scalars(select(Case).where(any_of(session, Case.household_id, ids)).order_by(Case.id)):
        cases.setdefault(case.household_id, []).append(case)
    # The profile and a reported referent come from the cases with authority over the household (a partner that
    # pushes a name and a birth date never routes it, nor names itself its referent: docs/security.md, rule 5).
    ruling = ruling_cases(session, case_sources(session, ids))
    cases = {household_id: [c for c in found if c.id in ruling] or found for household_id, found in cases.items()}
    partners = list(session.scalars(select(Partner).order_by(Partner.id)))
    names = {p.id: p.name for p in partners}
    structures = [p for p in partners if p.kind in STRUCTURE_KINDS]
    # A referent reported by a partner may be a bailleur's own social service (rule 0 keeps it too).
    known = [p for p in partners if p.kind in STRUCTURE_KINDS | {PartnerKind.BAILLEUR_SOCIAL.value}]
    selected = [households[i] for i in ids if i in households and i in cases]
    today = local_date(now)
    profiles = [
        household_profile(h, cases[h.id], referent=names.get(h.referent_partner_id or 0), today=today)
        for h in selected
    ]
    result = attribute_batch(profiles, rules, territory=territory)
    by_partner: Counter[str] = Counter()
    assigned = to_designate = 0
    for household, attribution in zip(selected, result.attributions, strict=True):
        if attribution.untreated:
            continue
        if household.referent_partner_id is not None:
            by_partner[names[household.referent_partner_id]] += 1
            continue
        fresh = max(cases[household.id], key=lambda c: (c.date_stade, c.updated_at))
        partner = _partner_for(attribution.structure, fresh.commune, known if attribution.rule_id ==
                               EXISTING_RULE_ID else structures)
        if partner is None:
            to_designate += 1
            by_partner[f"{TO_DESIGNATE} ({attribution.structure or 'aucun'})"] += 1
            continue
        household.referent_partner_id, household.referent_rule = partner.id, attribution.rule_id
        household.updated_at = now
        by_partner[partner.name] += 1
        assigned += 1
    session.flush()
    existing = sum(1 for a in result.attributions if a.rule_id == EXISTING_RULE_ID)
    return ReferentBatch(result, dict(by_partner), assigned, existing, to_designate)


def households_at_stage(session: Session, stage: Stage, *, since: datetime | None = None) -> list[int]:
    """Households at `stage` now, and those closed after reaching it (counted as not processed), not merged away."""
    # The household's own stays only: a bailleur's case's stay of its own is not the household's (security.md, rule 7).
    entered = select(StageEntry.id).where(StageEntry.household_id == Household.id, StageEntry.stage == stage.value,
                                          StageEntry.case_id.is_(None))
    if since is not None:
        entered = entered.where(StageEntry.entered_at >= since)
    stmt = select(Household.id).where(
        Household.merged_into_id.is_(None),
        exists(entered),
        Household.stage.in_([stage.value, Stage.CLOTURE.value]),
    )
    return list(session.scalars(stmt.order_by(Household.id)))


def record_known_referent(session: Session, *, household_id: int, partner_name: str, now: datetime) -> Household:
    """The concertation knows who already follows the household (rule 0): recorded, and never replaced by rules."""
    partner = session.scalar(select(Partner).where(Partner.name == partner_name))
    if partner is None or partner.kind not in STRUCTURE_KINDS | {PartnerKind.BAILLEUR_SOCIAL.value}:
        raise NotFoundError(f"structure inconnue « {partner_name} »")
    household = session.get_one(Household, household_id)
    if household.referent_partner_id not in (None, partner.id):
        raise ValidationError("ce ménage a déjà un référent : il n'est pas remplacé")
    household.referent_partner_id, household.referent_rule = partner.id, EXISTING_RULE_ID
    household.updated_at = now
    session.flush()
    return household
