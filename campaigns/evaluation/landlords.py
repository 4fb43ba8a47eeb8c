"""The landlord response rate (docs/domain.md §11.7, Essonne: about 10 % of landlords answer), apart from the
household's: of the households whose landlord was sent a landlord letter (courrier_bailleur) in the period, those
whose landlord's answer was recorded after it (campaigns/planning/landlord_answers.py), beside the households of
the same cases that answered themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.evaluation.sums import Period
from campaigns.locale.clock import PARIS
from campaigns.messages.addressees import LANDLORD_TEMPLATES
from campaigns.models import ChannelKind, Dispatch, DispatchStatus, LandlordAnswer, Response
from campaigns.platform.statistics import Rate, rate

_SENT = (DispatchStatus.SENDING.value, DispatchStatus.DELIVERED.value, DispatchStatus.RETURNED.value)


@dataclass(frozen=True, slots=True)
class LandlordRates:
    landlords: Rate  # households whose landlord answered, of those whose landlord got a letter
    households: Rate  # the same households that answered themselves


def _first_letters(session: Session, period: Period) -> dict[int, datetime]:
    start = datetime.combine(period.start, time(0, 0), tzinfo=PARIS)
    end = datetime.combine(period.end + timedelta(days=1), time(0, 0), tzinfo=PARIS)
    rows = session.execute(
        select(Dispatch.household_id, func.min(Dispatch.sent_at))
        .where(Dispatch.channel == ChannelKind.COURRIER.value, Dispatch.template.in_(sorted(LANDLORD_TEMPLATES)),
               Dispatch.status.in_(_SENT), Dispatch.sent_at >= start, Dispatch.sent_at < end)
        .group_by(Dispatch.household_id)
    ).all()
    return {household_id: sent_at for household_id, sent_at in rows if sent_at is not None}


def _answered(session: Session, model: type[LandlordAnswer] | type[Response], letters: dict[int, datetime]) -> int:
    if not letters:
        return 0
    rows = session.execute(
        select(model.household_id, func.max(model.responded_at)).where(model.household_id.in_(list(letters)))
        .group_by(model.household_id)
    ).all()
    return sum(1 for household_id, last in rows if last is not None and last >= letters[household_id])


def landlord_rates(session: Session, *, period: Period) -> LandlordRates:
    letters = _first_letters(session, period)
    return LandlordRates(landlords=rate(_answered(session, LandlordAnswer, letters), len(letters)),
                         households=rate(_answered(session, Response, letters), len(letters)))
