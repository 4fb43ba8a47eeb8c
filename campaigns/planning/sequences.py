"""Stage moves, enrollment of households in campaigns (planned Dispatch rows), and responses that stop them."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import Session

from campaigns.locale.clock import holiday_territory, next_window
from campaigns.models import (
    KEPT_ON_RESPONSE,
    Campaign,
    Case,
    Dispatch,
    DispatchStatus,
    Enrollment,
    Household,
    HumanTask,
    Partner,
    Reason,
    StageEntry,
    TaskStatus,
)
from campaigns.models.authority import CaseSource, ruling_cases
from campaigns.models.enums import RESPONSE_REASONS
from campaigns.models.stages import ReportedStage, Stage, household_stage
from campaigns.planning.coverage import covers_segment, covers_territory
from campaigns.planning.experiments import apply_arm, assign_arms
from campaigns.planning.own_stock import own_stock
from campaigns.planning.stage_authority import cased_pairs, own_stay_campaigns
from campaigns.platform.dialect import any_of, bulk_insert, bulk_update, insert_returning_ids, lock_rows

PENDING_DISPATCH = (DispatchStatus.PLANNED, DispatchStatus.QUEUED)
PENDING_TASK = (TaskStatus.PENDING, TaskStatus.RESERVED, TaskStatus.IN_PROGRESS)


class _HouseholdState(NamedTuple):
    id: int
    stage: str | None
    current_entry_id: int | None


@dataclass(frozen=True, slots=True)
class Place:
    """Where a household lives, as its freshest case says: what a campaign's territory and segment look at."""

    commune: str | None
    code_postal: str | None
    parc: str | None
    allocataire: str | None


def lock_households(session: Session, household_ids: Collection[int]) -> None:
    """Row locks on these households until commit, taken in id order so that two transactions never wait for
    each other (PostgreSQL; SQLite has a single writer). A concurrent move of one of them is waited for.

    FOR NO KEY UPDATE, as an UPDATE takes: rows that only reference a household (a case, a review) still go in
    meanwhile, so a push holding the blocks' locks never waits here for one that waits for those locks.
    """
    lock_rows(session, Household.id, household_ids)


def reported_households(
    cases: Iterable[tuple[int, Stage, date, Place, bool]],
) -> tuple[dict[int, list[ReportedStage]], dict[int, Place]]:
    """From cases ((household, stage, date_stade, place, authoritative)): each household's reported stages, and
    where it lives now, as its freshest case says (the later of two cases of the same day), among the cases whose
    word moves the household when there are any (campaigns.planning.stage_authority)."""
    reports: dict[int, list[ReportedStage]] = {}
    places: dict[int, tuple[bool, date, Place]] = {}
    for household_id, stage, date_stade, place, authoritative in cases:
        reports.setdefault(household_id, []).append(ReportedStage(stage, date_stade, authoritative))
        current = places.get(household_id)
        if current is None or (authoritative, date_stade) >= current[:2]:
            places[household_id] = (authoritative, date_stade, place)
    return reports, {household_id: place for household_id, (_, _, place) in places.items()}


def apply_household_stages(session: Session, household_ids: Collection[int], *, now: datetime) -> int:
    """Recomputes the stage of these households from their cases; moves, cancels and enrolls. Returns moves.

    The households are locked first: their cases and stage are read after any concurrent move commits. Only the
    cases with authority over a household move it (campaigns.planning.stage_authority). The campaigns of every
    partner but the pilots run on their own cases' stays where they have a case, which the household's moves leave
    alone: the caller moves those next (campaigns.planning.own_stays.move_case_stays).
    """
    if not household_ids:
        return 0
    lock_households(session, household_ids)
    rows = session.execute(
        select(Case.id, Case.household_id, Partner.kind, Case.stage, Case.date_stade, Case.commune,
               Case.code_postal, Case.parc, Case.allocataire).join(Partner, Partner.id == Case.partner_id)
        .where(any_of(session, Case.household_id, list(household_ids)))
        .order_by(Case.date_stade, Case.updated_at, Case.id)  # of one day, the latest update is the freshest
    ).all()
    ruling = ruling_cases(session, [CaseSource(r[0], r[1], r[2], r[3]) for r in rows])
    reports, places = reported_households(
        (household_id, Stage(stage), date_stade, Place(commune, code_postal, parc, allocataire), case_id in ruling)
        for case_id, household_id, _kind, stage, date_stade, commune, code_postal, parc, allocataire in rows
    )
    households = session.execute(
        select(Household.id, Household.stage, Household.current_entry_id).where(
            any_of(session, Household.id, list(household_ids))
        )
    ).all()
    moves = [
        (_HouseholdState(*h), new)
        for h in households
        if (new := household_stage(reports.get(h.id, []))) and new != h.stage and not _backwards(h.stage, new)
    ]
    if not moves:
        return 0
    _leave_stages(
        session,
        [h for h, _ in moves if h.current_entry_id is not None],
        now=now,
        closing={h.id for h, s in moves if s is Stage.CLOTURE},
    )
    entry_ids = insert_returning_ids(
        session, StageEntry, [{"household_id": h.id, "stage": s.value, "entered_at": now} for h, s in moves]
    )
    bulk_update(
        session,
        Household,
        [
            {"id": h.id, "stage": s.value, "current_entry_id": e, "updated_at": now}
            for (h, s), e in zip(moves, entry_ids, strict=True)
        ],
    )
    enroll(session, [(h.id, s, e, places[h.id]) for (h, s), e in zip(moves, entry_ids, strict=True)], now=now,
           own_stays=False)
    return len(moves)


def _backwards(current: str | None, new: Stage) -> bool:
    """A procedure only moves forward: a stale or corrected earlier stage does not move the household back."""
    if current is None or current == Stage.CLOTURE or new is Stage.CLOTURE:
        return False
    return new.rank < Stage(current).rank


def _leave_stages(
    session: Session, households: list[_HouseholdState], *, now: datetime, closing: set[int]
) -> None:
    # A campaign of a partner but the pilots leaves its own case's stay when that case does (docs/security.md,
    # rule 7); a household closes only once every case has closed, each closure having stopped its own campaigns
    # already.
    spared = own_stay_campaigns(session)
    for reason, ids in (
        (Reason.CLOSED, [h.id for h in households if h.id in closing]),
        (Reason.STAGE_CHANGED, [h.id for h in households if h.id not in closing]),
    ):
        if not ids:
            continue
        entry_ids = [h.current_entry_id for h in households if h.id in ids and h.current_entry_id]
        if entry_ids:
            session.execute(
                update(StageEntry)
                .where(any_of(session, StageEntry.id, entry_ids))
                .values(left_at=now, left_reason=reason.value)
            )
        cancel_pending(session, household_ids=ids, reason=reason, now=now,
                       spared=spared if reason is Reason.STAGE_CHANGED else ())


def cancel_pending(
    session: Session, *, household_ids: Iterable[int], reason: Reason, now: datetime, stage: str | None = None,
    spared: Collection[int] = (),
) -> int:
    """Cancels the planned contacts and open tasks of these households (of one stage, if given), but those of the
    `spared` campaigns in the households where their owner has a case."""
    ids = list(household_ids)
    dispatch_filter: list[ColumnElement[bool]] = [
        any_of(session, Dispatch.household_id, ids), Dispatch.status.in_(PENDING_DISPATCH)]
    task_filter: list[ColumnElement[bool]] = [
        any_of(session, HumanTask.household_id, ids), HumanTask.status.in_(PENDING_TASK)]
    if stage is not None:
        dispatch_filter.append(Dispatch.stage == stage)
        task_filter.append(HumanTask.stage == stage)
    if reason in RESPONSE_REASONS:
        # The DSF deadlines run whether or not the tenant answers (queue_routing, docs/domain.md §6).
        task_filter.append(HumanTask.kind.not_in(KEPT_ON_RESPONSE))
    if spared:
        # Spared where the campaign's owner has a case in the household (its own case's stay, rule 7).
        sparing = and_(Dispatch.campaign_id.in_(sorted(spared)), exists().where(
            Campaign.id == Dispatch.campaign_id, Case.household_id == Dispatch.household_id,
            Case.partner_id == Campaign.owner_partner_id))
        dispatch_filter.append(~sparing)
        task_filter.append(or_(HumanTask.dispatch_id.is_(None), HumanTask.dispatch_id.not_in(
            select(Dispatch.id).where(any_of(session, Dispatch.household_id, ids), sparing))))
    result = session.execute(
        update(Dispatch)
        .where(*dispatch_filter)
        .values(status=DispatchStatus.CANCELLED.value, reason=reason.value, finished_at=now),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(HumanTask)
        .where(*task_filter)
        .values(status=TaskStatus.CANCELLED.value, reason=reason.value, updated_at=now),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def enroll(
    session: Session, entries: list[tuple[int, Stage, int, Place]], *, now: datetime, own_stays: bool
) -> None:
    """Enrolls households that just entered a stage ((household, stage, stage entry, place)) in the active
    campaigns covering it, and plans their steps. Where their owner has a case, the campaigns of every partner but
    the pilots (they run on their own cases' stays) only with `own_stays`: for new households, whose stay is that
    of their partners' cases at its stage."""
    campaigns = session.scalars(select(Campaign).where(Campaign.active.is_(True))).all()
    # Where its owner has a case, a campaign of a partner but the pilots runs on that case's stays (own_stays).
    own = own_stay_campaigns(session) if not own_stays else set()
    cased = cased_pairs(session, [entry[0] for entry in entries]) if own else set()
    by_stage: dict[str, list[Campaign]] = {}
    for campaign in campaigns:
        for stage in campaign.stages:
            by_stage.setdefault(stage, []).append(campaign)
    stock = own_stock(session, campaigns, [entry[0] for entry in entries])
    pairs = [
        (campaign, household_id, stage, entry_id)
        for household_id, stage, entry_id, place in entries
        for campaign in by_stage.get(stage.value, [])
        if covers_territory(campaign, commune=place.commune, code_postal=place.code_postal)
        and covers_segment(campaign, parc=place.parc, allocataire=place.allocataire)
        and stock.covers(campaign.id, household_id)
        and (campaign.id not in own or (campaign.owner_partner_id, household_id) not in cased)
    ]
    if not pairs:
        return
    enrollment_ids = insert_returning_ids(
        session,
        Enrollment,
        [
            {"campaign_id": c.id, "household_id": h, "stage_entry_id": e, "stage": s.value, "enrolled_at": now}
            for c, h, s, e in pairs
        ],
    )
    # Due times follow the working days of each household's département (its local holidays): computed once per
    # campaign and holiday calendar.
    calendars = {household_id: holiday_territory(place.code_postal) for household_id, _s, _e, place in entries}
    dues = {(c.id, territory): step_due_times(c, entered_at=now, territory=territory)
            for c, territory in {(p[0], calendars[p[1]]) for p in pairs}}
    # Campaigns running an experiment: each household's recorded arm decides its steps and templates.
    arms = assign_arms(session, [(c.id, h, e, s.value) for c, h, s, e in pairs], now=now)
    dispatches = [
        row
        for (campaign, household_id, stage, entry_id), enrollment_id in zip(pairs, enrollment_ids, strict=True)
        for row in apply_arm(plan_enrollment(campaign, household_id, stage, entry_id, enrollment_id,
                                             dues=dues[campaign.id, calendars[household_id]]),
                          arms.get((campaign.id, household_id)))
    ]
    bulk_insert(session, Dispatch, dispatches)


def step_due_times(campaign: Campaign, *, entered_at: datetime, territory: str | None = None) -> list[datetime]:
    """When each step falls due for a household entering the stage at `entered_at`: its delay (from the
    previous step or from stage entry), moved into the sending window on the working days of `territory`."""
    dues: list[datetime] = []
    previous_due = entered_at
    for step in campaign.steps:
        base = entered_at if step.delay_from == "stage_entry" else previous_due
        previous_due = next_window(base + timedelta(days=step.delay_days), territory)
        dues.append(previous_due)
    return dues


def plan_enrollment(
    campaign: Campaign, household_id: int, stage: Stage, entry_id: int, enrollment_id: int, *, dues: list[datetime]
) -> list[dict[str, object]]:
    """The Dispatch rows of one enrollment."""
    rows: list[dict[str, object]] = []
    for step, due in zip(campaign.steps, dues, strict=True):
        rows.append(
            {
                # One row per campaign, stage stay and step: planning twice cannot create a second letter.
                "dedup_key": f"c{campaign.id}-e{entry_id}-s{step.position}",
                "enrollment_id": enrollment_id,
                "campaign_id": campaign.id,
                "household_id": household_id,
                "stage_entry_id": entry_id,
                "stage": stage.value,
                "step_position": step.position,
                "channel": step.channel,
                # "etape_{stade}" lets one step of a multi-stage campaign use each stage's own letter.
                "template": step.template.replace("{stade}", stage.value) if step.template else None,
                "conditions": list(step.conditions),
                "regulatory": step.regulatory,
                "due_at": due,
                "status": DispatchStatus.PLANNED.value,
                "attempts": 0,
            }
        )
    return rows

