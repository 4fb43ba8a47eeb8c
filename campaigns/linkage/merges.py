"""Household merges, recorded row by row so that an undo restores both households and their contact history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaigns.models import (
    AnswerLink,
    Campaign,
    Case,
    Dispatch,
    DispatchStatus,
    Enrollment,
    Household,
    HouseholdMerge,
    HumanTask,
    LinkAnswer,
    LinkReview,
    Partner,
    Reason,
    Response,
    StageEntry,
    TaskStatus,
)
from campaigns.models.stages import Stage
from campaigns.planning.sequences import PENDING_DISPATCH, PENDING_TASK, apply_household_stages
from campaigns.planning.stage_authority import OWN_STAY_KINDS
from campaigns.platform.db import Base
from campaigns.platform.dialect import any_of
from campaigns.platform.errors import NotFoundError

# Every table whose rows belong to a household, by the key used in HouseholdMerge.moved.
MOVED_TABLES: tuple[tuple[str, type[Base]], ...] = (
    ("cases", Case), ("dispatches", Dispatch), ("responses", Response), ("human_tasks", HumanTask),
    ("stage_entries", StageEntry), ("enrollments", Enrollment),
    # A link's answers follow the household: an opt-out through a partner's link keeps its effect after a merge.
    ("answer_links", AnswerLink), ("link_answers", LinkAnswer),
)


class MergeConflictError(Exception):
    """The merge or undo cannot be done in the current state (the API answers 409); French message."""


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _locked_pair(session: Session, first: int, second: int) -> tuple[Household, Household]:
    # Both rows locked in id order: two concurrent merges of the same households cannot deadlock.
    rows = {h.id: h for h in session.scalars(
        select(Household).where(Household.id.in_([first, second])).order_by(Household.id).with_for_update())}
    if first not in rows or second not in rows:
        raise NotFoundError("ménage inconnu")
    return rows[first], rows[second]


def _own_case_contacts(household_id: int) -> Any:
    """The household's contacts of a campaign that runs on its owner's own case's stay there (docs/security.md,
    rule 7: a partner but the pilots with an open case holding the contact's stay). They go on with the case."""
    return select(Dispatch.id).join(Campaign, Campaign.id == Dispatch.campaign_id).join(
        Partner, Partner.id == Campaign.owner_partner_id).join(
        Case, (Case.household_id == household_id) & (Case.partner_id == Campaign.owner_partner_id)
        & (Case.stay_entry_id == Dispatch.stage_entry_id) & (Case.stage != Stage.CLOTURE.value)).where(
        Dispatch.household_id == household_id, Partner.kind.in_(OWN_STAY_KINDS))


def _pending_snapshot(session: Session, household_id: int, entry_id: int | None = None, *,
                      keep_own_stays: bool = False) -> dict[str, list[Any]]:
    """The household's pending contacts with what an undo needs to put them back as they were (with
    `keep_own_stays`, but those of its partners' own case stays)."""
    dispatch_filter = [Dispatch.household_id == household_id, Dispatch.status.in_(PENDING_DISPATCH)]
    task_filter = [HumanTask.household_id == household_id, HumanTask.status.in_(PENDING_TASK)]
    if entry_id is not None:
        dispatch_filter.append(Dispatch.stage_entry_id == entry_id)
        task_filter.append(HumanTask.dispatch_id.in_(select(Dispatch.id).where(Dispatch.stage_entry_id == entry_id)))
    if keep_own_stays:
        own = _own_case_contacts(household_id)
        dispatch_filter.append(Dispatch.id.not_in(own))
        task_filter.append(HumanTask.dispatch_id.is_(None) | HumanTask.dispatch_id.not_in(own))
    dispatches = session.execute(
        select(Dispatch.id, Dispatch.status, Dispatch.reason, Dispatch.finished_at).where(*dispatch_filter))
    tasks = session.execute(
        select(HumanTask.id, HumanTask.status, HumanTask.reason, HumanTask.updated_at).where(*task_filter))
    return {
        "dispatches": [[i, status, reason, _iso(at)] for i, status, reason, at in dispatches],
        "tasks": [[i, status, reason, _iso(at)] for i, status, reason, at in tasks],
    }


def _cancel(session: Session, snapshot: dict[str, list[Any]], *, reason: Reason, now: datetime) -> None:
    if snapshot["dispatches"]:
        session.execute(
            update(Dispatch).where(any_of(session, Dispatch.id, [d[0] for d in snapshot["dispatches"]]))
            .values(status=DispatchStatus.CANCELLED.value, reason=reason.value, finished_at=now),
            execution_options={"synchronize_session": False})
    if snapshot["tasks"]:
        session.execute(
            update(HumanTask).where(any_of(session, HumanTask.id, [t[0] for t in snapshot["tasks"]]))
            .values(status=TaskStatus.CANCELLED.value, reason=reason.value, updated_at=now),
            execution_options={"synchronize_session": False})


def _restore(session: Session, snapshot: dict[str, list[Any]], *, reasons: Sequence[Reason]) -> None:
    """Puts cancelled contacts back, only those still cancelled for one of `reasons` (nothing else since)."""
    codes = [r.value for r in reasons]
    for dispatch_id, status, reason, finished_at in snapshot["dispatches"]:
        session.execute(
            update(Dispatch)
            .where(Dispatch.id == dispatch_id, Dispatch.status == DispatchStatus.CANCELLED.value,
                   Dispatch.reason.in_(codes))
            .values(status=status, reason=reason, finished_at=_moment(finished_at)),
            execution_options={"synchronize_session": False})
    for task_id, status, reason, updated_at in snapshot["tasks"]:
        session.execute(
            update(HumanTask)
            .where(HumanTask.id == task_id, HumanTask.status == TaskStatus.CANCELLED.value,
                   HumanTask.reason.in_(codes))
            .values(status=status, reason=reason, updated_at=_moment(updated_at)),
            execution_options={"synchronize_session": False})


def _move(session: Session, ids: dict[str, list[int]], *, from_id: int, into_id: int) -> None:
    for name, model in MOVED_TABLES:
        if ids.get(name):  # a merge recorded before a table was added to the list moved none of its rows
            table: Any = model
            session.execute(
                update(model).where(any_of(session, table.id, ids[name]), table.household_id == from_id)
                .values(household_id=into_id), execution_options={"synchronize_session": False})


def merge_households(
    session: Session, from_id: int, into_id: int, *, reason: str, score: float | None, partner_id: int | None,
    now: datetime, review_id: int | None = None,
) -> HouseholdMerge:
    """Moves every row of household `from_id` into `into_id` and records it all in a HouseholdMerge.

    `from`'s pending contacts are cancelled as duplicates (`into` goes on with its own), but those of a campaign
    running on its owner's own case's stay (rule 7: they go on with the case, as on an empty base); its open stage
    stay is closed, and `into`'s stage is recomputed from all the cases (it may move forward and plan new contacts).
    """
    if from_id == into_id:
        raise MergeConflictError("un ménage ne peut pas être fusionné avec lui-même")
    source, target = _locked_pair(session, from_id, into_id)
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise MergeConflictError("l'un des deux ménages a déjà été fusionné dans un autre")
    ids: dict[str, Any] = {
        name: list(session.scalars(select(model.id).where(model.household_id == from_id)))  # type: ignore[attr-defined]
        for name, model in MOVED_TABLES
    }
    cancelled = _pending_snapshot(session, from_id, keep_own_stays=True)
    _cancel(session, cancelled, reason=Reason.DUPLICATE, now=now)
    closed_entry = None
    if source.current_entry_id is not None:
        closed_entry = source.current_entry_id
        session.execute(update(StageEntry).where(StageEntry.id == closed_entry, StageEntry.left_at.is_(None))
                        .values(left_at=now, left_reason=Reason.DUPLICATE.value))
    ids["from_state"] = {"stage": source.stage, "current_entry_id": source.current_entry_id,
                         "closed_entry": closed_entry}
    ids["cancelled"] = cancelled
    _move(session, ids, from_id=from_id, into_id=into_id)
    # The absorbed household is left empty and inert: its guard (current entry) matches no contact any more.
    source.merged_into_id, source.stage, source.current_entry_id, source.updated_at = into_id, None, None, now
    before = {"stage": target.stage, "entry": target.current_entry_id}
    pending_before = _pending_snapshot(session, into_id)
    session.flush()
    apply_household_stages(session, [into_id], now=now)
    session.refresh(target)
    target.updated_at = now
    ids["into_move"] = None
    if target.current_entry_id != before["entry"]:
        ids["into_move"] = {"previous_stage": before["stage"], "previous_entry": before["entry"],
                            "new_entry": target.current_entry_id, "cancelled": pending_before}
    merge = HouseholdMerge(from_household_id=from_id, into_household_id=into_id, reason=reason, score=score,
                           decided_by_partner_id=partner_id, link_review_id=review_id, moved=ids, created_at=now)
    session.add(merge)
    session.flush()
    return merge


def undo_merge(session: Session, merge_id: int, *, partner_id: int | None, now: datetime) -> HouseholdMerge:
    """Moves every recorded row back, restores the contacts the merge cancelled and both households' stages."""
    merge = session.get(HouseholdMerge, merge_id, with_for_update=True)
    if merge is None:
        raise NotFoundError("fusion inconnue")
    if merge.undone_at is not None:
        raise MergeConflictError("fusion déjà annulée")
    source, target = _locked_pair(session, merge.from_household_id, merge.into_household_id)
    if source.merged_into_id != target.id or target.merged_into_id is not None:
        raise MergeConflictError("le ménage a été fusionné de nouveau depuis : annulez d'abord la fusion suivante")
    moved = merge.moved
    move = moved.get("into_move")
    if move and target.current_entry_id == move["new_entry"]:
        _revert_stage_move(session, target, move, now=now)
    _move(session, moved, from_id=target.id, into_id=source.id)
    _restore(session, moved["cancelled"], reasons=[Reason.DUPLICATE])
    state = moved["from_state"]
    if state["closed_entry"] is not None:
        session.execute(update(StageEntry).where(StageEntry.id == state["closed_entry"],
                                                 StageEntry.left_reason == Reason.DUPLICATE.value)
                        .values(left_at=None, left_reason=None))
    source.merged_into_id, source.stage, source.current_entry_id = None, state["stage"], state["current_entry_id"]
    source.updated_at = target.updated_at = now
    merge.undone_at, merge.undone_by_partner_id = now, partner_id
    if merge.link_review_id is not None:
        review = session.get_one(LinkReview, merge.link_review_id)
        # The pair was judged again, the other way: it is not proposed a second time.
        review.status, review.decided_at, review.decided_by_partner_id = "undone", now, partner_id
    session.flush()
    apply_household_stages(session, [source.id, target.id], now=now)
    return merge


def _revert_stage_move(session: Session, target: Household, move: dict[str, Any], *, now: datetime) -> None:
    """`into` moved to a later stage only because of `from`'s cases: back to the stay it had before."""
    _cancel(session, _pending_snapshot(session, target.id, move["new_entry"]), reason=Reason.STAGE_CHANGED,
            now=now)
    session.execute(update(StageEntry).where(StageEntry.id == move["new_entry"])
                    .values(left_at=now, left_reason=Reason.STAGE_CHANGED.value))
    if move["previous_entry"] is not None:
        session.execute(update(StageEntry).where(StageEntry.id == move["previous_entry"])
                        .values(left_at=None, left_reason=None))
    target.stage, target.current_entry_id = move["previous_stage"], move["previous_entry"]
    _restore(session, move["cancelled"], reasons=[Reason.STAGE_CHANGED, Reason.CLOSED])
