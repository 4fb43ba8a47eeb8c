"""A bailleur's campaign reaches its own tenants only, on intake, on activation and in the dry runs (issue 8: before,
a landlord's relance campaign wrote to every other landlord's tenants and put them in its own queue)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.models import Campaign, Case, Dispatch, HumanTask
from campaigns.runtime.root import Runtime
from tests.access_world import person
from tests.conftest import new_partner
from tests.factories import campaign


def _households(runtime: Runtime, *references: str) -> set[int]:
    with runtime.session_factory() as session:
        return set(session.scalars(select(Case.household_id).where(Case.reference.in_(references))))


def _reached(runtime: Runtime, campaign_name: str) -> set[int]:
    with runtime.session_factory() as session:
        campaign_id = session.scalars(select(Campaign.id).where(Campaign.name == campaign_name)).one()
        return set(session.scalars(select(Dispatch.household_id).where(Dispatch.campaign_id == campaign_id)))


def test_a_bailleur_campaign_reaches_its_own_tenants_only(runtime: Runtime, client: TestClient) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    habitat_id, habitat = new_partner(runtime, "Habitat 44", "bailleur_social")
    _, logis = new_partner(runtime, "Logis Ouest", "bailleur_social")
    campaign(runtime, owner="Habitat 44", name="Relance Habitat", steps=[{"channel": "appel"}])
    campaign(runtime, owner="DDETS 44", name="Appels de l'État", steps=[{"channel": "appel"}])
    for headers, rows in ((habitat, [person("benali", "HAB-1")]), (logis, [person("durandeau", "LOG-1")]),
                          (ddets, [person("morelli", "ETA-3", parc="prive")])):
        assert client.post("/api/v1/signalements", headers=headers, json=rows).status_code == 200
    runtime.tick()
    own, everyone = _households(runtime, "HAB-1"), _households(runtime, "HAB-1", "LOG-1", "ETA-3")
    # On intake: the landlord's campaign writes to its tenant only; the State's reaches every household.
    assert _reached(runtime, "Relance Habitat") == own and _reached(runtime, "Appels de l'État") == everyone
    with runtime.session_factory() as session:
        queue = set(session.scalars(select(HumanTask.household_id).where(HumanTask.queue_partner_id == habitat_id)))
    assert queue == own
    tasks = client.get("/api/v1/taches", headers=habitat).json()["taches"]
    assert [t["menage"]["nom"] for t in tasks] == ["Benali"]
    # On activation of a draft, and in the dry runs: the same rule.
    draft = {"name": "Seconde relance Habitat", "owner": "Habitat 44", "stages": ["commandement_de_payer"],
             "steps": [{"channel": "appel"}]}
    draft_id = client.post("/api/v1/campagnes", headers=ddets, json=draft).json()["id"]
    dry = client.get(f"/api/v1/campagnes/{draft_id}/simulation", headers=habitat)
    assert dry.status_code == 200 and dry.json()["menages"] == 1
    activated = client.post(f"/api/v1/campagnes/{draft_id}/activer", headers=ddets)
    assert activated.status_code == 200 and activated.json()["menages_inscrits"] == 1
    assert _reached(runtime, "Seconde relance Habitat") == own
    state = client.get(f"/api/v1/campagnes/{draft_id}/simulation", headers=ddets).json()
    assert state["menages"] == 1  # the pilot's view of that campaign: still its own tenants only




def test_a_bailleur_joining_a_known_household_in_its_stage_gets_its_campaign(runtime: Runtime,
                                                                              client: TestClient) -> None:
    """The State pushed the tenant first: the bailleur's case joins that household at the same stage (no stage
    move) and its running campaign enrolls it, as on an empty base. A case reporting an earlier stage than the
    household's is enrolled at its own stage, as on an empty base too (docs/security.md, rule 7: own stays)."""
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _, habitat = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", name="Appels de l'État", steps=[{"channel": "appel"}])
    campaign(runtime, owner="Habitat 44", name="Relance Habitat", stages=["commandement_de_payer", "assignation"],
             steps=[{"channel": "appel", "delay_days": 2}])
    state_rows = [person("benali", "ETA-1"), person("durandeau", "ETA-2", stade="assignation")]
    assert client.post("/api/v1/signalements", headers=ddets, json=state_rows).json()["crees"] == 2
    bailleur_rows = [person("benali", "HAB-1", numero_allocataire=None), person("durandeau", "HAB-2")]
    assert client.post("/api/v1/signalements", headers=habitat, json=bailleur_rows).json()["crees"] == 2
    assert _households(runtime, "HAB-1") == _households(runtime, "ETA-1")
    assert _reached(runtime, "Relance Habitat") == _households(runtime, "HAB-1") | _households(runtime, "HAB-2")
    views = {ref: client.get(f"/api/v1/signalements/{ref}", headers=habitat).json() for ref in ("HAB-1", "HAB-2")}
    for ref in ("HAB-1", "HAB-2"):
        assert [(c["campagne"], c["canal"], c["stade"]) for c in views[ref]["contacts"]] == [
            ("Relance Habitat", "appel", "commandement_de_payer")]
    # Pushed again, unchanged: nothing more is planned (the State's call and the bailleur's two).
    client.post("/api/v1/signalements", headers=habitat, json=bailleur_rows)
    with runtime.session_factory() as session:
        assert len(session.scalars(select(Dispatch)).all()) == 3
