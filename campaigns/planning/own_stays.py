"""Own stays (docs/security.md, rule 7): the campaigns of every partner but the pilots (a bailleur, the CAF, a CCAS,
the ADIL, an association) run on the stage its own case reports, and since when, not on the household's coordinated
stage (rule 6). Its contacts are then those it would get on an empty base, whatever others report and whoever has
authority over the household. A structure's campaign reaching a household of its territory where its owner has no
case follows the household's stay (rule 5).

Such a partner's case has a stay (`Case.stay_entry_id`): the household's current stay when the case enters its stage at
the household's own stage (the usual case: its letters then coordinate with every campaign of that stay, one letter
per household and stage), else a stay of its own (`StageEntry.case_id`). The case leaving its stage cancels its
partner's contacts of the stay it leaves (reason `stage_changed`, `closed` for a closure) and enrolls it in its
partner's active campaigns covering the new stage, in their territory and segment as the case itself says; the
household moving never touches these campaigns (campaigns.planning.sequences spares them).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import Session, defer
from sqlalchemy.orm.attributes import set_committed_value

from campaigns.crypto.columns import EncryptedValue
from campaigns.models import (
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
from campaigns.models.stages import Stage
from campaigns.planning.current_stays import enroll_stays, own_stays_of
from campaigns.planning.sequences import PENDING_DISPATCH, PENDING_TASK
from campaigns.planning.stage_authority import OWN_STAY_KINDS, STRUCTURE_KINDS, has_own_case
from campaigns.platform.dialect import any_of, bulk_update, insert_returning_ids

CLOSED = Stage.CLOTURE.value
# Planning reads no encrypted field of the cases it moves: left unloaded (each would be decrypted, ~10 a case on
# intake's hot path); an access still loads it.
_UNREAD = tuple(defer(getattr(Case, column.key)) for column in Case.__table__.columns
                if isinstance(column.type, EncryptedValue))


def _needs_move(stage: str, stay_entry_id: int | None, stay_stage: str | None) -> bool:
    if stage == CLOSED:
        return stay_entry_id is not None
    return stay_entry_id is None or stay_stage != stage


def move_case_stays(session: Session, household_ids: Collection[int], *, now: datetime) -> int:
    """The bailleurs' cases of these households that entered a stage (new, moved, reopened) or closed leave their
    stay and enter the new one, after the households' own stages are settled (their current stay is read here).
    Returns the cases moved."""
    ids = sorted(set(household_ids))
    if not ids:
        return 0
    rows = session.execute(
        select(Case.id, Case.partner_id, Case.stage, Case.stay_entry_id, StageEntry.stage)
        .join(Partner, Partner.id == Case.partner_id)
        .outerjoin(StageEntry, StageEntry.id == Case.stay_entry_id)
        .where(any_of(session, Case.household_id, ids), Partner.kind.in_(OWN_STAY_KINDS))
    ).all()
    moving_ids = sorted(case_id for case_id, _partner, stage, stay, stay_stage in rows
                        if _needs_move(stage, stay, stay_stage))
    if not moving_ids:
        return 0
    moving_set = set(moving_ids)
    moving = session.scalars(select(Case).where(any_of(session, Case.id, moving_ids)).order_by(Case.id)
                             .options(*_UNREAD)).all()
    # A stay another open case of the same partner still holds at its stage keeps its contacts.
    held = {(partner_id, stay) for case_id, partner_id, _stage, stay, _stay_stage in rows
            if case_id not in moving_set and stay is not None}
    _leave(session, [case for case in moving if case.stay_entry_id is not None
                     and (case.partner_id, case.stay_entry_id) not in held], now=now)
    households = {h.id: (h.stage, h.current_entry_id) for h in session.execute(
        select(Household.id, Household.stage, Household.current_entry_id)
        .where(any_of(session, Household.id, sorted({c.household_id for c in moving}))))}
    entering = [case for case in moving if case.stage != CLOSED]
    # Where the household is at the case's stage, the case joins the household's stay; elsewhere a stay of its own.
    private = [case for case in entering if households[case.household_id][0] != case.stage
               or households[case.household_id][1] is None]
    private_ids = dict(zip((case.id for case in private), insert_returning_ids(session, StageEntry, [
        {"household_id": case.household_id, "stage": case.stage, "entered_at": now, "case_id": case.id}
        for case in private]), strict=True)) if private else {}
    # One UPDATE for all (not one a case through the unit of work); the loaded objects are told the new value.
    stays = [{"id": case.id, "stay_entry_id": None if case.stage == CLOSED else private_ids.get(
        case.id, households[case.household_id][1])} for case in moving]
    bulk_update(session, Case, stays)
    for case, stay in zip(moving, stays, strict=True):
        set_committed_value(case, "stay_entry_id", stay["stay_entry_id"])
    _enroll(session, entering, now=now)
    return len(moving)


def _leave(session: Session, cases: list[Case], *, now: datetime) -> None:
    """The cases leave their stays: their partners' contacts of those stays stop; the stays of their own end."""
    groups: dict[tuple[int, Reason], list[Case]] = {}
    for case in cases:
        reason = Reason.CLOSED if case.stage == CLOSED else Reason.STAGE_CHANGED
        groups.setdefault((case.partner_id, reason), []).append(case)
    for (partner_id, reason), leaving in groups.items():
        entries = sorted({case.stay_entry_id for case in leaving if case.stay_entry_id is not None})
        campaigns = select(Campaign.id).where(Campaign.owner_partner_id == partner_id)
        stopped = select(Dispatch.id).where(any_of(session, Dispatch.stage_entry_id, entries),
                                            Dispatch.campaign_id.in_(campaigns))
        session.execute(
            update(HumanTask).where(HumanTask.dispatch_id.in_(stopped), HumanTask.status.in_(PENDING_TASK))
            .values(status=TaskStatus.CANCELLED.value, reason=reason.value, updated_at=now),
            execution_options={"synchronize_session": False})
        session.execute(
            update(Dispatch).where(any_of(session, Dispatch.stage_entry_id, entries),
                                   Dispatch.campaign_id.in_(campaigns), Dispatch.status.in_(PENDING_DISPATCH))
            .values(status=DispatchStatus.CANCELLED.value, reason=reason.value, finished_at=now),
            execution_options={"synchronize_session": False})
        session.execute(
            update(StageEntry).where(any_of(session, StageEntry.id, entries),
                                     any_of(session, StageEntry.case_id, sorted(case.id for case in leaving)),
                                     StageEntry.left_at.is_(None))
            .values(left_at=now, left_reason=reason.value),
            execution_options={"synchronize_session": False})


def _enroll(session: Session, cases: list[Case], *, now: datetime) -> int:
    """Enrolls the cases' new stays in their partner's active campaigns covering them (sequences start now)."""
    if not cases:
        return 0
    campaigns = session.scalars(select(Campaign).where(
        Campaign.active.is_(True), Campaign.owner_partner_id.in_({case.partner_id for case in cases}))
        .order_by(Campaign.id)).all()
    done = 0
    for campaign in campaigns:
        stays = own_stays_of(campaign, [case for case in cases if case.partner_id == campaign.owner_partner_id])
        if not stays:
            continue
        # A stay the campaign already has (the household's, entered with another case) is not enrolled twice.
        enrolled = set(session.scalars(select(Enrollment.stage_entry_id).where(
            Enrollment.campaign_id == campaign.id,
            any_of(session, Enrollment.stage_entry_id, sorted({s.entry_id for s in stays})))))
        done += enroll_stays(session, campaign, [s for s in stays if s.entry_id not in enrolled], now=now)
    return done


def runs_on_own_stays(session: Session, campaign: Campaign) -> bool:
    """Whether the campaign runs on its owner's case stays where it has a case (its owner is no pilot)."""
    return _owner_kind(session, campaign) in OWN_STAY_KINDS


def _owner_kind(session: Session, campaign: Campaign) -> str:
    return session.get_one(Partner, campaign.owner_partner_id).kind


def stay_is_current(session: Session, campaign: Campaign, household: Household, entry_id: int) -> bool:
    """Whether the campaign's contacts of this stay may still go: for a pilot's campaign, it is the household's
    current stay; for any other partner's, an open case of its owner in the household is in this stay, or, for a
    structure's campaign where its owner has no case at all (a household of its territory), it is the household's
    current stay."""
    kind = _owner_kind(session, campaign)
    if kind not in OWN_STAY_KINDS:
        return household.current_entry_id == entry_id
    if kind in STRUCTURE_KINDS and not session.scalar(select(has_own_case(household.id, campaign.owner_partner_id))):
        return household.current_entry_id == entry_id
    return bool(session.scalar(select(exists().where(
        Case.household_id == household.id, Case.partner_id == campaign.owner_partner_id,
        Case.stay_entry_id == entry_id, Case.stage != CLOSED))))


def current_enrollment(session: Session, campaign: Campaign) -> ColumnElement[bool]:
    """A condition on `Enrollment`: its stay is current for the campaign (as `stay_is_current` says)."""
    kind = _owner_kind(session, campaign)
    household_stay = exists().where(Household.id == Enrollment.household_id,
                                    Household.current_entry_id == Enrollment.stage_entry_id)
    if kind not in OWN_STAY_KINDS:
        return household_stay
    own_stay = exists().where(Case.household_id == Enrollment.household_id,
                              Case.partner_id == campaign.owner_partner_id,
                              Case.stay_entry_id == Enrollment.stage_entry_id, Case.stage != CLOSED)
    if kind in STRUCTURE_KINDS:
        return or_(own_stay, and_(~has_own_case(Enrollment.household_id, campaign.owner_partner_id), household_stay))
    return own_stay
