"""claim_due() hands out due rows (FOR UPDATE SKIP LOCKED); deliver() is the one path to a provider."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from campaigns.composing import Composed, NoChannelError, compose, ensure_reachable
from campaigns.coordination import CoordinationRules, Verdict, coordinate
from campaigns.models import Campaign, ChannelKind, Dispatch, DispatchStatus, Household, Reason, Response
from campaigns.ports import Channel, PermanentChannelError, SendResult
from campaigns.rendering import TemplateNotFoundError
from campaigns.scheduling import DEFAULT_SENDING_DAYS, next_sending_time, print_slot
from campaigns.sms_events import is_opted_out
from campaigns.template_versions import record_version

log = logging.getLogger(__name__)

RETRY_BASE = timedelta(minutes=5)


def claim_due(session: Session, *, now: datetime, limit: int, lease: timedelta) -> list[int]:
    """Marks up to `limit` due rows `queued` and returns their ids; concurrent claimers skip locked rows.

    Rows `queued` (or `sending` with no provider answer) for longer than `lease` belong to a worker that
    vanished: they are handed out again, and adapters are idempotent on the dedup key.
    """
    stale = now - lease
    stmt = (
        select(Dispatch.id)
        .where(
            or_(
                and_(
                    Dispatch.status.in_([DispatchStatus.PLANNED, DispatchStatus.TEMPORARY_FAILURE]),
                    Dispatch.due_at <= now,
                ),
                and_(Dispatch.status == DispatchStatus.QUEUED, Dispatch.claimed_at < stale),
                and_(
                    Dispatch.status == DispatchStatus.SENDING,
                    Dispatch.provider_ref.is_(None),
                    Dispatch.claimed_at < stale,
                ),
            )
        )
        .order_by(Dispatch.due_at, Dispatch.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(stmt).all())
    if ids:
        session.execute(
            update(Dispatch)
            .where(Dispatch.id.in_(ids))
            .values(status=DispatchStatus.QUEUED.value, claimed_at=now),
            execution_options={"synchronize_session": False},
        )
    return ids


def _guard(session: Session, dispatch: Dispatch) -> tuple[DispatchStatus, Reason] | None:
    """Re-checks at send time what may have changed since planning."""
    household = session.get_one(Household, dispatch.household_id)
    if household.current_entry_id != dispatch.stage_entry_id:
        reason = Reason.CLOSED if household.stage == "cloture" else Reason.STAGE_CHANGED
        return DispatchStatus.CANCELLED, reason
    campaign = session.get_one(Campaign, dispatch.campaign_id)
    if not campaign.active:
        return DispatchStatus.CANCELLED, Reason.CAMPAIGN_ENDED
    responded = session.scalar(
        select(Response.id).where(Response.stage_entry_id == dispatch.stage_entry_id).limit(1)
    )
    if responded is not None:
        return DispatchStatus.CANCELLED, Reason.RESPONDED
    return None


def sending_opening(campaign: Campaign, now: datetime) -> datetime:
    """The campaign's sending hours for SMS and e-mail (default Monday-Saturday 9:00-19:00, no holiday)."""
    hours = campaign.sending_hours or {}
    return next_sending_time(
        now,
        days=tuple(hours.get("days", DEFAULT_SENDING_DAYS)),
        start=time.fromisoformat(hours.get("start", "09:00")),
        end=time.fromisoformat(hours.get("end", "19:00")),
    )


def _finish(dispatch: Dispatch, status: DispatchStatus, reason: str | None, now: datetime) -> None:
    dispatch.status = status.value
    dispatch.reason = reason
    dispatch.finished_at = now


def deliver(
    dispatch_id: int,
    *,
    now: datetime,
    session_factory: sessionmaker[Session],
    channels: Mapping[str, Channel],
    max_attempts: int,
    rules: CoordinationRules,
    print_cutoff: time | None = None,
) -> str:
    """Sends one claimed row and records the outcome; returns its status. Safe to call twice."""
    with session_factory.begin() as session:
        dispatch = session.scalar(select(Dispatch).where(Dispatch.id == dispatch_id).with_for_update())
        if dispatch is None:
            return "missing"
        if dispatch.status != DispatchStatus.QUEUED:
            # Someone else delivered or cancelled it: exactly-once holds here.
            return dispatch.status
        guard = _guard(session, dispatch)
        if guard is not None:
            _finish(dispatch, guard[0], guard[1].value, now)
            return dispatch.status
        try:
            case = ensure_reachable(session, dispatch)
        except NoChannelError:
            _finish(dispatch, DispatchStatus.SKIPPED, Reason.NO_CHANNEL.value, now)
            return dispatch.status
        if dispatch.channel == ChannelKind.SMS and is_opted_out(session, case.telephone):
            _finish(dispatch, DispatchStatus.SKIPPED, Reason.OPTED_OUT.value, now)
            return dispatch.status
        if dispatch.channel in (ChannelKind.SMS, ChannelKind.EMAIL):
            opening = sending_opening(session.get_one(Campaign, dispatch.campaign_id), now)
            if opening > now:
                # Checked when the step runs: a step planned for Saturday evening waits for Monday morning.
                dispatch.status, dispatch.reason, dispatch.due_at = DispatchStatus.PLANNED.value, "quiet_hours", opening
                return dispatch.status
        if dispatch.channel == ChannelKind.COURRIER and print_cutoff is not None:
            slot = print_slot(now, cutoff=print_cutoff)
            if slot is not None:
                dispatch.status, dispatch.reason, dispatch.due_at = DispatchStatus.PLANNED.value, "print_cutoff", slot
                return dispatch.status
        verdict = coordinate(session, dispatch, now=now, rules=rules)
        if verdict.action != "send":
            _apply_verdict(dispatch, verdict, now=now)
            return dispatch.status
        try:
            composed: Composed = compose(session, dispatch, now=now)
        except NoChannelError:
            _finish(dispatch, DispatchStatus.SKIPPED, Reason.NO_CHANNEL.value, now)
            return dispatch.status
        except TemplateNotFoundError as exc:
            _finish(dispatch, DispatchStatus.PERMANENT_FAILURE, "template_missing", now)
            dispatch.last_error = str(exc)
            return dispatch.status
        if composed.rendered is not None and dispatch.template:
            dispatch.template_version_id = record_version(
                session, channel=dispatch.channel, slug=dispatch.template, rendered=composed.rendered, now=now
            )
            dispatch.rendered_locale = composed.rendered.locale
            dispatch.rendered_falc = composed.rendered.falc
            # A missing language or FALC variant is never silent: the row says French standard was used.
            dispatch.template_fallback = composed.rendered.fallback
        dispatch.status = DispatchStatus.SENDING.value
        dispatch.attempts += 1
        dispatch.sent_at = now
        attempts = dispatch.attempts
        channel = channels[dispatch.channel]
    # The provider call happens outside any transaction: no row lock is held across the network.
    outcome: SendResult | Exception
    try:
        outcome = channel.send(composed.message)
    except Exception as exc:
        outcome = exc
    with session_factory.begin() as session:
        dispatch = session.get_one(Dispatch, dispatch_id, with_for_update=True)
        _record(dispatch, outcome, attempts=attempts, max_attempts=max_attempts, now=now)
        return dispatch.status


def _apply_verdict(dispatch: Dispatch, verdict: Verdict, *, now: datetime) -> None:
    reason = verdict.reason.value if verdict.reason else None
    if verdict.action == "defer" and verdict.defer_until is not None:
        # Waits for the cap to allow it: planned again, with the reason kept visible.
        dispatch.status = DispatchStatus.PLANNED.value
        dispatch.reason = reason
        dispatch.due_at = verdict.defer_until
        return
    status = DispatchStatus.SKIPPED if verdict.action == "skip" else DispatchStatus.CANCELLED
    _finish(dispatch, status, reason, now)
    dispatch.merged_into_id = verdict.merged_into_id


def _record(
    dispatch: Dispatch, outcome: SendResult | Exception, *, attempts: int, max_attempts: int, now: datetime
) -> None:
    if isinstance(outcome, SendResult):
        dispatch.provider_ref = outcome.provider_ref
        dispatch.status = outcome.status
        dispatch.reason = None
        if outcome.status == DispatchStatus.DELIVERED:
            dispatch.finished_at = now
        return
    # Only the exception type is kept: provider messages may echo a phone number or an address.
    dispatch.last_error = type(outcome).__name__
    if isinstance(outcome, PermanentChannelError):
        reason = {"no_channel": Reason.NO_CHANNEL, "opted_out": Reason.OPTED_OUT}.get(
            str(outcome), Reason.PROVIDER_ERROR
        )
        status = DispatchStatus.PERMANENT_FAILURE if reason is Reason.PROVIDER_ERROR else DispatchStatus.SKIPPED
        _finish(dispatch, status, reason.value, now)
    elif attempts >= max_attempts:
        _finish(dispatch, DispatchStatus.PERMANENT_FAILURE, Reason.MAX_ATTEMPTS.value, now)
    else:
        log.warning("dispatch %s: temporary failure (%s), attempt %s", dispatch.id, dispatch.last_error, attempts)
        dispatch.status = DispatchStatus.TEMPORARY_FAILURE.value
        dispatch.reason = Reason.PROVIDER_ERROR.value
        dispatch.due_at = now + RETRY_BASE * (2 ** (attempts - 1))


def tick(
    session_factory: sessionmaker[Session],
    *,
    now: datetime,
    batch_size: int,
    lease: timedelta,
    enqueue: Callable[[int], object],
    max_batches: int = 1_000,
) -> int:
    """Claims due rows batch by batch and hands each id to `enqueue` after the claim has committed."""
    total = 0
    for _ in range(max_batches):
        with session_factory.begin() as session:
            ids = claim_due(session, now=now, limit=batch_size, lease=lease)
        for dispatch_id in ids:
            enqueue(dispatch_id)
        total += len(ids)
        if len(ids) < batch_size:
            break
    return total
