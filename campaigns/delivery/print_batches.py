"""Print batches: the letters of a day, per sending partner, gathered after the cut-off."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.crypto.handles import contact_handle
from campaigns.locale.clock import PARIS
from campaigns.locale.text import ascii_fold
from campaigns.models import Campaign, Case, ChannelKind, Dispatch, DispatchStatus, Partner


@dataclass(frozen=True, slots=True)
class DayLetter:
    dispatch_id: int
    provider_ref: str
    reference: str
    handle: str  # the « courrier_id » its sender reads and returns (campaigns/crypto/handles.py)


def partner_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(name).lower()).strip("-") or "partenaire"


def letters_of_day(session: Session, day: date) -> dict[str, list[DayLetter]]:
    """Letters printed on `day` (Paris time), by sending partner's slug, in the order they were produced."""
    start = datetime.combine(day, time(0), tzinfo=PARIS)
    rows = session.execute(
        select(Dispatch.id, Dispatch.provider_ref, Dispatch.household_id, Partner.name, Partner.id)
        .join(Campaign, Campaign.id == Dispatch.campaign_id)
        .join(Partner, Partner.id == Campaign.owner_partner_id)
        .where(
            Dispatch.channel == ChannelKind.COURRIER,
            Dispatch.status.in_([DispatchStatus.DELIVERED, DispatchStatus.RETURNED]),
            Dispatch.sent_at >= start,
            Dispatch.sent_at < start + timedelta(days=1),
            Dispatch.provider_ref.is_not(None),
        )
        .order_by(Dispatch.sent_at, Dispatch.id)
    ).all()
    batches: dict[str, list[DayLetter]] = defaultdict(list)
    for dispatch_id, provider_ref, household_id, name, owner_id in rows:
        cases = session.scalars(select(Case).where(Case.household_id == household_id)).all()
        # The reference printed on the letter: the sender's own case if it has one.
        case = next((c for c in cases if c.partner_id == owner_id), cases[0])
        batches[partner_slug(name)].append(DayLetter(dispatch_id, provider_ref or "", case.reference,
                                                     contact_handle(session, dispatch_id, owner_id)))
    return dict(batches)
