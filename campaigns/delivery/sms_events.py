"""What comes back from the SMS provider: delivery receipts, replies (a response) and STOP (an opt-out)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaigns.crypto.columns import keyring_for
from campaigns.models import (
    Campaign,
    Case,
    ChannelKind,
    Dispatch,
    DispatchStatus,
    Household,
    Partner,
    Reason,
    Response,
    SmsOptOut,
    TwilioCallback,
)
from campaigns.models.authority import trusted_cases
from campaigns.planning.authority import Evidence
from campaigns.planning.own_stays import stay_is_current
from campaigns.planning.responses import record_response
from campaigns.planning.sequences import PENDING_DISPATCH
from campaigns.platform.dialect import insert_ignoring_conflicts

_FINAL = (DispatchStatus.DELIVERED, DispatchStatus.PERMANENT_FAILURE, DispatchStatus.SKIPPED,
          DispatchStatus.CANCELLED)


def phone_hash(session: Session, phone: str) -> str:
    """HMAC of the number with the blind index key: the list of opted-out numbers cannot be enumerated back."""
    return keyring_for(session.get_bind().dialect).blind_index(phone)


def is_opted_out(session: Session, phone: str | None) -> bool:
    if phone is None:
        return False
    # A plain SHA-256 is the form of opt-outs recorded before the keyed one for numbers no case held then
    # (migration b4e8d1c7a3f6): still honoured.
    legacy = hashlib.sha256(phone.encode()).hexdigest()
    found = session.scalar(select(SmsOptOut.phone_hash).where(
        SmsOptOut.phone_hash.in_([phone_hash(session, phone), legacy])).limit(1))
    return found is not None


def apply_delivery_status(
    session: Session, *, provider_ref: str, status: str, error_code: str | None, now: datetime
) -> bool:
    """Moves a sent SMS to its final status; late or repeated receipts never move it backwards."""
    dispatch = session.scalar(select(Dispatch).where(Dispatch.provider_ref == provider_ref).with_for_update())
    if dispatch is None:
        return False
    if dispatch.status in _FINAL or status in (DispatchStatus.QUEUED, DispatchStatus.SENDING):
        return True
    if status == DispatchStatus.DELIVERED:
        dispatch.status, dispatch.reason = DispatchStatus.DELIVERED.value, None
    elif error_code == "21610":
        dispatch.status, dispatch.reason = DispatchStatus.SKIPPED.value, Reason.OPTED_OUT.value
    else:
        dispatch.status, dispatch.reason = DispatchStatus.PERMANENT_FAILURE.value, Reason.PROVIDER_ERROR.value
        dispatch.last_error = f"twilio:{error_code}" if error_code else "undelivered"
    dispatch.finished_at = now
    return True


def first_delivery(session: Session, *, key: str, now: datetime) -> bool:
    """Records a signed Twilio request by its SID; False when it was already handled (Twilio delivers a request
    again when our answer was late or lost): the caller then changes nothing. Concurrent copies wait on the key."""
    inserted = session.execute(
        insert_ignoring_conflicts(session, TwilioCallback, ["key"])
        .values(key=key[:120], received_at=now)
        .returning(TwilioCallback.key)
    ).first()
    return inserted is not None


@dataclass(frozen=True, slots=True)
class InboundOutcome:
    acknowledge_stop: bool
    responses: int
    households: tuple[int, ...] = ()  # found by the phone's blind index (for the audit log)


def _holders(session: Session, household_id: int, phone: str) -> tuple[bool, list[int]]:
    """Whether a case the household trusts (`trusted_cases`: with authority over it, or every case when none has;
    or a case of the household's referent, trusted with it as for its tasks: `planning/standing.py`) holds the
    number, and the partners whose cases hold it."""
    cases = list(session.scalars(select(Case).where(Case.household_id == household_id).order_by(Case.id)))
    holding = set(session.scalars(select(Case.id).where(Case.household_id == household_id,
                                                        Case.telephone_index == phone)))
    referent = session.scalar(select(Household.referent_partner_id).where(Household.id == household_id))
    trusted = any(case.id in holding for case in trusted_cases(session, cases)) or any(
        case.id in holding and case.partner_id == referent for case in cases if referent is not None)
    return trusted, sorted({case.partner_id for case in cases if case.id in holding})


def record_inbound(session: Session, *, phone: str, is_stop: bool, now: datetime) -> InboundOutcome:
    """A STOP opts the number out of every campaign (acknowledged once); any other reply is a response to the last
    SMS sent to the household before it arrived, at that SMS's stage (docs/security.md, Twilio rules). Both speak
    for the household only from a number a case it trusts holds: from a number only other partners gave, a reply
    is their own response (it stops their own campaigns' steps, rule 2) and a STOP opts that number out only."""
    households = sorted(set(session.scalars(select(Case.household_id).where(Case.telephone_index == phone))))
    holders = {household_id: _holders(session, household_id, phone) for household_id in households}
    if is_stop:
        inserted = session.execute(
            insert_ignoring_conflicts(session, SmsOptOut, ["phone_hash"])
            .values(phone_hash=phone_hash(session, phone), created_at=now)
            .returning(SmsOptOut.phone_hash)
        ).first()
        speaking = [household_id for household_id in households if holders[household_id][0]]
        if speaking:
            session.execute(
                update(Dispatch)
                .where(Dispatch.household_id.in_(speaking), Dispatch.channel == ChannelKind.SMS,
                       Dispatch.status.in_(PENDING_DISPATCH))
                .values(status=DispatchStatus.CANCELLED.value, reason=Reason.OPTED_OUT.value, finished_at=now),
                execution_options={"synchronize_session": False},
            )
        return InboundOutcome(acknowledge_stop=inserted is not None, responses=0, households=tuple(households))
    count = 0
    for household_id in households:
        trusted, partners = holders[household_id]
        if not trusted:
            # Not the household's number as far as it is known: the word of the partners that gave it, each of
            # which texted the household (as a reply answers an SMS sent; a stray text stops nothing).
            texted: set[int] = set()
            for owner, delegate in session.execute(
                    select(Campaign.owner_partner_id, Campaign.delegate_partner_id).distinct()
                    .join(Dispatch, Dispatch.campaign_id == Campaign.id)
                    .where(Dispatch.household_id == household_id, Dispatch.channel == ChannelKind.SMS,
                           Dispatch.sent_at.is_not(None), Dispatch.sent_at <= now)):
                texted.update(p for p in (owner, delegate) if p is not None)
            speakers = [partner_id for partner_id in partners if partner_id in texted]
            for partner_id in speakers:
                record_response(session, household_id=household_id, partner=session.get_one(Partner, partner_id),
                                channel="sms", nature="sms", responded_at=now, now=now, evidence=None)
            count += 1 if speakers else 0
            continue
        # The reply answers the last SMS sent to the household before it arrived; its sender records it.
        answered = session.execute(
            select(Dispatch.stage, Dispatch.stage_entry_id, Partner, Campaign)
            .join(Campaign, Dispatch.campaign_id == Campaign.id)
            .join(Partner, Campaign.owner_partner_id == Partner.id)
            .where(Dispatch.household_id == household_id, Dispatch.channel == ChannelKind.SMS,
                   Dispatch.sent_at.is_not(None), Dispatch.sent_at <= now)
            .order_by(Dispatch.sent_at.desc(), Dispatch.id.desc())
            .limit(1)
        ).first()
        if answered is None:
            continue
        stage, entry_id, sender, campaign = answered
        household = session.get(Household, household_id)
        # The SMS's stay: the household's, or the stay of its sender's own case (docs/security.md, rule 7).
        if household is not None and stay_is_current(session, campaign, household, entry_id):
            record_response(session, household_id=household_id, partner=sender, channel="sms", nature="sms",
                            responded_at=now, now=now, evidence=Evidence.SMS_REPLY, stay=(stage, entry_id))
        else:
            # The household has moved on since that SMS: the answer is kept for its own stage and stops nothing of
            # the stage open now.
            session.add(Response(household_id=household_id, partner_id=sender.id, stage=stage,
                                 stage_entry_id=entry_id, channel="sms", nature="sms", responded_at=now,
                                 created_at=now, evidence=Evidence.SMS_REPLY.value))
            session.flush()
        count += 1
    return InboundOutcome(acknowledge_stop=False, responses=count, households=tuple(households))
