"""« Je ne veux plus de SMS » through a link written with a case without authority over the household
(docs/security.md, rule 2): the household's own action only when the link is trusted (then the number is opted out
of every campaign, as a STOP reply, campaigns/delivery/sms_events.py); otherwise it opts the household out of the
SMS of the link partner's own campaigns (owned or run by delegation) only, for the household and for the number
the link's case held. No table of its own: the answer itself (`link_answers`, kind `sans_sms`, on a link of that
partner) is the record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from campaigns.models import AnswerLink, Campaign, Case, ChannelKind, Dispatch, DispatchStatus, LinkAnswer, Reason
from campaigns.planning.authority import campaign_partners
from campaigns.planning.sequences import PENDING_DISPATCH

# `link_answers.kind` of the answer (campaigns/answers/replies.py, Nature.SANS_SMS).
SANS_SMS = "sans_sms"


def _partner_campaigns(partner_id: int) -> Select[int]:
    return select(Campaign.id).where(or_(Campaign.owner_partner_id == partner_id,
                                         Campaign.delegate_partner_id == partner_id))


def cancel_partner_sms(session: Session, *, household_id: int, partner_id: int, now: datetime) -> None:
    """Cancels the household's pending SMS of the partner's own campaigns (reason `opted_out`)."""
    session.execute(
        update(Dispatch)
        .where(Dispatch.household_id == household_id, Dispatch.channel == ChannelKind.SMS,
               Dispatch.status.in_(PENDING_DISPATCH), Dispatch.campaign_id.in_(_partner_campaigns(partner_id)))
        .values(status=DispatchStatus.CANCELLED.value, reason=Reason.OPTED_OUT.value, finished_at=now),
        execution_options={"synchronize_session": False},
    )


def opted_out_of_campaign(session: Session, dispatch: Dispatch, phone: str | None = None) -> bool:
    """Whether the household, or whoever holds the number texted (`phone`), asked through a link of the campaign's
    owner or operator for no more SMS: a later case of that partner in another household with the same number is
    spared too."""
    campaign = session.get_one(Campaign, dispatch.campaign_id)
    partners = campaign_partners(campaign)
    whose = LinkAnswer.household_id == dispatch.household_id
    if phone:
        whose = or_(whose, Case.telephone_index == phone)
    found = session.scalar(
        select(LinkAnswer.id).join(AnswerLink, AnswerLink.id == LinkAnswer.link_id)
        .join(Case, Case.id == AnswerLink.case_id)
        .where(LinkAnswer.kind == SANS_SMS, AnswerLink.partner_id.in_(partners), whose).limit(1))
    return found is not None
