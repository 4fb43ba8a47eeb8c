"""Which landlord answers count in the evaluation (docs/security.md, rule 2): the household's own landlord's (its
bailleur case with authority, campaigns.models.authority) and those recorded by a structure that wrote to the
landlord (the owner of a campaign whose landlord letter went out for the household). A partner that pushed a name
and a birth date records what it likes for its own case; it never writes the household's landlord response rate.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.messages.addressees import LANDLORD_TEMPLATES
from campaigns.models import Campaign, Case, Dispatch, LandlordAnswer
from campaigns.models.authority import case_sources, ruling_cases
from campaigns.platform.dialect import any_of


def counted_landlord_answers(session: Session, households: Collection[int]) -> dict[tuple[int, str | None],
                                                                                      list[datetime]]:
    """(household, stage) -> when the landlord answered, for the answers that count."""
    households = sorted(set(households))
    found: dict[tuple[int, str | None], list[datetime]] = {}
    answers = session.execute(
        select(LandlordAnswer.household_id, LandlordAnswer.stage, LandlordAnswer.responded_at,
               LandlordAnswer.partner_id).where(any_of(session, LandlordAnswer.household_id, households))
    ).all()
    if not answers:
        return found
    answering = sorted({household_id for household_id, *_ in answers})
    ruling = ruling_cases(session, case_sources(session, answering))
    allowed = set(session.execute(select(Case.household_id, Case.partner_id).where(
        any_of(session, Case.id, sorted(ruling)))).tuples().all())
    allowed |= set(session.execute(
        select(Dispatch.household_id, Campaign.owner_partner_id).join(Campaign, Campaign.id == Dispatch.campaign_id)
        .where(any_of(session, Dispatch.household_id, answering), Dispatch.template.in_(sorted(LANDLORD_TEMPLATES)),
               Dispatch.sent_at.is_not(None))).tuples().all())
    for household_id, stage, responded_at, partner_id in answers:
        if (household_id, partner_id) in allowed:
            found.setdefault((household_id, stage), []).append(responded_at)
    return found
