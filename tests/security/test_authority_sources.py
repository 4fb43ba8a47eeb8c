"""Rules 1 and 4 of docs/security.md, attacked through the data a partner's own campaign writes with: a CCAS that
pushes a row for a tenant others know must get back, through its campaign's contacts and its NPAI reports, what it
would get for a person nobody else knows (unless the household was attributed to it); a returned letter invalidates
the address it was sent to, and a worker's "parti" the address visited, never another one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campaigns.models import Case, Dispatch
from tests.contact_handles import contact_number
from tests.queue_factories import add_worker, complete, tasks
from tests.security.authority_world import KNOWN, UNKNOWN, World, admin_partner, landlord_row, stranger_row, world

__all__ = ["world"]

LETTER = {"channel": "courrier", "template": "information_etat"}


def _contacts(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in contact.items() if k != "id"} for contact in view["contacts"]]


def _letters(world: World, headers: dict[str, str], reference: str) -> list[dict[str, Any]]:
    return [c for c in world.view(headers, reference)["contacts"] if c["canal"] == "courrier"]


def _npai(world: World, headers: dict[str, str], letter_id: str) -> dict[str, Any]:
    answer = world.client.post("/api/v1/npai", headers=headers, json={"courrier_id": letter_id})
    assert answer.status_code == 201, answer.text
    return {k: v for k, v in answer.json().items() if k not in ("courrier_id", "tache_recherche")}


def _case(world: World, reference: str) -> Case:
    with world.runtime.session_factory() as session:
        return session.scalars(select(Case).where(Case.reference == reference)).one()


def test_a_structures_campaign_writes_with_its_own_data_unless_the_household_is_attributed_to_it(
        world: World) -> None:
    ccas = admin_partner(world.client, world.state, "CCAS Nantes", "ccas")
    world.campaign(name="Courriers du CCAS", owner="CCAS Nantes", stages=["assignation"], steps=[
        LETTER, LETTER | {"delay_days": 10}, LETTER | {"delay_days": 10}])
    world.push(world.landlord, [landlord_row(langue="en")])  # 12 rue des Lilas, in English
    own = {"stade": "assignation", "date_stade": "02/10/2026", "adresse": "5 allée des Tilleuls"}
    world.push(ccas, [stranger_row("B-1", KNOWN, **own), stranger_row("B-2", UNKNOWN, **own)])
    world.runtime.tick()
    first = {ref: _letters(world, ccas, ref)[0] for ref in ("B-1", "B-2")}
    assert {letter["statut"] for letter in first.values()} == {"delivered"}
    # Its letter came back: the report names its own address, and nothing of the landlord's for the next letter.
    reports = {ref: _npai(world, ccas, letter["id"]) for ref, letter in first.items()}
    assert reports["B-1"] == reports["B-2"] == {
        "statut": "returned", "adresse_invalidee": "5 allée des Tilleuls, 44000 Nantes", "adresses_invalidees": 1,
        "prochaine_adresse": None, "destinataire": "menage"}
    world.clock.advance(days=12)
    world.runtime.tick()
    shared, alone = world.view(ccas, "B-1"), world.view(ccas, "B-2")
    # The second letter has no address of the CCAS's own to go to, shared or not (not the landlord's, in English).
    assert _contacts(shared) == _contacts(alone), (shared, alone)
    assert [(c["statut"], c["motif"]) for c in _letters(world, ccas, "B-1")][1] == ("skipped", "no_channel")
    assert _case(world, "A-1").adresse_invalide is False

    # The State attributes the household to the CCAS (a referent it records): the CCAS now writes with the
    # household's best data, the landlord's address included.
    world.push(world.state, [landlord_row("E-1", date_stade="01/10/2026")])
    attributed = world.client.post("/api/v1/attributions/referents-connus", headers=world.state,
                                   json={"referents": [{"reference": "E-1", "structure": "CCAS Nantes"}]})
    assert attributed.status_code == 200, attributed.text
    world.clock.advance(days=10)
    world.runtime.tick()
    third = {ref: _letters(world, ccas, ref)[2] for ref in ("B-1", "B-2")}
    assert third["B-1"]["statut"] == "delivered" and third["B-1"]["langue_demandee"] == "en"
    assert (third["B-2"]["statut"], third["B-2"]["motif"]) == ("skipped", "no_channel")
    with world.runtime.session_factory() as session:
        sent = session.get_one(Dispatch, contact_number(world.runtime, third["B-1"]["id"]))
        assert (sent.sent_adresse, sent.sent_code_postal, sent.sent_case_id) == ("12 rue des Lilas", "44000",
                                                                                 _case(world, "A-1").id)


def test_a_returned_letter_invalidates_the_address_it_was_sent_to(world: World) -> None:
    world.campaign(name="Relances de Harmonie", owner="Harmonie Habitat", stages=["impaye"], steps=[LETTER])
    world.push(world.stranger, [stranger_row("B-1", KNOWN, adresse="5 allée des Tilleuls")])
    world.runtime.tick()
    [letter] = _letters(world, world.stranger, "B-1")
    assert letter["statut"] == "delivered"
    # The partner moved its tenant's address since: the envelope came back from the old one, not the new one.
    world.push(world.stranger, [stranger_row("B-1", KNOWN, adresse="9 rue Neuve")])
    world.push(world.landlord, [landlord_row(adresse="5 allée des Tilleuls")])
    report = _npai(world, world.stranger, letter["id"])
    assert report["adresse_invalidee"] == "5 allée des Tilleuls, 44000 Nantes"
    assert report["prochaine_adresse"] == "9 rue Neuve, 44000 Nantes"
    assert _case(world, "B-1").adresse_invalide is False
    # The address as normalised, in every case of the household holding it (rule 4).
    assert _case(world, "A-1").adresse_invalide is True


def test_a_workers_parti_invalidates_the_visited_address_only(world: World) -> None:
    ccas = admin_partner(world.client, world.state, "CCAS Nantes", "ccas")
    world.campaign(name="Visites du CCAS", owner="CCAS Nantes", stages=["assignation"],
                   steps=[{"channel": "visite", "announced": False}])
    # The landlord's case (fresher, with a phone) is the one the worker is shown; the second partner's address
    # is another dwelling.
    world.push(world.stranger, [stranger_row("B-1", KNOWN, stade="assignation", date_stade="01/10/2026",
                                             adresse="5 allée des Tilleuls")])
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    [task] = tasks(world.client, ccas)
    assert task["menage"]["adresse"] == "12 rue des Lilas"
    before = world.view(world.stranger, "B-1")
    done = complete(world.client, ccas, task["id"], add_worker(world.client, ccas, "Alice"), "parti")
    assert done.status_code == 200, done.text
    assert done.json()["adresses_invalidees"] == 1
    assert _case(world, "A-1").adresse_invalide is True
    assert _case(world, "B-1").adresse_invalide is False
    # The second partner's case view does not show that a worker went to the other dwelling.
    assert world.view(world.stranger, "B-1") == before


def test_a_case_purged_in_an_open_household_takes_its_letters_files_with_it(world: World) -> None:
    world.campaign(name="Relances de Harmonie", owner="Harmonie Habitat", stages=["impaye"], steps=[LETTER],
                   retention_days=30)
    world.push(world.stranger, [stranger_row("B-1", KNOWN, adresse="5 allée des Tilleuls")])
    world.runtime.tick()
    [letter] = _letters(world, world.stranger, "B-1")
    with world.runtime.session_factory() as session:
        ref = session.get_one(Dispatch, contact_number(world.runtime, letter["id"])).provider_ref
    assert ref is not None and (world.runtime.settings.resolved_outbox_dir / ref).exists()
    world.push(world.landlord, [landlord_row()])
    world.push(world.stranger, [stranger_row("B-1", KNOWN, stade="cloture", date_stade="25/11/2026",
                                             motif_cloture="dette soldée")])
    world.clock.advance(days=40)
    result = world.runtime.purge_expired(now=world.clock.now)
    assert result.cases == 1 and result.households == [] and result.files >= 1
    assert not (world.runtime.settings.resolved_outbox_dir / ref).exists()
    with world.runtime.session_factory() as session:
        sent = session.get_one(Dispatch, contact_number(world.runtime, letter["id"]))
        assert (sent.sent_adresse, sent.sent_code_postal, sent.sent_commune) == (None, None, None)
    assert _case(world, "A-1").adresse == "12 rue des Lilas"
