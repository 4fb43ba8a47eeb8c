"""deliver() is the one path to a provider; the tick's claim of due rows is in claims.py."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import event, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from campaigns.delivery import outcomes, task_reads
from campaigns.delivery.claims import DELIVER_PER_TASK, SPREAD_PER_CLAIM, ClaimCursor, claim_due, deliver_each, tick
from campaigns.delivery.link_opt_outs import opted_out_of_campaign
from campaigns.delivery.outcomes import OUTCOME_UNKNOWN, RETRY_BASE
from campaigns.delivery.set_aside import set_aside_dispatch
from campaigns.delivery.sms_events import is_opted_out
from campaigns.links.tokens import LinkPolicy
from campaigns.locale.clock import DEFAULT_SENDING_DAYS, next_sending_time, print_slot
from campaigns.messages.composing import Composed, ConditionNotMetError, NoChannelError, compose, reach
from campaigns.messages.rendering import TemplateNotFoundError
from campaigns.messages.versions import record_composed
from campaigns.models import (
    APPOINTMENT_REMINDER,
    STRUCTURE_NOTICES,
    Campaign,
    CampaignStatus,
    ChannelKind,
    Dispatch,
    DispatchStatus,
    Household,
    Reason,
    Response,
)
from campaigns.planning.authority import response_reason, stops_campaign
from campaigns.planning.coordination import CoordinationRules, Verdict, coordinate
from campaigns.planning.experiments import follow_arm
from campaigns.planning.own_stays import stay_is_current
from campaigns.platform.ports import Channel, OutboundMessage, ReconcilableChannel, SendResult

log = logging.getLogger(__name__)

# The tick's side (claims.py) is re-exported: its callers know it as this module's.
__all__ = ["CLOCK_SLACK", "DELIVER_PER_TASK", "KEPT_AFTER_RESPONSE", "PAUSE_RECHECK", "RETRY_BASE", "SPREAD_PER_CLAIM",
           "ClaimCursor", "claim_due", "deliver", "deliver_each", "sending_opening", "tick"]

# Provider clocks are not ours: the look-up of an in-doubt message starts a little before our attempt.
CLOCK_SLACK = timedelta(minutes=5)
# A paused campaign's due rows wait this long before they are looked at again (resuming makes them due at once).
PAUSE_RECHECK = timedelta(hours=1)
KEPT_AFTER_RESPONSE = frozenset({APPOINTMENT_REMINDER, *STRUCTURE_NOTICES})


@event.listens_for(Session, "loaded_as_persistent")
def _hold(session: Session, instance: object) -> None:
    """Keeps every row a send-time transaction loads for the transaction's life (`_start`): the session's identity
    map holds objects weakly, so the household, campaign, owner and cases that the guards, coordination and
    composing each ask for were read again several times per contact (docs/operations.md, delivery profile)."""
    held = session.info.get("held")
    if held is not None:
        held.append(instance)


def _guard(session: Session, dispatch: Dispatch) -> tuple[DispatchStatus, Reason] | None:
    """Re-checks at send time what may have changed since planning."""
    household = session.get_one(Household, dispatch.household_id)
    campaign = session.get_one(Campaign, dispatch.campaign_id)
    # The household's stay, or a bailleur's own case's (docs/security.md, rule 7).
    if not stay_is_current(session, campaign, household, dispatch.stage_entry_id):
        reason = Reason.CLOSED if household.stage == "cloture" else Reason.STAGE_CHANGED
        return DispatchStatus.CANCELLED, reason
    # Held for the session's life: its identity map keeps objects weakly, and coordination and composing ask for the
    # campaign again (one SELECT instead of five).
    session.info.setdefault("pinned", []).extend((household, campaign))
    # An appointment's reminder follows an answer (the rendez-vous is one), and the social services are told of the
    # stage whether or not the household answered: a response stops neither. A regulatory letter is never stopped
    # by a response; another partner's response stops this step only with evidence that the household answered
    # (docs/security.md, rule 2).
    if dispatch.template not in KEPT_AFTER_RESPONSE and not dispatch.regulatory and (
            responded := _responded(session, dispatch, campaign)) is not None:
        return DispatchStatus.CANCELLED, responded
    if campaign.status == CampaignStatus.EN_PAUSE:
        # Kept, not cancelled: the step goes when the campaign resumes (campaign_lifecycle.resume).
        return DispatchStatus.PLANNED, Reason.CAMPAIGN_PAUSED
    if not campaign.active:
        return DispatchStatus.CANCELLED, Reason.CAMPAIGN_ENDED
    return None


def _responded(session: Session, dispatch: Dispatch, campaign: Campaign) -> Reason | None:
    """Why a response stops this step (`authority.response_reason`), None when none does."""
    reads = task_reads.of(session)
    if reads is not None:  # read with the task's other contacts (campaigns/delivery/batch.py)
        return reads.responded(dispatch, campaign)
    rows = session.execute(select(Response.evidence, Response.partner_id).where(
        Response.stage_entry_id == dispatch.stage_entry_id, stops_campaign(campaign)))
    return response_reason(campaign, [(evidence, partner_id) for evidence, partner_id in rows])


def _opted_out(session: Session, dispatch: Dispatch, phone: str | None) -> bool:
    """An SMS's number answered STOP, or the household refused the campaign's SMS through a partner's link."""
    reads = task_reads.of(session)
    stopped = reads.opted_out(phone) if reads is not None and phone is not None else None
    if stopped is None:
        stopped = is_opted_out(session, phone)
    if stopped:
        return True
    refused = reads.refused_sms(dispatch, session.get_one(Campaign, dispatch.campaign_id), phone) if reads else None
    return opted_out_of_campaign(session, dispatch, phone) if refused is None else refused


def sending_opening(campaign: Campaign, now: datetime) -> datetime:
    """The campaign's sending hours for SMS and e-mail (default Monday-Saturday 9:00-19:00, no holiday)."""
    hours = campaign.sending_hours or {}
    return next_sending_time(
        now,
        days=tuple(hours.get("days", DEFAULT_SENDING_DAYS)),
        start=time.fromisoformat(hours.get("start", "09:00")),
        end=time.fromisoformat(hours.get("end", "19:00")),
    )


@dataclass(frozen=True, slots=True)
class _Attempt:
    """A row marked `sending` and its message, ready for the provider call made outside any transaction."""

    channel: Channel
    message: OutboundMessage
    attempts: int
    # Set when the previous attempt's outcome is unknown: the provider is asked about it before any new send.
    lookup_since: datetime | None = None


def deliver(
    dispatch_id: int,
    *,
    now: datetime,
    session_factory: sessionmaker[Session],
    channels: Mapping[str, Channel],
    max_attempts: int,
    rules: CoordinationRules,
    print_cutoff: time | None = None,
    retry_base: timedelta = RETRY_BASE,
    links: LinkPolicy | None = None,
) -> str:
    """Sends one claimed row and records the outcome; returns its status. Safe to call twice.

    Exactly-once, a worker killed with -9 mid-send included: the row leaves `queued` for `sending` once, under
    a row lock, in a committed transaction *before* the provider call. A crash after that leaves a `sending` row
    with no provider answer; after the lease `claim_due` hands it out again marked `outcome_unknown`, as is a
    read timeout (the request may have arrived). Such a row is never resent blindly: a channel that can ask its
    provider (`ReconcilableChannel`: Twilio) looks the message up first and records it as sent if the provider
    has it; the other adapters are idempotent on the dedup key (outbox file per key, one task per dispatch, the
    e-mail's Message-ID derived from the key).
    """
    try:
        with session_factory.begin() as session:
            session.info["held"] = []  # rows read once per contact (_hold)
            dispatch = session.scalar(select(Dispatch).where(Dispatch.id == dispatch_id).with_for_update())
            if dispatch is None:
                return "missing"
            if dispatch.status != DispatchStatus.QUEUED:
                # Someone else delivered or cancelled it: exactly-once holds here.
                return dispatch.status
            attempt = _start(session, dispatch, channels, now=now, rules=rules, print_cutoff=print_cutoff,
                             links=links)
            if attempt is None:
                return dispatch.status
    except (OperationalError, InterfaceError):
        raise  # the database is unreachable: the row waits for its lease, nothing is set aside
    except Exception as exc:
        # A row its guards, coordination or rendering cannot handle (a value no push may carry): set aside with
        # its error, shown to the operator (campaigns/delivery/set_aside.py); the tick goes on with the others.
        return set_aside_dispatch(session_factory, dispatch_id, exc, now=now)
    if attempt.lookup_since is not None:
        status = _settle_in_doubt(dispatch_id, attempt, session_factory=session_factory, now=now,
                                  retry_base=retry_base)
        if status != DispatchStatus.QUEUED:
            return status
        # The provider has no trace of the previous attempt: a fresh one, every guard checked again.
        return deliver(dispatch_id, now=now, session_factory=session_factory, channels=channels,
                       max_attempts=max_attempts, rules=rules, print_cutoff=print_cutoff, retry_base=retry_base,
                       links=links)
    # The provider call happens outside any transaction: no row lock is held across the network.
    outcome: SendResult | Exception
    try:
        outcome = attempt.channel.send(attempt.message)
    except Exception as exc:
        outcome = exc

    def write(row: Dispatch) -> None:
        if row.status != DispatchStatus.SENDING or row.attempts != attempt.attempts:
            return  # settled meanwhile by a reconciliation after the lease: its record stands
        outcomes.record(row, outcome, attempts=attempt.attempts, max_attempts=max_attempts, now=now,
                        retry_base=retry_base)

    return outcomes.save(session_factory, dispatch_id, write)


def _unreachable(exc: NoChannelError) -> str:
    """A step's condition not met is not missing contact details (issue 19: both read « coordonnées manquantes »)."""
    return (Reason.CONDITION_NOT_MET if isinstance(exc, ConditionNotMetError) else Reason.NO_CHANNEL).value


def _start(
    session: Session, dispatch: Dispatch, channels: Mapping[str, Channel], *, now: datetime,
    rules: CoordinationRules, print_cutoff: time | None, links: LinkPolicy | None = None,
) -> _Attempt | None:
    """Checks the guards on the locked `queued` row and marks it `sending`; None when it ends or waits here."""
    channel = channels[dispatch.channel]
    if dispatch.reason == OUTCOME_UNKNOWN and isinstance(channel, ReconcilableChannel) and dispatch.sent_at:
        # Settled before the guards: a message that may be out is not cancelled as if it had never left.
        try:
            message = compose(session, dispatch, now=now, links=links).message
        except (NoChannelError, TemplateNotFoundError):
            dispatch.reason = None  # nothing to look up with: the guards below end the row
        else:
            dispatch.status, dispatch.claimed_at = DispatchStatus.SENDING.value, now
            return _Attempt(channel, message, dispatch.attempts, lookup_since=dispatch.sent_at - CLOCK_SLACK)
    guard = _guard(session, dispatch)
    if guard is not None and guard[0] == DispatchStatus.PLANNED:
        # A paused campaign: the row waits, looked at again later (resuming makes it due at once).
        dispatch.status, dispatch.reason, dispatch.due_at = guard[0].value, guard[1].value, now + PAUSE_RECHECK
        return None
    if guard is not None:
        outcomes.finish(dispatch, guard[0], guard[1].value, now)
        return None
    if not follow_arm(session, dispatch):
        # Not a step of the household's experiment arm (planned by a replan that did not know the arms).
        outcomes.finish(dispatch, DispatchStatus.SKIPPED, Reason.EXPERIMENT_ARM.value, now)
        return None
    try:
        reached = reach(session, dispatch)
    except NoChannelError as exc:
        outcomes.finish(dispatch, DispatchStatus.SKIPPED, _unreachable(exc), now)
        return None
    if dispatch.channel == ChannelKind.SMS and _opted_out(session, dispatch, reached.case.telephone):
        outcomes.finish(dispatch, DispatchStatus.SKIPPED, Reason.OPTED_OUT.value, now)
        return None
    if dispatch.channel in (ChannelKind.SMS, ChannelKind.EMAIL):
        opening = sending_opening(session.get_one(Campaign, dispatch.campaign_id), now)
        if opening > now:
            # Checked when the step runs: a step planned for Saturday evening waits for Monday morning.
            dispatch.status, dispatch.reason, dispatch.due_at = DispatchStatus.PLANNED.value, "quiet_hours", opening
            return None
    if dispatch.channel == ChannelKind.COURRIER and print_cutoff is not None:
        slot = print_slot(now, cutoff=print_cutoff)
        if slot is not None:
            dispatch.status, dispatch.reason, dispatch.due_at = DispatchStatus.PLANNED.value, "print_cutoff", slot
            return None
    reads = task_reads.of(session)  # a task's SMS caps are read with its other contacts' (batch.py)
    verdict = reads.sms_verdict(dispatch, session.get_one(Campaign, dispatch.campaign_id), rules) if reads else None
    if verdict is None:
        verdict = coordinate(session, dispatch, now=now, rules=rules)
    if verdict.action != "send":
        _apply_verdict(dispatch, verdict, now=now)
        return None
    if dispatch.channel == ChannelKind.COURRIER:
        # The rivals folded into this letter are what composing reads (their partners' blocks); a task's checks run
        # without autoflush (campaigns/delivery/batch.py).
        session.flush()
    try:
        composed: Composed = compose(session, dispatch, now=now, links=links, reached=reached)
    except NoChannelError as exc:
        outcomes.finish(dispatch, DispatchStatus.SKIPPED, _unreachable(exc), now)
        return None
    except TemplateNotFoundError as exc:
        outcomes.finish(dispatch, DispatchStatus.PERMANENT_FAILURE, "template_missing", now)
        dispatch.last_error = str(exc)
        return None
    record_composed(session, dispatch, composed, now=now)
    dispatch.status = DispatchStatus.SENDING.value
    dispatch.reason = None
    dispatch.attempts += 1
    # The lease of a `sending` row runs from the start of the call (claim_due): it outlasts the adapters'
    # timeouts, so a slow call is never looked up before the provider could have it.
    dispatch.sent_at = dispatch.claimed_at = now
    if reads is not None:
        reads.marked(dispatch, now)
    return _Attempt(channel, composed.message, dispatch.attempts)


def _settle_in_doubt(
    dispatch_id: int, attempt: _Attempt, *, session_factory: sessionmaker[Session], now: datetime,
    retry_base: timedelta,
) -> str:
    """Asks the provider whether the previous attempt got through; `queued` again when it certainly did not."""
    assert attempt.lookup_since is not None and isinstance(attempt.channel, ReconcilableChannel)
    found: SendResult | Exception | None
    try:
        found = attempt.channel.find_sent(attempt.message, since=attempt.lookup_since)
    except Exception as exc:
        found = exc

    def write(row: Dispatch) -> None:
        if row.status != DispatchStatus.SENDING or row.attempts != attempt.attempts:
            return
        if isinstance(found, SendResult):
            log.warning("dispatch %s: the provider already had it, not sent again", row.id)
            outcomes.record(row, found, attempts=attempt.attempts, max_attempts=attempt.attempts, now=now)
        elif found is None:
            row.status, row.reason = DispatchStatus.QUEUED.value, None
        else:  # the provider cannot be asked now: still in doubt, asked again later (not an attempt)
            row.status, row.reason = DispatchStatus.TEMPORARY_FAILURE.value, OUTCOME_UNKNOWN
            row.last_error = type(found).__name__
            row.due_at = now + retry_base

    return outcomes.save(session_factory, dispatch_id, write)


def _apply_verdict(dispatch: Dispatch, verdict: Verdict, *, now: datetime) -> None:
    reason = verdict.reason.value if verdict.reason else None
    if verdict.action == "defer" and verdict.defer_until is not None:
        # Waits for the cap to allow it: planned again, with the reason kept visible.
        dispatch.status = DispatchStatus.PLANNED.value
        dispatch.reason = reason
        dispatch.due_at = verdict.defer_until
        return
    status = DispatchStatus.SKIPPED if verdict.action == "skip" else DispatchStatus.CANCELLED
    outcomes.finish(dispatch, status, reason, now)
    dispatch.merged_into_id = verdict.merged_into_id
