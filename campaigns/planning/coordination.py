"""One coordinated letter per household: coordination window, priorities, regulatory letters and caps.

Decided when a step runs (not when it was planned), under a lock on the household row, so two workers
sending two partners' letters at the same moment still agree on which one goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from campaigns.locale.clock import next_window
from campaigns.messages.addressees import PARTNER_LETTERS, is_partner_letter
from campaigns.models import Campaign, ChannelKind, Dispatch, DispatchStatus, Household, Reason

SMS_PERIOD = timedelta(hours=24)
SENT = (DispatchStatus.SENDING, DispatchStatus.DELIVERED, DispatchStatus.RETURNED)
WAITING = (DispatchStatus.PLANNED, DispatchStatus.QUEUED, DispatchStatus.TEMPORARY_FAILURE)


@dataclass(frozen=True, slots=True)
class CoordinationRules:
    window: timedelta = timedelta(days=15)
    letters_per_30_days: int = 3
    sms_per_24_hours: int = 1


@dataclass(frozen=True, slots=True)
class Verdict:
    """`send`, or why not: cancelled (merged into / suppressed by another letter), deferred, skipped."""

    action: str  # send | cancel | defer | skip
    reason: Reason | None = None
    merged_into_id: int | None = None
    defer_until: datetime | None = None


SEND = Verdict("send")
# A letter to the landlord or to the social services is no letter to the household: it neither counts nor folds
# with the household's letters.
TO_HOUSEHOLD = or_(Dispatch.template.is_(None), Dispatch.template.not_in(sorted(PARTNER_LETTERS)))


def _rank(dispatch: Dispatch, priority: int) -> tuple[int, int, datetime, int]:
    # Regulatory letters first, then the campaign priority (lower wins), then the earliest, then the oldest row.
    return (0 if dispatch.regulatory else 1, priority, dispatch.due_at, dispatch.id)


def coordinate(session: Session, dispatch: Dispatch, *, now: datetime, rules: CoordinationRules) -> Verdict:
    """What to do with a letter or SMS about to be sent; folds lower-priority letters into the winner."""
    if dispatch.channel not in (ChannelKind.COURRIER, ChannelKind.SMS):
        return SEND
    if dispatch.channel == ChannelKind.COURRIER and is_partner_letter(dispatch.template):
        return SEND
    # Serialises every decision about this household's letters.
    session.execute(select(Household.id).where(Household.id == dispatch.household_id).with_for_update())
    campaign = session.get_one(Campaign, dispatch.campaign_id)
    if dispatch.channel == ChannelKind.SMS:
        return _cap(session, dispatch, campaign, now=now, period=SMS_PERIOD, cap=rules.sms_per_24_hours)
    if not dispatch.regulatory:
        recent = session.scalar(
            select(Dispatch.id)
            .where(
                Dispatch.household_id == dispatch.household_id,
                Dispatch.channel == ChannelKind.COURRIER,
                Dispatch.status.in_(SENT),
                Dispatch.sent_at >= now - rules.window,
                # The window coordinates partners; a campaign's own next letter is its sequence, not a pile-up.
                Dispatch.campaign_id != dispatch.campaign_id,
                # One letter per household *per stage*: a new stage is news the household must get. By stage, not
                # stay: a bailleur's campaign at its own case's stay coordinates with the others at that stage, and
                # with none at another (docs/security.md, rule 7).
                Dispatch.stage == dispatch.stage,
                TO_HOUSEHOLD,
            )
            .order_by(Dispatch.sent_at.desc())
            .limit(1)
        )
        if recent is not None:
            # The household already got a letter within the window: this one would pile up on it.
            return Verdict("cancel", Reason.DUPLICATE, merged_into_id=None)
    rivals = session.execute(
        select(Dispatch, Campaign.priority, Campaign.coordination)
        .join(Campaign, Campaign.id == Dispatch.campaign_id)
        .where(
            Dispatch.household_id == dispatch.household_id,
            Dispatch.channel == ChannelKind.COURRIER,
            Dispatch.status.in_(WAITING),
            Dispatch.due_at <= now + rules.window,
            Dispatch.id != dispatch.id,
            Dispatch.campaign_id != dispatch.campaign_id,
            Dispatch.stage == dispatch.stage,
            TO_HOUSEHOLD,
        )
    ).all()
    mine = _rank(dispatch, campaign.priority)
    winner = min([(mine, dispatch)] + [(_rank(d, p), d) for d, p, _c in rivals], key=lambda pair: pair[0])[1]
    if winner is not dispatch and not dispatch.regulatory:
        merged = winner.id if campaign.coordination == "merge" else None
        return Verdict("cancel", Reason.DUPLICATE, merged_into_id=merged)
    for rival, _priority, coordination in rivals:
        if rival.regulatory:
            continue  # a regulatory letter always goes as its own letter
        rival.status = DispatchStatus.CANCELLED.value
        rival.reason = Reason.DUPLICATE.value
        rival.finished_at = now
        rival.merged_into_id = dispatch.id if coordination == "merge" else None
    return _cap(session, dispatch, campaign, now=now, period=timedelta(days=30), cap=rules.letters_per_30_days)


def _cap(
    session: Session, dispatch: Dispatch, campaign: Campaign, *, now: datetime, period: timedelta, cap: int
) -> Verdict:
    """Across every partner: at most `cap` letters (or SMS) per rolling period; regulatory letters pass."""
    if dispatch.regulatory:
        return SEND
    sent = session.execute(
        select(Dispatch.sent_at)
        .where(
            Dispatch.household_id == dispatch.household_id,
            Dispatch.channel == dispatch.channel,
            Dispatch.status.in_(SENT),
            Dispatch.sent_at > now - period,
            Dispatch.id != dispatch.id,
            TO_HOUSEHOLD,
        )
        .order_by(Dispatch.sent_at)
    ).scalars().all()
    return capped([moment for moment in sent if moment is not None], campaign, period=period, cap=cap)


def capped(sent: Sequence[datetime], campaign: Campaign, *, period: timedelta, cap: int) -> Verdict:
    """The cap's verdict given the household's counted sends within the period, oldest first (`_cap`; a task's
    SMS read them set-based, campaigns/delivery/task_reads.py)."""
    if len(sent) < cap:
        return SEND
    if campaign.over_cap == "skip":
        return Verdict("skip", Reason.CAP_REACHED)
    # The earliest moment one of the counted sends leaves the rolling period.
    oldest = sent[len(sent) - cap]
    return Verdict("defer", Reason.CAP_REACHED, defer_until=next_window(oldest + period + timedelta(minutes=1)))


def letters_sent_count(session: Session, household_id: int, *, since: datetime) -> int:
    return session.scalar(
        select(func.count(Dispatch.id)).where(
            Dispatch.household_id == household_id,
            Dispatch.channel == ChannelKind.COURRIER,
            Dispatch.status.in_(SENT),
            Dispatch.sent_at >= since,
        )
    ) or 0
