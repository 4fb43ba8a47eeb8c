"""The household's referent is trusted with the household whatever its own cases say (docs/security.md, rules 1
and 4): its tasks show the household's stage and hearing date, as its word on the dwelling counts for every case."""

from __future__ import annotations

from typing import Any

from tests.security.authority_world import KNOWN, World, admin_partner, landlord_row, stranger_row, world

__all__ = ["world"]


def _tasks(world: World, key: dict[str, str]) -> list[tuple[Any, ...]]:
    tasks = world.client.get("/api/v1/taches", headers=key, params={"statut": "toutes", "a_venir": "true"})
    assert tasks.status_code == 200, tasks.text
    return [(t["type"], t["stade"], t["priorite"]) for t in tasks.json()["taches"]]


def test_the_referents_search_task_shows_the_households_stage_and_a_strangers_does_not(world: World) -> None:
    ccas = admin_partner(world.client, world.state, "CCAS de Nantes", "ccas")
    association = admin_partner(world.client, world.state, "Association Toit", "association")
    world.push(world.state, [landlord_row("E-1")])  # assignation, hearing on 15/01/2027
    recorded = world.client.post("/api/v1/attributions/referents-connus", headers=world.state,
                                 json={"referents": [{"reference": "E-1", "structure": "CCAS de Nantes"}]})
    assert recorded.status_code == 200, recorded.text
    # Both structures push the tenant as unreachable at an earlier stage of their own.
    world.push(ccas, [stranger_row("C-1", KNOWN, injoignable="oui")])
    world.push(association, [stranger_row("S-1", KNOWN, injoignable="oui")])
    referent = _tasks(world, ccas)
    stranger = _tasks(world, association)
    assert [stage for _, stage, _ in referent] == ["assignation"], referent
    # The hearing's ordinal ranks the referent's task (15/01/2027), not an empty base's 99,999,999.
    assert referent[0][2] < 99_999_999
    # A structure that is neither the referent nor a source with authority sees its own case's stage only.
    assert stranger == [("recherche", "impaye", 99_999_999)], stranger


def _call_campaign(world: World, owner: str) -> None:
    world.campaign(name=f"Appels de {owner}", owner=owner, stages=["impaye", "assignation"],
                   steps=[{"channel": "appel"}], active=True)


def test_a_strangers_call_step_opens_its_task_in_its_own_queue_not_the_referents(world: World) -> None:
    ccas = admin_partner(world.client, world.state, "CCAS de Nantes", "ccas")
    world.push(world.state, [landlord_row("E-1")])  # assignation, hearing on 15/01/2027
    recorded = world.client.post("/api/v1/attributions/referents-connus", headers=world.state,
                                 json={"referents": [{"reference": "E-1", "structure": "CCAS de Nantes"}]})
    assert recorded.status_code == 200, recorded.text
    _call_campaign(world, "Harmonie Habitat")
    world.push(world.stranger, [stranger_row("B-1", KNOWN, telephone="0612345678")])
    world.runtime.tick()
    world.runtime.tick()
    # The stranger's campaign puts nothing in the referent's queue, and its own task ranks as on an empty base.
    assert _tasks(world, ccas) == []
    assert _tasks(world, world.stranger) == [("appel", "impaye", 99_999_999)]


def test_the_landlords_call_step_goes_to_the_referent(world: World) -> None:
    ccas = admin_partner(world.client, world.state, "CCAS de Nantes", "ccas")
    _call_campaign(world, "Habitat 44")
    world.push(world.state, [landlord_row("E-1")])
    world.push(world.landlord, [landlord_row()])
    recorded = world.client.post("/api/v1/attributions/referents-connus", headers=world.state,
                                 json={"referents": [{"reference": "E-1", "structure": "CCAS de Nantes"}]})
    assert recorded.status_code == 200, recorded.text
    world.runtime.tick()
    world.runtime.tick()
    tasks = _tasks(world, ccas)
    assert [(kind, stage) for kind, stage, _ in tasks] == [("appel", "assignation")], tasks
    assert tasks[0][2] < 99_999_999  # ranked by the household's hearing
