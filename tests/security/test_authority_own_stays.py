"""Rule 7 of docs/security.md, attacked: a second bailleur (no authority over the household, rule 6) owns a campaign
and pushes a case at another stage than the one the State has the household at. Its contacts, case view, statuses and
response answers are those it gets for a person nobody else knows (its "empty base" twin, pushed alongside), and the
State moving the household cancels none of its contacts: its campaign runs on its own case's stage stays."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campaigns.models import Campaign
from tests.security.authority_world import STRANGER, World, landlord_row, world
from tests.security.own_stays_world import (
    contacts,
    households,
    push_twins,
    report,
    same_views,
    shared_household,
    state_campaign,
    state_contacts,
)

__all__ = ["world"]

HARMONIE = "Relances de Harmonie"


def _stranger_campaign(world: World, **spec: Any) -> None:
    """The second bailleur's own relances, by e-mail (its rows carry its own e-mail for the person)."""
    world.campaign(name=HARMONIE, owner=STRANGER, stages=["commandement_de_payer", "jugement"], steps=[
        {"channel": "email", "template": "etape_{stade}"},
        {"channel": "email", "template": "relance", "delay_days": 5}], **spec)


def test_a_second_bailleurs_campaign_runs_on_its_own_case_as_on_an_empty_base(world: World) -> None:
    state_campaign(world)
    _stranger_campaign(world)
    shared_household(world)
    shared, alone = push_twins(world, world.stranger, stade="commandement_de_payer")
    known = households(world)
    # The attack works as a link: the stranger's case joined the tenant's household, at the assignation stage.
    assert known["B-1"] == known["A-1"] == known["E-1"] != known["B-2"]
    assert known["B-1"][1] == "assignation"
    assert report(shared) == report(alone)
    view = same_views(world, world.stranger)
    assert contacts(view) == [("commandement_de_payer", 1, "planned", None), ("commandement_de_payer", 2, "planned",
                                                                               None)]
    world.runtime.tick()
    assert [c["statut"] for c in same_views(world, world.stranger)["contacts"]] == ["delivered", "planned"]

    # The State moves the household: the State's contacts of the stage it leaves stop, the stranger's do not.
    world.push(world.state, [landlord_row("E-1", stade="jugement", date_stade="26/11/2026")])
    assert households(world)["B-1"][1] == "jugement"
    assert state_contacts(world)[("assignation", 0)] == ("cancelled", "stage_changed")
    assert state_contacts(world)[("jugement", 0)] == ("planned", None)
    assert contacts(same_views(world, world.stranger)) == [("commandement_de_payer", 1, "delivered", None),
                                             ("commandement_de_payer", 2, "planned", None)]
    world.clock.advance(days=6)
    world.runtime.tick()
    assert [c["statut"] for c in same_views(world, world.stranger)["contacts"]] == ["delivered", "delivered"]

    # Its own case moves: its campaign follows it, as it would on an empty base.
    push_twins(world, world.stranger, stade="jugement", date_stade="01/12/2026")
    assert [(c["stade"], c["statut"]) for c in same_views(world, world.stranger)["contacts"]] == [
        ("commandement_de_payer", "delivered"), ("commandement_de_payer", "delivered"), ("jugement", "planned"),
        ("jugement", "planned")]
    world.runtime.tick()
    view = same_views(world, world.stranger)
    assert [c["statut"] for c in view["contacts"]] == ["delivered", "delivered", "delivered", "planned"]


def test_a_second_bailleurs_response_stops_its_own_stay_as_on_an_empty_base(world: World) -> None:
    state_campaign(world)
    _stranger_campaign(world)
    shared_household(world)
    # The stranger claims a later stage than the household's (which its word does not move, rule 6).
    push_twins(world, world.stranger, stade="jugement", date_stade="24/11/2026")
    assert households(world)["B-1"][1] == "assignation"
    assert contacts(same_views(world, world.stranger)) == [
        ("jugement", 1, "planned", None), ("jugement", 2, "planned", None)]
    answers = [world.client.post("/api/v1/reponses", headers=world.stranger, json={
        "reference": reference, "canal": "appel", "nature": "appel_entrant"}) for reference in ("B-1", "B-2")]
    assert [a.status_code for a in answers] == [201, 201]
    assert [{k: v for k, v in a.json().items() if k != "id"} for a in answers] == [
        {"partie": "menage", "stade": "jugement", "contacts_annules": 2}] * 2
    view = same_views(world, world.stranger)
    assert contacts(view) == [("jugement", 1, "cancelled", "responded"), ("jugement", 2, "cancelled", "responded")]
    assert view["reponse_recue_au_stade_actuel"] is True
    # Its own contacts only: the State's letters of the household's stage go on.
    assert state_contacts(world)[("assignation", 0)] == ("planned", None)
    world.clock.advance(days=4)
    world.runtime.tick()
    assert state_contacts(world)[("assignation", 0)][0] != "cancelled"
    same_views(world, world.stranger)


def test_a_second_bailleurs_campaign_started_later_enrolls_its_own_cases_stays(world: World) -> None:
    """Activation enrolls a bailleur's cases in their own stays, as it enrolls them on an empty base."""
    state_campaign(world)
    shared_household(world)
    push_twins(world, world.stranger, stade="commandement_de_payer")
    assert same_views(world, world.stranger)["contacts"] == []
    _stranger_campaign(world, active=False)
    with world.runtime.session_factory() as session:
        campaign_id = session.scalars(select(Campaign.id).where(Campaign.name == HARMONIE)).one()
    activated = world.client.post(f"/api/v1/campagnes/{campaign_id}/activer", headers=world.state)
    assert activated.status_code == 200, activated.text
    assert activated.json()["menages_inscrits"] == 2
    assert contacts(same_views(world, world.stranger)) == [("commandement_de_payer", 1, "planned", None),
                                             ("commandement_de_payer", 2, "planned", None)]
    # The State moving the household leaves them alone.
    world.push(world.state, [landlord_row("E-1", stade="jugement", date_stade="26/11/2026")])
    assert [c["statut"] for c in same_views(world, world.stranger)["contacts"]] == ["planned", "planned"]
