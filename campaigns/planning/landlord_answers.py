"""The landlord's answers (its observations to the State's request, M17/M20 of docs/domain.md §4), kept apart from
the household's responses: recording one never stops any step of the household's sequence, and the evaluation
counts them as a landlord response rate of their own (campaigns/evaluation/landlords.py).

Who records one (docs/security.md, rule 2): a bailleur, for its own case (the evaluation counts it only from the
household's landlord: campaigns/facts/landlord_answers.py), or a structure whose campaign wrote to the landlord.
Anyone else (a CAF, an association) is refused, on what it did itself only: nothing of others shows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from campaigns.messages.addressees import LANDLORD_KINDS, LANDLORD_TEMPLATES
from campaigns.models import Campaign, Dispatch, Household, LandlordAnswer, Partner
from campaigns.platform.errors import NotFoundError, ValidationError

NOT_WRITTEN = ("réponse du bailleur refusée (champ partie) : elle s'enregistre par le bailleur lui-même ou par la "
               "structure dont une campagne a écrit au bailleur de ce ménage ; la vôtre ne lui a pas écrit")


def record_landlord_answer(
    session: Session, *, household_id: int, partner: Partner, channel: str, nature: str, responded_at: datetime,
    now: datetime, case_id: int | None = None,
) -> LandlordAnswer:
    """Records the landlord's answer at the household's current stage; nothing of the household's is cancelled."""
    household = session.get(Household, household_id)
    if household is None:
        raise NotFoundError("ménage inconnu")
    if partner.kind not in LANDLORD_KINDS and not session.scalar(select(exists().where(
            Dispatch.household_id == household_id, Dispatch.template.in_(sorted(LANDLORD_TEMPLATES)),
            Dispatch.sent_at.is_not(None), Dispatch.campaign_id == Campaign.id,
            Campaign.owner_partner_id == partner.id))):
        raise ValidationError(NOT_WRITTEN)
    answer = LandlordAnswer(
        household_id=household_id, case_id=case_id, partner_id=partner.id, stage=household.stage,
        channel=channel, nature=nature, responded_at=responded_at, created_at=now,
    )
    session.add(answer)
    session.flush()
    return answer
