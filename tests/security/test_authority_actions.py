"""Rules 2 to 4 of docs/security.md, attacked: what a second partner records, closes or returns changes its own case
and its own campaigns' contacts only; never the State's regulatory letters, another partner's contacts, closure,
retention or address."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campaigns.models import AuditEvent, Case, Dispatch
from tests.contact_handles import sender_handle
from tests.security.authority_world import KNOWN, World, admin_partner, landlord_row, stranger_row, world

__all__ = ["world"]


def _contacts(world: World) -> dict[tuple[str, int], tuple[str, str | None]]:
    """(campaign name, step) -> (status, reason) of every planned contact."""
    with world.runtime.session_factory() as session:
        from campaigns.models import Campaign

        rows = session.execute(select(Campaign.name, Dispatch.step_position, Dispatch.status, Dispatch.reason)
                               .join(Campaign, Campaign.id == Dispatch.campaign_id))
        return {(name, step): (status, reason) for name, step, status, reason in rows}


def _case(world: World, reference: str) -> Case:
    with world.runtime.session_factory() as session:
        return session.scalars(select(Case).where(Case.reference == reference)).one()


def _campaigns(world: World, *, retention_days: int | None = None) -> None:
    """The State's letter, then its regulatory letter; each landlord's own relance (its own tenants only)."""
    extra: dict[str, Any] = {"retention_days": retention_days} if retention_days else {}
    world.campaign(name="Courriers de l'État", owner="DDETS 44", steps=[
        {"channel": "courrier", "template": "information_etat"},
        {"channel": "courrier", "template": "information_etat", "delay_days": 40, "regulatory": True}], **extra)
    world.campaign(name="Relances du bailleur", owner="Habitat 44", steps=[
        {"channel": "courrier", "template": "information_etat", "delay_days": 60}], **extra)
    world.campaign(name="Relances de Harmonie", owner="Harmonie Habitat", stages=["assignation"], steps=[
        {"channel": "courrier", "template": "information_etat", "delay_days": 20}], **extra)


def test_a_strangers_response_stops_only_its_own_contacts(world: World) -> None:
    _campaigns(world)
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    world.push(world.stranger, [stranger_row("B-1", KNOWN)])
    before = _contacts(world)
    assert before[("Courriers de l'État", 1)] == ("planned", None)
    assert before[("Relances du bailleur", 0)] == ("planned", None)
    answer = world.client.post("/api/v1/reponses", headers=world.stranger,
                               json={"reference": "B-1", "canal": "appel", "nature": "appel_entrant"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["contacts_annules"] == 0
    assert _contacts(world) == before  # neither the State's regulatory letter nor the landlord's relance

    # With an attributed reason the household's answer stops the others' relances, never a regulatory letter,
    # and the stop is in the audit log under the stranger's name and reason.
    wide = world.client.post("/api/v1/reponses", headers=world.stranger, json={
        "reference": "B-1", "canal": "accueil", "nature": "rendez_vous", "motif_menage": "rendez_vous_honore"})
    assert wide.status_code == 201, wide.text
    assert wide.json()["contacts_annules"] == 0  # its own count only: nothing about the others' contacts
    after = _contacts(world)
    assert after[("Courriers de l'État", 1)] == ("planned", None)
    assert after[("Relances du bailleur", 0)] == ("cancelled", "responded_other_campaign")
    with world.runtime.session_factory() as session:
        purposes = [e.purpose for e in session.scalars(select(AuditEvent).where(AuditEvent.partner_id == 3))]
    assert any("rendez_vous_honore" in purpose for purpose in purposes), purposes
    bad = world.client.post("/api/v1/reponses", headers=world.stranger, json={
        "reference": "B-1", "canal": "appel", "nature": "appel_entrant", "motif_menage": "parce_que"})
    assert bad.status_code == 422


def test_a_strangers_closure_closes_its_own_case_and_the_purge_spares_the_others(world: World) -> None:
    _campaigns(world, retention_days=30)
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()
    world.push(world.stranger, [stranger_row("B-1", KNOWN)])
    before = _contacts(world)
    far = world.push(world.stranger, [stranger_row("B-1", KNOWN, stade="cloture", date_stade="31/12/9999",
                                                   motif_cloture="dette soldée")])
    assert far["mis_a_jour"] + far["rejetes"] == 1
    assert _contacts(world) == before
    closed = world.push(world.stranger, [stranger_row("B-1", KNOWN, stade="cloture", date_stade="25/11/2026",
                                                      motif_cloture="dette soldée")])
    assert closed["mis_a_jour"] == 1
    assert world.view(world.stranger, "B-1")["stade"] == "cloture"
    # The landlord's case, the State's letters and the landlord's relance go on.
    assert world.view(world.landlord, "A-1")["stade"] == "assignation"
    assert _contacts(world) == before

    world.clock.advance(days=40)
    result = world.runtime.purge_expired(now=world.clock.now)
    stranger_case, landlord_case = _case(world, "B-1"), _case(world, "A-1")
    assert result.cases == 1 and stranger_case.purged_at is not None and stranger_case.nom is None
    assert landlord_case.purged_at is None and landlord_case.nom == "Benali"
    assert landlord_case.adresse == "12 rue des Lilas"
    assert world.runtime.purge_expired(now=world.clock.now).cases == 0

    # The household's sequence ends when its last open case ends.
    world.push(world.landlord, [landlord_row(stade="cloture", date_stade="04/01/2027", motif_cloture="relogé")])
    assert {s for s in _contacts(world).values()} <= {("cancelled", "closed"), ("delivered", None)}
    assert ("cancelled", "closed") in _contacts(world).values()


def test_a_strangers_npai_invalidates_its_own_address_only(world: World) -> None:
    _campaigns(world)
    caf = admin_partner(world.client, world.state, "CAF 44", "caf")
    # Here the second bailleur came first, so that its own relance runs; the others' addresses differ from its own.
    world.push(world.stranger, [stranger_row("B-1", KNOWN, stade="assignation", adresse="5 allée des Tilleuls")])
    world.push(world.landlord, [landlord_row()])
    world.push(caf, [landlord_row("C-1", adresse="3 bd Victor Hugo")])
    with world.runtime.session_factory() as session:
        assert len({c.household_id for c in session.scalars(select(Case))}) == 1
    world.runtime.tick()
    world.clock.advance(days=20)
    world.runtime.tick()
    mine = next(c for c in world.view(world.stranger, "B-1")["contacts"] if c["canal"] == "courrier")
    assert mine["statut"] == "delivered"
    returned = world.client.post("/api/v1/npai", headers=world.stranger, json={"courrier_id": mine["id"]})
    assert returned.status_code == 201, returned.text
    report = returned.json()
    assert report["adresse_invalidee"] == "5 allée des Tilleuls, 44000 Nantes"
    assert report["adresses_invalidees"] == 1
    assert report["prochaine_adresse"] is None  # no other address in its own case: nothing about the others'
    assert _case(world, "A-1").adresse_invalide is False and _case(world, "C-1").adresse_invalide is False
    assert _case(world, "B-1").adresse_invalide is True

    # The State's regulatory letter goes to a valid address; returned too, the report says where the next goes.
    world.clock.advance(days=20)
    world.runtime.tick()
    with world.runtime.session_factory() as session:
        state_letter = session.scalars(select(Dispatch).where(Dispatch.step_position == 1, Dispatch.regulatory)
                                       ).one()
    assert state_letter.status == "delivered"
    state = world.client.post("/api/v1/npai", headers=world.state,
                              json={"courrier_id": sender_handle(world.runtime, state_letter.id)}).json()
    assert state["adresses_invalidees"] == 1
    first, second = state["adresse_invalidee"], state["prochaine_adresse"]
    assert {first, second} == {"12 rue des Lilas, 44000 Nantes", "3 bd Victor Hugo, 44000 Nantes"}
