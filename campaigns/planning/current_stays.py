"""Households already in a stage a campaign covers, and their enrollment starting now.

One selection for three readers, so that they agree: activating a campaign enrolls these households, its dry run
counts them (campaigns/simulation/campaign.py), and a partner's new case joining a household already known at its
stage enrolls it in the campaigns that did not have it yet (a bailleur's campaign covers its own tenants only, so
it never had a household before the bailleur pushed it).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.locale.clock import holiday_territory
from campaigns.models import Campaign, Case, Dispatch, Enrollment, Household, Partner, Response
from campaigns.models.authority import case_sources, ruling_cases
from campaigns.models.stages import Stage
from campaigns.planning.authority import stops_campaign
from campaigns.planning.coverage import covers_segment, covers_territory
from campaigns.planning.experiments import apply_arm, assign_arms
from campaigns.planning.own_stock import OwnStock, own_stock
from campaigns.planning.sequences import plan_enrollment, step_due_times
from campaigns.planning.stage_authority import OWN_STAY_KINDS, STRUCTURE_KINDS, has_own_case
from campaigns.platform.dialect import any_of, bulk_insert, insert_returning_ids


@dataclass(frozen=True, slots=True)
class CurrentStay:
    """A household in its current stage stay, with its freshest case (where it lives now)."""

    household_id: int
    stage: Stage
    entry_id: int
    case: Case


def freshest_cases(session: Session, household_ids: Iterable[int]) -> dict[int, Case]:
    """Each household's freshest case among those with authority over it when there are any (the State's, the
    Département's, its landlord's: campaigns.planning.stage_authority), as apply_household_stages reads it: the
    latest stage date, then the latest update, then the newest row."""
    ids = sorted(set(household_ids))
    if not ids:
        return {}
    ruling = ruling_cases(session, case_sources(session, ids))
    freshest: dict[int, Case] = {}
    for case in session.scalars(select(Case).where(any_of(session, Case.household_id, ids))):
        known = freshest.get(case.household_id)
        if known is None or (case.id in ruling, case.date_stade, case.updated_at, case.id) > (
                known.id in ruling, known.date_stade, known.updated_at, known.id):
            freshest[case.household_id] = case
    return freshest


def current_stays(session: Session, campaign: Campaign, *, household_ids: Collection[int] | None = None,
                  enrolled: bool = False, answered: bool = False, own_cases: bool = True) -> list[CurrentStay]:
    """The households (among `household_ids`, else all) in a stage the campaign covers, in its territory and
    segment (read on the freshest case). A campaign of a partner but the pilots has its owner's cases in their own
    stays instead where it has a case (docs/security.md, rule 7; not with `own_cases` False), and a structure's
    (the CAF, a CCAS, the ADIL, an association) the households of its territory where it has none. Left out: the
    stays this campaign already enrolled (unless `enrolled`), and those answered at (unless `answered`)."""
    kind = session.scalar(select(Partner.kind).where(Partner.id == campaign.owner_partner_id))
    if kind not in OWN_STAY_KINDS:
        return _household_stays(session, campaign, household_ids=household_ids, enrolled=enrolled,
                                answered=answered)
    own = _own_current_stays(session, campaign, household_ids=household_ids, enrolled=enrolled,
                             answered=answered) if own_cases else []
    caseless = _household_stays(session, campaign, household_ids=household_ids, enrolled=enrolled,
                                answered=answered, caseless=True) if kind in STRUCTURE_KINDS else []
    return sorted([*own, *caseless], key=lambda s: (s.household_id, s.entry_id))


def _household_stays(session: Session, campaign: Campaign, *, household_ids: Collection[int] | None,
                     enrolled: bool, answered: bool, caseless: bool = False) -> list[CurrentStay]:
    """The households in their own current stays (with `caseless`: those where the campaign's owner has no case)."""
    query = select(Household.id, Household.stage, Household.current_entry_id).where(
        Household.stage.in_(campaign.stages), Household.merged_into_id.is_(None),
        Household.current_entry_id.is_not(None)).order_by(Household.id)
    if caseless:
        query = query.where(~has_own_case(Household.id, campaign.owner_partner_id))
    if household_ids is not None:
        if not household_ids:
            return []
        query = query.where(any_of(session, Household.id, sorted(household_ids)))
    if not enrolled:
        query = query.where(Household.current_entry_id.not_in(
            select(Enrollment.stage_entry_id).where(Enrollment.campaign_id == campaign.id)))
    if not answered:
        query = query.where(Household.current_entry_id.not_in(
            select(Response.stage_entry_id).where(Response.stage_entry_id.is_not(None), stops_campaign(campaign))))
    rows = session.execute(query).all()
    cases = freshest_cases(session, [row.id for row in rows])
    stock = own_stock(session, [campaign], cases)
    return [
        CurrentStay(household_id, Stage(stage), entry_id, cases[household_id])
        for household_id, stage, entry_id in rows
        if household_id in cases and stage is not None and entry_id is not None  # both are, by the query
        and covers_territory(campaign, commune=cases[household_id].commune,
                             code_postal=cases[household_id].code_postal)
        and covers_segment(campaign, parc=cases[household_id].parc, allocataire=cases[household_id].allocataire)
        and stock.covers(campaign.id, household_id)
    ]


def own_stays_of(campaign: Campaign, cases: Collection[Case]) -> list[CurrentStay]:
    """The current stays of these cases (its owner's, open, in a stay) that the campaign covers: stage, territory
    and segment as each case says; one per stay."""
    stays: dict[int, CurrentStay] = {}
    for case in sorted(cases, key=lambda c: c.id):
        if (case.stay_entry_id is not None and case.stage != Stage.CLOTURE and case.stage in campaign.stages
                and case.partner_id == campaign.owner_partner_id and case.stay_entry_id not in stays
                and covers_territory(campaign, commune=case.commune, code_postal=case.code_postal)
                and covers_segment(campaign, parc=case.parc, allocataire=case.allocataire)):
            stays[case.stay_entry_id] = CurrentStay(case.household_id, Stage(case.stage), case.stay_entry_id, case)
    return list(stays.values())


def _own_current_stays(session: Session, campaign: Campaign, *, household_ids: Collection[int] | None,
                       enrolled: bool, answered: bool) -> list[CurrentStay]:
    query = select(Case).join(Household, Household.id == Case.household_id).where(
        Case.partner_id == campaign.owner_partner_id, Case.stay_entry_id.is_not(None),
        Case.stage.in_(campaign.stages), Household.merged_into_id.is_(None))
    if household_ids is not None:
        if not household_ids:
            return []
        query = query.where(any_of(session, Case.household_id, sorted(household_ids)))
    if not enrolled:
        query = query.where(Case.stay_entry_id.not_in(
            select(Enrollment.stage_entry_id).where(Enrollment.campaign_id == campaign.id)))
    if not answered:
        query = query.where(Case.stay_entry_id.not_in(
            select(Response.stage_entry_id).where(Response.stage_entry_id.is_not(None), stops_campaign(campaign))))
    return sorted(own_stays_of(campaign, session.scalars(query).all()), key=lambda s: (s.household_id, s.entry_id))


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which campaigns reach which households, for the dry runs: those that enrolled a household for its current
    stay keep it (coverage is decided when it is enrolled, whatever a fresher case now says), and the others would
    take it entering its stage now (territory, segment, a bailleur's own tenants)."""

    enrolled: dict[int, frozenset[int]]  # household -> campaigns that enrolled it for its current stay
    stock: OwnStock

    def covers(self, campaign: Campaign, household_id: int, stage: str, case: Case) -> bool:
        if campaign.id in self.enrolled.get(household_id, ()):
            return True
        return (stage in campaign.stages
                and covers_territory(campaign, commune=case.commune, code_postal=case.code_postal)
                and covers_segment(campaign, parc=case.parc, allocataire=case.allocataire)
                and self.stock.covers(campaign.id, household_id))


def coverage(session: Session, campaigns: Sequence[Campaign], household_ids: Collection[int]) -> Coverage:
    enrolled: dict[int, set[int]] = {}
    if household_ids:
        rows = session.execute(
            select(Enrollment.household_id, Enrollment.campaign_id)
            .join(Household, (Household.id == Enrollment.household_id)
                  & (Household.current_entry_id == Enrollment.stage_entry_id))
            .where(any_of(session, Enrollment.household_id, sorted(household_ids))))
        for household_id, campaign_id in rows:
            enrolled.setdefault(household_id, set()).add(campaign_id)
    return Coverage({h: frozenset(c) for h, c in enrolled.items()}, own_stock(session, campaigns, household_ids))


def enroll_stays(session: Session, campaign: Campaign, stays: Sequence[CurrentStay], *, now: datetime) -> int:
    """Enrolls these households in the campaign, their sequence starting `now`; returns how many."""
    if not stays or not campaign.steps:
        return 0
    enrollment_ids = insert_returning_ids(session, Enrollment, [
        {"campaign_id": campaign.id, "household_id": s.household_id, "stage_entry_id": s.entry_id,
         "stage": s.stage.value, "enrolled_at": now} for s in stays
    ])
    calendars = {s.entry_id: holiday_territory(s.case.code_postal) for s in stays}
    dues = {territory: step_due_times(campaign, entered_at=now, territory=territory)
            for territory in set(calendars.values())}
    # A campaign running an experiment: each household's arm decides its steps (as sequences.enroll does).
    arms = assign_arms(session, [(campaign.id, s.household_id, s.entry_id, s.stage.value) for s in stays], now=now)
    rows = [
        row for s, enrollment_id in zip(stays, enrollment_ids, strict=True)
        for row in apply_arm(plan_enrollment(campaign, s.household_id, s.stage, s.entry_id, enrollment_id,
                                             dues=dues[calendars[s.entry_id]]),
                             arms.get((campaign.id, s.household_id)))
    ]
    bulk_insert(session, Dispatch, rows)
    return len(stays)


def enroll_joined(session: Session, joined: Mapping[int, Collection[str]], *, now: datetime) -> int:
    """A partner's new cases joined these households (household -> the stages the cases report), known before and
    not moved by them. Where a case reports the household's own current stage, the active campaigns that do not
    have the household for this stay enroll it now, as they would a household entering the stage with that case
    (whoever else it answered: the partner's view must not depend on others' records). A case reporting an
    earlier stage enrolls nothing: its campaigns would show the partner the stage others reported. Returns the
    enrollments made."""
    if not joined:
        return 0
    stages: dict[int, str | None] = {household: stage for household, stage in session.execute(
        select(Household.id, Household.stage).where(any_of(session, Household.id, sorted(joined))))}
    agreeing = {household for household, reported in joined.items() if stages.get(household) in reported}
    if not agreeing:
        return 0
    at = {stages[household] for household in agreeing}
    # A partner's case enters its own campaigns by its own stay (own_stays.move_case_stays): here only the
    # households where a campaign's owner has no case (a structure reaching a household of its territory).
    campaigns = [c for c in session.scalars(select(Campaign).where(Campaign.active.is_(True)).order_by(Campaign.id))
                 if at.intersection(c.stages)]
    return sum(enroll_stays(session, campaign, current_stays(session, campaign, household_ids=agreeing,
                                                             answered=True, own_cases=False), now=now)
               for campaign in campaigns)
