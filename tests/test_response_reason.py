"""Why a response stops a campaign's step when it falls due (campaigns/planning/authority.response_reason): the
answered partner's own campaigns `responded`, the others' `responded_other_campaign` (docs/domain.md §10.1 req. 17),
nothing on another partner's plain word (docs/security.md, rule 2)."""

from __future__ import annotations

from campaigns.models import Campaign, Reason
from campaigns.planning.authority import Evidence, response_reason

OWNER, DELEGATE, OTHER = 1, 2, 3


def _campaign(delegate: int | None = None) -> Campaign:
    return Campaign(name="Relances", owner_partner_id=OWNER, delegate_partner_id=delegate)


def test_the_owners_word_or_its_operators_stops_its_own_steps_as_responded() -> None:
    assert response_reason(_campaign(), [(None, OWNER)]) is Reason.RESPONDED
    assert response_reason(_campaign(DELEGATE), [(None, DELEGATE)]) is Reason.RESPONDED
    # The household answered the owner and another partner: the owner's answer names it.
    assert response_reason(_campaign(), [(Evidence.SMS_REPLY.value, OTHER), (None, OWNER)]) is Reason.RESPONDED


def test_the_household_answering_another_partner_stops_it_as_another_campaigns_answer() -> None:
    assert response_reason(_campaign(), [(Evidence.SMS_REPLY.value, OTHER)]) is Reason.RESPONDED_OTHER_CAMPAIGN
    assert response_reason(_campaign(), [(Evidence.APPEL_DU_MENAGE.value, OTHER)]) is Reason.RESPONDED_OTHER_CAMPAIGN


def test_another_partners_plain_word_stops_nothing() -> None:
    assert response_reason(_campaign(), [(None, OTHER)]) is None
    assert response_reason(_campaign(), []) is None
