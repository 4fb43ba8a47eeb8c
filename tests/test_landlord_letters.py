"""The letter to the landlord (courrier_bailleur) goes to the landlord's address, never to the tenant's, and carries
no other partner's block nor anything of the tenant's diagnosis (issue 19)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.messages.composing import compose
from campaigns.models import Case, Dispatch, HumanTask, Partner
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.contact_handles import sender_handle
from tests.factories import campaign, signalement


def _letters(runtime: Runtime) -> dict[str, Dispatch]:
    with runtime.session_factory() as session:
        rows = session.scalars(select(Dispatch).where(Dispatch.channel == "courrier")).all()
        for row in rows:
            session.expunge(row)
        return {row.template or "": row for row in rows}


def test_the_landlord_letter_is_addressed_to_the_landlord(runtime: Runtime, client: TestClient) -> None:
    _, state = new_partner(runtime, "DDETS 44", "etat")
    landlord_id, landlord = new_partner(runtime, "SCI Les Tilleuls", "bailleur_prive")
    with runtime.session_factory.begin() as session:
        session.get_one(Partner, landlord_id).contact_address = "Gestion locative\n8 avenue des Acacias\n44100 Nantes"
    campaign(runtime, owner="DDETS 44", stages=["assignation"], steps=[
        {"channel": "courrier", "template": "etape_assignation", "regulatory": True},
        {"channel": "courrier", "template": "courrier_bailleur"}])
    pushed = client.post("/api/v1/signalements", headers=landlord, json=[signalement(
        "T-1", stade="assignation", parc="prive", complement_adresse="Bât. C, appt 47")])
    assert pushed.status_code == 200
    runtime.tick()
    letters = _letters(runtime)
    # Both letters went: a letter to the landlord is no letter to the household, nothing to coordinate.
    assert letters["courrier_bailleur"].status in ("sending", "delivered")
    assert letters["etape_assignation"].status in ("sending", "delivered")
    with runtime.session_factory() as session:
        to_landlord = compose(session, session.get_one(Dispatch, letters["courrier_bailleur"].id),
                              now=runtime.clock()).message
        to_tenant = compose(session, session.get_one(Dispatch, letters["etape_assignation"].id),
                            now=runtime.clock()).message
    assert (to_landlord.recipient.display_name, *to_landlord.recipient.address_lines) == (
        "SCI Les Tilleuls", "Gestion locative", "8 avenue des Acacias", "44100 NANTES")
    assert "Benali" not in to_landlord.html_body and "Message de" not in to_landlord.html_body
    # The tenant's letter names the tenant once, then the postal lines.
    assert (to_tenant.recipient.display_name, *to_tenant.recipient.address_lines) == (
        "Aïcha BENALI", "Bât. C, appt 47", "12 rue des Lilas", "44000 NANTES")

    # The evaluation's landlord table reads the facts the tick refreshed: one household whose landlord was written to.
    day = runtime.clock().date().isoformat()
    rates = client.get("/api/v1/evaluation/bailleurs", headers=state, params={"debut": day, "fin": day})
    assert rates.status_code == 200, rates.text
    assert [(r["partie"], r["menages"], r["repondants"]) for r in rates.json()["lignes"]] == [
        ("bailleurs", "< 5", 0), ("ménages des mêmes dossiers", "< 5", 0)]
    assert client.get("/api/v1/evaluation/bailleurs", headers=landlord,
                      params={"debut": day, "fin": day}).status_code == 403

    # The landlord's letter comes back NPAI: it was the landlord's address, the household's stays valid and nobody
    # goes looking for the household.
    returned = client.post("/api/v1/npai", headers=state,
                           json={"courrier_id": sender_handle(runtime, letters["courrier_bailleur"].id)})
    assert returned.status_code == 201, returned.text
    assert returned.json() | {"courrier_id": ""} == {
        "courrier_id": "", "statut": "returned", "destinataire": "bailleur", "adresse_invalidee": None,
        "adresses_invalidees": 0, "prochaine_adresse": None, "tache_recherche": None}
    with runtime.session_factory() as session:
        assert session.scalars(select(Case.adresse_invalide)).all() == [False]
        assert session.scalars(select(HumanTask.kind)).all() == []
    # The tenant's letter coming back invalidates the tenant's address, as before.
    returned = client.post("/api/v1/npai", headers=state,
                           json={"courrier_id": sender_handle(runtime, letters["etape_assignation"].id)})
    assert (returned.json()["destinataire"], returned.json()["adresses_invalidees"]) == ("menage", 1)
    with runtime.session_factory() as session:
        assert session.scalars(select(Case.adresse_invalide)).all() == [True]


def test_without_the_landlords_address_the_letter_is_not_sent_to_the_tenant(
    runtime: Runtime, client: TestClient
) -> None:
    new_partner(runtime, "DDETS 44", "etat")
    _, landlord = new_partner(runtime, "SCI Sans Adresse", "bailleur_prive")
    campaign(runtime, owner="DDETS 44", stages=["assignation"],
             steps=[{"channel": "courrier", "template": "courrier_bailleur"}])
    client.post("/api/v1/signalements", headers=landlord, json=[signalement("T-2", stade="assignation", parc="prive")])
    runtime.tick()
    letter = _letters(runtime)["courrier_bailleur"]
    assert (letter.status, letter.reason) == ("skipped", "no_channel")
