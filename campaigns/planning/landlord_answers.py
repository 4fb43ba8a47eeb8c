"""The landlord's answers (its observations to the State's request, M17/M20 of docs/domain.md §4), kept apart from
the household's responses: recording one never stops any step of the household's sequence, and the evaluation
counts them as a landlord response rate of their own (campaigns/evaluation/landlords.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.models import Household, LandlordAnswer, Partner
from campaigns.platform.errors import NotFoundError


def record_landlord_answer(
    session: Session, *, household_id: int, partner: Partner, channel: str, nature: str, responded_at: datetime,
    now: datetime, case_id: int | None = None,
) -> LandlordAnswer:
    """Records the landlord's answer at the household's current stage; nothing of the household's is cancelled."""
    household = session.get(Household, household_id)
    if household is None:
        raise NotFoundError("ménage inconnu")
    answer = LandlordAnswer(
        household_id=household_id, case_id=case_id, partner_id=partner.id, stage=household.stage,
        channel=channel, nature=nature, responded_at=responded_at, created_at=now,
    )
    session.add(answer)
    session.flush()
    return answer
