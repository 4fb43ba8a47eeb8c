"""« Je ne veux plus de SMS » through a partner's own link (docs/security.md, rule 2): the partner's campaigns no
longer text the household, nor the number the link's case held, even in another household of that partner."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.models import Campaign, Case, Dispatch
from tests.security.authority_world import KNOWN, STRANGER, UNKNOWN, World, landlord_row, stranger_row, world
from tests.security.test_red_team3 import _links, _open_link

__all__ = ["world"]

PHONE = "06 99 88 77 66"  # the stranger's number for the person, not the landlord's


def test_a_link_opt_out_spares_the_number_in_the_partners_other_households(world: World) -> None:
    world.campaign(name=f"Relances de {STRANGER}", owner=STRANGER, stages=["impaye"], active=True, steps=[
        {"channel": "email", "template": "etape_{stade}"}, {"channel": "sms", "template": "relance", "delay_days": 1}])
    # The landlord's tenant: the stranger's case on her has no authority, so its link is not the household's own.
    world.push(world.landlord, [landlord_row()])
    world.push(world.stranger, [stranger_row("B-1", KNOWN, telephone=PHONE)])
    world.runtime.tick()
    [token, *_] = _links(world, KNOWN["email"])
    browser = TestClient(world.client.app)
    token_csrf = _open_link(browser, token, "B-1")
    assert browser.post(f"/r/{token}/sms", data={"csrf_token": token_csrf}).status_code == 200
    # The partner's later row: another person, elsewhere, given the same number.
    world.push(world.stranger, [stranger_row("B-2", UNKNOWN, telephone=PHONE, commune="Brest", code_postal="29200",
                                             adresse="3 rue de Siam")])
    world.runtime.tick()
    world.clock.advance(days=1, hours=1)
    world.runtime.tick()
    with world.runtime.session_factory() as session:
        households = dict(session.execute(select(Case.reference, Case.household_id)).all())
        assert households["B-1"] == households["A-1"]  # linked by name and birth date
        assert households["B-1"] != households["B-2"]  # two households: nothing else in common
        sms = session.execute(
            select(Dispatch.household_id, Dispatch.status, Dispatch.reason)
            .join(Campaign, Campaign.id == Dispatch.campaign_id)
            .where(Dispatch.channel == "sms", Campaign.name == f"Relances de {STRANGER}")).all()
    assert sorted(sms) == sorted([(households["B-1"], "cancelled", "opted_out"),
                                  (households["B-2"], "skipped", "opted_out")])
