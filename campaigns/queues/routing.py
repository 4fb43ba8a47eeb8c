"""Opening call, visit and DSF tasks: which queue (the household's referent, else the campaign owner), how urgent
(hearing date first), and by when (the deadline after which the tick escalates them)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, exists, literal, or_, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from campaigns.delivery.set_aside import out_of_bounds_cases
from campaigns.locale.clock import PARIS, add_working_days, departement_of, local_date
from campaigns.models import (
    Campaign,
    CampaignStep,
    Case,
    Dispatch,
    Enrollment,
    Household,
    HumanTask,
    StageEntry,
    TaskKind,
    TaskStatus,
)
from campaigns.models.stages import Stage
from campaigns.planning.dsf_chain import dsf_deadlines
from campaigns.planning.stage_authority import hearing_dates
from campaigns.planning.standing import standing, visible_hearing, visible_stage
from campaigns.platform.dialect import insert_ignoring_conflicts, is_postgres

log = logging.getLogger(__name__)

# Working days a worker has before a task is escalated to the supervisors (a call is quick, a visit is planned).
SLA_WORKING_DAYS: dict[str, int] = {TaskKind.APPEL: 2, TaskKind.VISITE: 10, TaskKind.RECHERCHE: 10}
DEFAULT_SLA_WORKING_DAYS = 5
# Sorts after every real hearing date (date.max.toordinal() is 3 652 059).
_NO_HEARING = 9_999_999
_STAGE_RANK = {stage.value: stage.rank for stage in Stage}


def end_of_day(day: date) -> datetime:
    """Midnight after `day`, Paris time: a deadline on a date means the whole of that date."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS)


def sla_deadline(kind: str, now: datetime) -> datetime:
    return end_of_day(add_working_days(local_date(now), SLA_WORKING_DAYS.get(kind, DEFAULT_SLA_WORKING_DAYS)))


def task_priority(hearing: date | None, stage: str) -> int:
    """A sortable key, lower first: the nearest hearing date, then the most advanced procedure stage."""
    day = hearing.toordinal() if hearing is not None else _NO_HEARING
    return day * 10 + (9 - _STAGE_RANK.get(stage, 0))


def hearing_date(session: Session, household_id: int) -> date | None:
    """The household's hearing date, as the cases with authority over it give it (campaigns.planning.stage_authority):
    a date pushed by a stranger never moves the DSF deadlines another partner's case set."""
    return hearing_dates(session, [household_id]).get(household_id)


def household_territory(session: Session, household_id: int) -> str | None:
    """The département of the household's latest open case: its public holidays set the working days."""
    code = session.scalar(
        select(Case.code_postal)
        .where(Case.household_id == household_id, Case.stage != Stage.CLOTURE.value, Case.code_postal.is_not(None))
        .order_by(Case.id.desc()).limit(1)
    )
    return departement_of(code)


def queue_partner(household: Household, owner_partner_id: int) -> int:
    """The referent structure follows the household; without one, the campaign owner does."""
    return household.referent_partner_id or owner_partner_id


def campaign_queue(campaign: Campaign) -> int:
    """Whose queue a campaign's tasks go to without a referent: its delegated operator (ADIL, association), else
    its owner."""
    return campaign.delegate_partner_id or campaign.owner_partner_id


def _row(household_id: int, queue: int, kind: str, stage: str, *, hearing: date | None, due_at: datetime,
         sla_due_at: datetime, now: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "household_id": household_id, "queue_partner_id": queue, "kind": kind, "stage": stage,
        "status": TaskStatus.PENDING.value, "priority": task_priority(hearing, stage), "version": 1,
        "due_at": due_at, "sla_due_at": sla_due_at, "created_at": now, "updated_at": now, **extra,
    }


def open_dispatch_task(session: Session, *, dispatch_id: int, kind: str, now: datetime) -> None:
    """The task of a delivered call or visit step; a DSF step at the assignation stage opens the DSF chain.
    One task per dispatch: delivering the same row twice adds nothing."""
    dispatch = session.get_one(Dispatch, dispatch_id)
    campaign = session.get_one(Campaign, dispatch.campaign_id)
    step = session.scalar(
        select(CampaignStep).where(
            CampaignStep.campaign_id == campaign.id, CampaignStep.position == dispatch.step_position
        )
    )
    if step is not None and step.dsf and dispatch.stage == Stage.ASSIGNATION:
        open_dsf_chain(session, enrollment_id=dispatch.enrollment_id, now=now)
        return
    household = session.get_one(Household, dispatch.household_id)
    announced = (step.announced if step is not None else True) if kind == TaskKind.VISITE else None
    # The referent follows the household for the campaigns of a partner trusted with it (docs/security.md, rules 1
    # and 2); a partner whose cases there have no authority keeps its tasks in its own (or its operator's) queue,
    # ranked by its own cases' hearing date: its campaign is no lever over the referent's queue.
    owner = standing(session, household, campaign.owner_partner_id)
    if owner.household_view:
        queue = queue_partner(household, campaign_queue(campaign))
        hearing = visible_hearing(session, household, queue)
    else:
        queue = campaign_queue(campaign)
        hearing = visible_hearing(session, household, campaign.owner_partner_id, owner)
    row = _row(
        household.id, queue, kind, dispatch.stage,
        hearing=hearing, due_at=now, sla_due_at=sla_deadline(kind, now), now=now,
        dispatch_id=dispatch.id, announced=announced,
    )
    session.execute(insert_ignoring_conflicts(session, HumanTask, ["dispatch_id"]), [row])


def dsf_key(enrollment_id: int, kind: str) -> str:
    return f"dsf-e{enrollment_id}-{kind}"


def open_dsf_chain(session: Session, *, enrollment_id: int, now: datetime) -> int:
    """The DSF tasks of one enrollment (docs/domain.md §6), with the deadlines of campaigns/planning/dsf_chain.py
    counted from the day the household entered the assignation stage. The hearing-bound tasks wait for a hearing date.
    Idempotent (one `dedup_key` per enrollment and kind); returns how many tasks were created."""
    enrollment = session.get_one(Enrollment, enrollment_id)
    household = session.get_one(Household, enrollment.household_id)
    campaign = session.get_one(Campaign, enrollment.campaign_id)
    entry = session.get_one(StageEntry, enrollment.stage_entry_id)
    hearing = hearing_date(session, household.id)
    deadlines = dsf_deadlines(local_date(entry.entered_at), hearing, household_territory(session, household.id))
    queue = queue_partner(household, campaign_queue(campaign))
    plan: list[tuple[TaskKind, datetime, date]] = [(TaskKind.DSF_CONTACT, now, deadlines.first_contact_due)]
    if deadlines.second_offer_due and deadlines.ccapex_request_due and deadlines.transmission_due:
        # The second offer is only due if the household has not answered by then: it is shown from that day.
        second = max(now, datetime.combine(deadlines.second_offer_due, time(0), tzinfo=PARIS))
        plan += [
            (TaskKind.DSF_RELANCE, second, deadlines.second_offer_due),
            (TaskKind.DSF_CCAPEX, now, deadlines.ccapex_request_due),
            (TaskKind.DSF_TRANSMISSION, now, deadlines.transmission_due),
        ]
    rows = [
        _row(household.id, queue, kind.value, enrollment.stage, hearing=hearing, due_at=due_at,
             sla_due_at=end_of_day(deadline), now=now, dedup_key=dsf_key(enrollment_id, kind.value))
        for kind, due_at, deadline in plan
    ]
    keys = [r["dedup_key"] for r in rows]
    existing = set(session.scalars(select(HumanTask.dedup_key).where(HumanTask.dedup_key.in_(keys))))
    missing = [r for r in rows if r["dedup_key"] not in existing]
    if missing:
        session.execute(insert_ignoring_conflicts(session, HumanTask, ["dedup_key"]), missing)
    return len(missing)


def _missing(kind: TaskKind) -> Any:
    key = literal("dsf-e") + cast(Enrollment.id, String) + literal(f"-{kind.value}")
    return ~exists().where(HumanTask.dedup_key == key)


def open_due_dsf_chains(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Opens the DSF chain of households now at the assignation stage in a campaign with a `dsf` step, and
    completes it once a hearing date is known. Run by the tick, so a response or a skipped step never leaves a
    household without its DSF."""
    # Checked first: without an active campaign holding a DSF step, the tick reads none of the enrollments (a
    # million households enrolled: 2 s of the tick, bench/tick.py).
    if session.scalar(select(CampaignStep.id).join(Campaign, Campaign.id == CampaignStep.campaign_id)
                      .where(CampaignStep.dsf.is_(True), Campaign.active.is_(True)).limit(1)) is None:
        return 0
    has_dsf_step = exists().where(CampaignStep.campaign_id == Enrollment.campaign_id, CampaignStep.dsf.is_(True))
    has_hearing = exists().where(Case.household_id == Enrollment.household_id, Case.date_audience.is_not(None))
    enrollment_ids = session.scalars(
        select(Enrollment.id)
        .join(Household, Household.current_entry_id == Enrollment.stage_entry_id)
        .join(Campaign, Campaign.id == Enrollment.campaign_id)
        .where(
            Enrollment.stage == Stage.ASSIGNATION.value,
            Campaign.active.is_(True),
            has_dsf_step,
            or_(_missing(TaskKind.DSF_CONTACT), and_(_missing(TaskKind.DSF_TRANSMISSION), has_hearing)),
            # Set aside: a stored date beyond its bounds (campaigns/delivery/set_aside.py), shown to the operator.
            Enrollment.household_id.not_in(
                select(Case.household_id).where(out_of_bounds_cases(local_date(now)))),
        )
        .order_by(Enrollment.id)
        .limit(limit)
    ).all()
    opened = 0
    for enrollment_id in enrollment_ids:
        # One household that fails never stops the others' chains (a savepoint undoes its part on PostgreSQL).
        savepoint = session.begin_nested() if is_postgres(session) else None
        try:
            opened += open_dsf_chain(session, enrollment_id=enrollment_id, now=now)
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            log.exception("enrollment %s: DSF chain set aside", enrollment_id)
            if savepoint is not None:
                savepoint.rollback()
            continue
        if savepoint is not None:
            savepoint.commit()
    return opened


def open_locate_task(session: Session, *, task: HumanTask, now: datetime) -> int | None:
    """The household has left (outcome `parti`): if its procedure is still open, someone looks for it."""
    household = session.get_one(Household, task.household_id)
    # The stage and hearing date the task's queue may know (campaigns.planning.standing, docs/security.md rule 1).
    stage = visible_stage(session, household, task.queue_partner_id)
    if stage is None or stage == Stage.CLOTURE:
        return None
    key = f"recherche-t{task.id}"
    row = _row(
        household.id, task.queue_partner_id, TaskKind.RECHERCHE.value, stage,
        hearing=visible_hearing(session, household, task.queue_partner_id), due_at=now,
        sla_due_at=sla_deadline(TaskKind.RECHERCHE, now), now=now, dedup_key=key,
    )
    session.execute(insert_ignoring_conflicts(session, HumanTask, ["dedup_key"]), [row])
    return session.scalar(select(HumanTask.id).where(HumanTask.dedup_key == key))
