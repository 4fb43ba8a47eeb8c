"""Rule 2 of docs/security.md at send time, attacked: a stranger partner (a second bailleur, or the CAF) records a
plain response for its own case on a shared household, at the household's stage. When the State's and the landlord's
contacts fall due, they still go: a partner's word stops its own contacts only, also when they are sent. The
household's own answer (an SMS reply, through the signed Twilio webhook) still stops everyone's relances, never the
State's regulatory letter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from api.app import create_app
from campaigns.models import Campaign, Dispatch, Response
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.security.authority_world import KNOWN, World, admin_partner, landlord_row, stranger_row
from tests.twilio_standin import TwilioStandIn, twilio_runtime

SID, TOKEN = "AC" + "2" * 32, "evidence-token"
BASE = "https://chaine.example.fr"
PHONE = "+33612345678"  # the tenant's number in the State's and the landlord's rows
STATE_LETTERS = "Courriers de l'État"
LANDLORD_SMS = "Relances du bailleur"


@pytest.fixture
def sms_world(pg_runtime: Runtime, clock: Clock) -> Iterator[World]:
    """The authority world with its SMS sent through Twilio (a stand-in), so that the household can answer."""
    with TwilioStandIn(SID, TOKEN) as standin:
        runtime = twilio_runtime(pg_runtime, standin, sid=SID, token=TOKEN, public_base_url=BASE)
        _, state = new_partner(runtime, "DDETS 44", "etat")
        with TestClient(create_app(runtime)) as client:
            landlord = admin_partner(client, state, "Habitat 44", "bailleur_social")
            stranger = admin_partner(client, state, "Harmonie Habitat", "bailleur_social")
            yield World(client, runtime, clock, state, landlord, stranger)


def _campaigns(world: World) -> None:
    """The State: an SMS the next day, a letter three days later, the regulatory letter after 40 days; the
    landlord: an SMS four days later. All at the assignation stage, where the household is."""
    world.campaign(name=STATE_LETTERS, owner="DDETS 44", stages=["assignation"], steps=[
        {"channel": "sms", "template": "relance", "delay_days": 1},
        {"channel": "courrier", "template": "information_etat", "delay_days": 3},
        {"channel": "courrier", "template": "information_etat", "delay_days": 40, "regulatory": True}])
    world.campaign(name=LANDLORD_SMS, owner="Habitat 44", stages=["assignation"], steps=[
        {"channel": "sms", "template": "relance", "delay_days": 4}])


def _contacts(world: World) -> dict[tuple[str, int], tuple[str, str | None]]:
    """(campaign name, step) -> (status, reason) of every planned contact."""
    with world.runtime.session_factory() as session:
        rows = session.execute(select(Campaign.name, Dispatch.step_position, Dispatch.status, Dispatch.reason)
                               .join(Campaign, Campaign.id == Dispatch.campaign_id))
        return {(name, step): (status, reason) for name, step, status, reason in rows}


def _sent(status_reason: tuple[str, str | None]) -> bool:
    return status_reason[0] in ("sending", "sent", "delivered")


def _days(world: World, days: int) -> None:
    for _ in range(days):
        world.clock.advance(days=1)
        world.runtime.tick()


def _stranger(world: World, kind: str) -> dict[str, str]:
    if kind == "bailleur_social":
        return world.stranger
    return admin_partner(world.client, world.state, "CAF 44", kind)


def _household_replies(world: World, sid: str) -> None:
    form = {"From": PHONE, "Body": "Bonjour, je vous rappelle demain", "MessageSid": sid}
    signature = RequestValidator(TOKEN).compute_signature(BASE + "/api/v1/twilio/entrant", form)
    answer = world.client.post("/api/v1/twilio/entrant", data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("kind", ["bailleur_social", "caf"])
def test_a_strangers_plain_response_never_stops_the_others_contacts_when_they_fall_due(
    sms_world: World, kind: str
) -> None:
    world = sms_world
    _campaigns(world)
    world.push(world.state, [landlord_row("E-1")])
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    stranger = _stranger(world, kind)
    # The stranger's case at the household's stage: it shares the household's stay (docs/security.md, rule 7).
    world.push(stranger, [stranger_row("B-1", KNOWN, stade="assignation", date_stade="02/10/2026")])
    answer = world.client.post("/api/v1/reponses", headers=stranger,
                               json={"reference": "B-1", "canal": "appel", "nature": "appel_entrant"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["contacts_annules"] == 0
    with world.runtime.session_factory() as session:
        response = session.scalars(select(Response)).one()
        assert response.evidence is None
    # Every contact falls due: the State's SMS and letter and the landlord's SMS go as if the stranger had said nothing.
    _days(world, 5)
    after = _contacts(world)
    assert _sent(after[(STATE_LETTERS, 0)]), after
    assert _sent(after[(STATE_LETTERS, 1)]), after
    assert _sent(after[(LANDLORD_SMS, 0)]), after
    assert after[(STATE_LETTERS, 2)] == ("planned", None)
    assert ("cancelled", "responded") not in after.values()


def test_the_households_sms_reply_still_stops_everyones_relances(sms_world: World) -> None:
    world = sms_world
    _campaigns(world)
    world.push(world.state, [landlord_row("E-1")])
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    # The stranger's plain word first: it stops nothing of the others'.
    world.push(world.stranger, [stranger_row("B-1", KNOWN, stade="assignation", date_stade="02/10/2026")])
    answer = world.client.post("/api/v1/reponses", headers=world.stranger,
                               json={"reference": "B-1", "canal": "appel", "nature": "appel_entrant"})
    assert answer.status_code == 201, answer.text
    _days(world, 1)
    assert _sent(_contacts(world)[(STATE_LETTERS, 0)])
    # The household answers the State's SMS: its relances and the landlord's stop, the regulatory letter stays.
    _household_replies(world, "SM" + "e" * 32)
    with world.runtime.session_factory() as session:
        evidence = sorted(str(r.evidence) for r in session.scalars(select(Response)))
    assert evidence == ["None", "reponse_sms"]
    _days(world, 5)
    after = _contacts(world)
    assert after[(STATE_LETTERS, 1)] == ("cancelled", "responded")
    assert after[(LANDLORD_SMS, 0)] == ("cancelled", "responded_other_campaign")
    assert after[(STATE_LETTERS, 2)] == ("planned", None)
