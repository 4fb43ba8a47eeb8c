"""Rule 1 of docs/security.md, attacked: a second partner that knows a tenant's name and birth date pushes a row for
her; nothing it gets back may differ from what it gets for a person nobody else knows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from campaigns.models import Case
from tests.security.authority_world import KNOWN, UNKNOWN, World, landlord_row, stranger_row, world

__all__ = ["world"]


def _without(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in names}


def _report(body: dict[str, Any]) -> dict[str, Any]:
    """A push or import report, without what names the import itself (its id and the link to its rejections)."""
    return _without(body, "id", "rejets_csv")


def _shared_household(world: World) -> None:
    """The pilot writes to the tenant at the assignation stage; the bailleur knows her, her debt and her hearing."""
    world.campaign(name="Courriers de l'État", owner="DDETS 44",
                   steps=[{"channel": "courrier", "template": "information_etat", "regulatory": True},
                          {"channel": "courrier", "template": "information_etat", "delay_days": 10}])
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    answered = world.client.post("/api/v1/reponses", headers=world.landlord,
                                 json={"reference": "A-1", "canal": "appel", "nature": "appel_entrant"})
    assert answered.status_code == 201, answered.text


def test_stranger_case_view_and_reports_are_those_of_an_unknown_person(world: World) -> None:
    _shared_household(world)
    shared_push = world.push(world.stranger, [stranger_row("B-1", KNOWN)])
    alone_push = world.push(world.stranger, [stranger_row("B-2", UNKNOWN)])
    with world.runtime.session_factory() as session:
        households = {ref: household for ref, household in session.execute(select(Case.reference, Case.household_id))}
    # The attack works as a link: the stranger's case joined the tenant's household (that is the service's point).
    assert households["B-1"] == households["A-1"] != households["B-2"]
    assert _report(shared_push) == _report(alone_push)
    for push in (shared_push, alone_push):
        again = world.client.get(f"/api/v1/imports/{push['id']}", headers=world.stranger)
        assert again.status_code == 200 and _report(again.json()) == _report(alone_push)
        rejections = world.client.get(f"/api/v1/imports/{push['id']}/rejets.csv", headers=world.stranger)
        assert rejections.status_code == 200 and rejections.text.lstrip("\ufeff") == "ligne;reference;champ;motif\r\n"

    shared, alone = world.view(world.stranger, "B-1"), world.view(world.stranger, "B-2")
    # Same shape and same values: neither the assignation stage, its date, the answer nor the letters show.
    assert _without(shared, "reference") == _without(alone, "reference"), (shared, alone)
    assert shared["stade"] == "impaye" and shared["date_stade"] == "2026-11-23"
    assert "assignation" not in str(shared) and "2026-10-02" not in str(shared)


def test_stranger_response_and_its_answer_reveal_nothing(world: World) -> None:
    _shared_household(world)
    world.push(world.stranger, [stranger_row("B-1", KNOWN)])
    world.push(world.stranger, [stranger_row("B-2", UNKNOWN)])
    answers = [world.client.post("/api/v1/reponses", headers=world.stranger,
                                 json={"reference": ref, "canal": "appel", "nature": "appel_entrant"})
               for ref in ("B-1", "B-2")]
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    shared, alone = (_without(a.json(), "id") for a in answers)
    assert shared == alone, (shared, alone)
    assert shared["stade"] == "impaye" and shared["contacts_annules"] == 0
    assert _without(world.view(world.stranger, "B-1"), "reference") == _without(
        world.view(world.stranger, "B-2"), "reference")


def test_a_pushed_update_and_errors_reveal_nothing(world: World) -> None:
    _shared_household(world)
    world.push(world.stranger, [stranger_row("B-1", KNOWN), stranger_row("B-2", UNKNOWN)])
    # An update moving its own case forward, and a bad row next to it: same answers for both people.
    reports = [world.push(world.stranger, [stranger_row(ref, who, stade="commandement_de_payer"),
                                           stranger_row(f"{ref}-bis", who, stade="stade_inconnu")])
               for ref, who in (("B-1", KNOWN), ("B-2", UNKNOWN))]
    assert _report(reports[0]) == _report(reports[1]) | {"rejets": [
        rejection | {"reference": "B-1-bis"} for rejection in reports[1]["rejets"]]}
    assert [r["reference"] for r in reports[0]["rejets"]] == ["B-1-bis"]
    shared, alone = world.view(world.stranger, "B-1"), world.view(world.stranger, "B-2")
    assert _without(shared, "reference") == _without(alone, "reference")
    assert shared["stade"] == "commandement_de_payer"
    # The landlord's own view is unchanged by the stranger: still its stage and its date.
    own = world.view(world.landlord, "A-1")
    assert (own["stade"], own["date_stade"]) == ("assignation", "2026-10-02")
    with world.runtime.session_factory() as session:
        assert session.scalar(select(func.count(Case.id))) == 3
