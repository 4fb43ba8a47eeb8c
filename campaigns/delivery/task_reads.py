"""What the send-time checks of one `chaine.deliver_batch` task read, read set-based: one query per table for the
task's contacts instead of one per contact (campaigns/delivery/batch.py).

Read in the task's transaction, after its rows are locked, and used by `dispatch._start` through `of(session)`:
the households and cases (into the session, held for the transaction: `dispatch._hold`), the responses of the
contacts' stays, the SMS opt-outs of the numbers of their households' cases, and the « plus de SMS » answers given
through a partner's link. A contact whose value is not among them (a number no case of its household held when
the task began) is checked by its own query, as outside a task. The SMS caps are counted from one read of the
task's households' recent SMS, those households locked first (coordination's lock, taken for the whole task).
Nothing is kept after the transaction.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.link_opt_outs import SANS_SMS
from campaigns.delivery.sms_events import phone_hash
from campaigns.messages import prefetched
from campaigns.messages.addressees import is_partner_letter
from campaigns.models import (
    AnswerLink,
    Campaign,
    Case,
    ChannelKind,
    Dispatch,
    Household,
    LinkAnswer,
    Partner,
    Reason,
    Response,
    SmsOptOut,
)
from campaigns.planning.authority import campaign_partners, response_reason
from campaigns.planning.coordination import SEND, SENT, SMS_PERIOD, TO_HOUSEHOLD, CoordinationRules, Verdict, capped
from campaigns.platform.dialect import any_of
from campaigns.platform.memo import remember

_KEY = "task_reads"


@dataclass(slots=True)
class TaskReads:
    # Per stay (stage entry): (evidence, partner id) of each response recorded at it.
    responses: dict[int, list[tuple[str | None, int]]] = field(default_factory=dict)
    # Numbers whose opt-out was looked up, and those found opted out.
    phones_checked: set[str] = field(default_factory=set)
    phones_opted_out: set[str] = field(default_factory=set)
    # (household, partner of the link) of every « plus de SMS » answer of the task's households.
    sms_refusals: set[tuple[int, int]] = field(default_factory=set)
    # (number, partner of the link) of every « plus de SMS » answer through a link whose case held a number read.
    number_refusals: set[tuple[str, int]] = field(default_factory=set)
    sms_households: set[int] = field(default_factory=set)
    # Per household of the task's SMS (locked): when its SMS counted by the cap were sent within the period, oldest
    # first, the task's own `sending` marks added as they are made.
    sms_sent: dict[int, list[datetime]] = field(default_factory=dict)

    def responded(self, dispatch: Dispatch, campaign: Campaign) -> Reason | None:
        """Why a response stops this campaign's step (`authority.response_reason` on the rows read here: the
        household's evidence that it answered, or the word of the partner owning or running the campaign)."""
        return response_reason(campaign, self.responses.get(dispatch.stage_entry_id, ()))

    def opted_out(self, phone: str) -> bool | None:
        """Whether the number answered STOP; None when it was not looked up with the task."""
        if phone not in self.phones_checked:
            return None
        return phone in self.phones_opted_out

    def refused_sms(self, dispatch: Dispatch, campaign: Campaign, phone: str | None = None) -> bool | None:
        """`link_opt_outs.opted_out_of_campaign` on the rows read here; None for a household or number not read."""
        if dispatch.household_id not in self.sms_households or (phone and phone not in self.phones_checked):
            return None
        partners = campaign_partners(campaign)
        return any((dispatch.household_id, p) in self.sms_refusals or (phone, p) in self.number_refusals
                   for p in partners)


    def sms_verdict(self, dispatch: Dispatch, campaign: Campaign, rules: CoordinationRules) -> Verdict | None:
        """`coordination.coordinate` for an SMS on the rows read here (its household locked with the task's); None
        for a household not read."""
        sent = self.sms_sent.get(dispatch.household_id)
        if sent is None or dispatch.channel != ChannelKind.SMS:
            return None
        if dispatch.regulatory:
            return SEND
        return capped(sent, campaign, period=SMS_PERIOD, cap=rules.sms_per_24_hours)

    def marked(self, dispatch: Dispatch, sent_at: datetime) -> None:
        """A contact of the task marked `sending`: counted by the next SMS caps of its household."""
        sent = self.sms_sent.get(dispatch.household_id)
        if sent is not None and dispatch.channel == ChannelKind.SMS and not is_partner_letter(dispatch.template):
            sent.append(sent_at)


def of(session: Session) -> TaskReads | None:
    """The reads of the task this session checks, or None outside a task (deliver(): one query each)."""
    reads = session.info.get(_KEY)
    return reads if isinstance(reads, TaskReads) else None


def read_task(session: Session, dispatches: Sequence[Dispatch], *, now: datetime) -> TaskReads:
    """Reads, for these locked `queued` rows, what their checks need, and attaches it to the session. The households
    the coordination locks (an SMS's, a letter's) are locked here, all at once and in id order."""
    reads = TaskReads()
    session.info[_KEY] = reads
    if not dispatches:
        return reads
    household_ids = sorted({d.household_id for d in dispatches})
    coordinated = sorted({d.household_id for d in dispatches if d.channel in (ChannelKind.SMS, ChannelKind.COURRIER)})
    if coordinated:
        session.execute(select(Household.id).where(any_of(session, Household.id, coordinated))
                        .order_by(Household.id).with_for_update())
    # Into the session (held for the transaction): the guards' and composing's session.get find them there.
    session.scalars(select(Household).where(any_of(session, Household.id, household_ids))).all()
    session.scalars(select(Campaign).where(any_of(session, Campaign.id, sorted({d.campaign_id for d in dispatches}))))\
        .all()
    cases = session.scalars(select(Case).where(any_of(session, Case.household_id, household_ids))).all()
    # Composing's reads (each household's cases, its bailleur's contact line): from these rows, not a query each.
    partners = session.scalars(select(Partner).where(any_of(session, Partner.id, sorted({c.partner_id
                                                                                       for c in cases})))).all()
    for partner in partners:  # a partner's kind never changes (campaigns/platform/memo.py)
        remember(("partner_kind", partner.id), partner.kind)
    prefetched.attach(session, household_ids, cases, partners)
    entries = sorted({d.stage_entry_id for d in dispatches})
    responses: defaultdict[int, list[tuple[str | None, int]]] = defaultdict(list)
    for entry_id, evidence, partner_id in session.execute(
            select(Response.stage_entry_id, Response.evidence, Response.partner_id)
            .where(any_of(session, Response.stage_entry_id, entries))):
        if entry_id is not None:
            responses[entry_id].append((evidence, partner_id))
    reads.responses = dict(responses)
    sms_households = {d.household_id for d in dispatches if d.channel == ChannelKind.SMS}
    if not sms_households:
        return reads
    reads.sms_households = sms_households
    phones = sorted({c.telephone for c in cases if c.household_id in sms_households and c.telephone})
    if phones:
        # The keyed hash, and the plain SHA-256 of opt-outs recorded before it (sms_events.is_opted_out).
        hashes = {phone: (phone_hash(session, phone), hashlib.sha256(phone.encode()).hexdigest()) for phone in phones}
        found = set(session.scalars(select(SmsOptOut.phone_hash).where(
            any_of(session, SmsOptOut.phone_hash, sorted({h for pair in hashes.values() for h in pair})))))
        reads.phones_checked = set(phones)
        reads.phones_opted_out = {phone for phone, pair in hashes.items() if found.intersection(pair)}
    reads.sms_refusals = {(household_id, partner_id) for household_id, partner_id in session.execute(
        select(LinkAnswer.household_id, AnswerLink.partner_id).join(AnswerLink, AnswerLink.id == LinkAnswer.link_id)
        .where(LinkAnswer.kind == SANS_SMS, any_of(session, LinkAnswer.household_id, sorted(sms_households))))}
    if phones:
        # The links' cases holding one of the numbers (queried with the plain numbers, read back as their HMAC).
        indexes = {phone_hash(session, phone): phone for phone in phones}
        reads.number_refusals = {(indexes[index], partner_id) for index, partner_id in session.execute(
            select(Case.telephone_index, AnswerLink.partner_id)
            .join(AnswerLink, AnswerLink.case_id == Case.id).join(LinkAnswer, LinkAnswer.link_id == AnswerLink.id)
            .where(LinkAnswer.kind == SANS_SMS, any_of(session, Case.telephone_index, phones)))
            if index in indexes}
    # As coordination._cap counts them, for every SMS of these households at once.
    sent: dict[int, list[datetime]] = {household_id: [] for household_id in sms_households}
    for household_id, sent_at in session.execute(
            select(Dispatch.household_id, Dispatch.sent_at)
            .where(any_of(session, Dispatch.household_id, sorted(sms_households)), Dispatch.channel == ChannelKind.SMS,
                   Dispatch.status.in_(SENT), Dispatch.sent_at > now - SMS_PERIOD, TO_HOUSEHOLD)
            .order_by(Dispatch.sent_at)):
        if sent_at is not None:
            sent[household_id].append(sent_at)
    reads.sms_sent = sent
    return reads
