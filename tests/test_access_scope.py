"""Scope inside the routes, one test per leak found in the access audit (issue 8): a bailleur's queue shows its own
cases, letters, responses and tasks; a bailleur following its campaign is not told which social service holds its
tenants' calls; a structure never reads another's task (tests/test_landlord_campaigns.py: a bailleur's campaign
reaches its own tenants only)."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import select

from api.web.sessions import SESSION_COOKIE
from campaigns.models import Case, HumanTask
from tests.access_world import (
    CAF_NOTE,
    PEOPLE,
    STATE_PHONE_MARKERS,
    World,
    world,
)

__all__ = ["world"]


def _task(world: World, headers: dict[str, str], task_id: int) -> dict[str, Any]:
    answer = world.client.get(f"/api/v1/taches/{task_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_bailleur_queue_shows_its_own_case_letters_and_tasks_only(world: World) -> None:
    habitat, ccas = world.keys["habitat"], world.keys["ccas"]
    mine = _task(world, habitat, world.ids["habitat_task"])
    # Its own copy of its tenant (the State pushed another phone for the same person), itself as the bailleur.
    assert mine["menage"]["nom"] == "Quennec" and mine["menage"]["telephone"].endswith("644556677")
    assert mine["bailleur"]["nom"] == "Habitat 44"
    # Not the State's letter to its tenant, not the CCAS's call task on the same household.
    assert [e["expediteur"] for e in mine["envois"]] == ["Habitat 44"]  # its own call, not the State's letter
    assert mine["autres_taches"] == [] and mine["reponses"] == []
    text = str(mine)
    assert not any(marker in text for marker in (*STATE_PHONE_MARKERS, "DDETS 44", "CCAS Nantes"))
    listed = world.client.get("/api/v1/taches", headers=habitat).json()["taches"]
    assert [t["menage"]["nom"] for t in listed] == ["Quennec"]
    assert not any(marker in str(listed) for marker in STATE_PHONE_MARKERS)
    # A structure's worker still reads what was sent by every partner and the other tasks (their outcome only).
    with world.runtime.session_factory() as session:
        quennec = session.scalars(select(Case.household_id).where(Case.reference == "HAB-2")).one()
        ccas_task = session.scalars(select(HumanTask.id).where(
            HumanTask.household_id == quennec, HumanTask.queue_partner_id == world.ids["ccas"])).one()
    theirs = _task(world, ccas, ccas_task)
    assert "DDETS 44" in [e["expediteur"] for e in theirs["envois"]]
    assert [t["votre_structure"] for t in theirs["autres_taches"]] == [False]
    assert "note" not in theirs["autres_taches"][0]


def test_a_bailleur_following_its_campaign_is_not_told_the_referent(world: World) -> None:
    campaign_id = world.ids["habitat_campaign"]
    for path in (f"/api/v1/campagnes/{campaign_id}/supervision", f"/api/v1/campagnes/{campaign_id}/simulation"):
        landlord = world.client.get(path, headers=world.keys["habitat"])
        pilot = world.client.get(path, headers=world.keys["ddets"])
        assert landlord.status_code == pilot.status_code == 200
        # Benali's call went to the CCAS, her referent: the pilot sees that queue, the bailleur only its own.
        assert "CCAS Nantes" in pilot.text and "CCAS Nantes" not in landlord.text
    supervision = world.client.get(f"/api/v1/campagnes/{campaign_id}/supervision", headers=world.keys["habitat"])
    assert [q["structure"] for q in supervision.json()["files"]] == ["Habitat 44"]
    dry_run = world.client.get(f"/api/v1/campagnes/{campaign_id}/simulation", headers=world.keys["habitat"])
    assert [s["structure"] for s in dry_run.json()["par_structure"]] == ["Habitat 44"]
    # The same on the pages, for an administrator of the bailleur.
    world.client.cookies.clear()
    world.client.cookies.set(SESSION_COOKIE, world.subjects["compte-admin-bailleur"].cookie)
    for page in (f"/campagnes/{campaign_id}/supervision", f"/campagnes/{campaign_id}/simulation"):
        answer = world.client.get(page)
        assert answer.status_code == 200 and "Habitat 44" in answer.text
        assert "CCAS Nantes" not in html.unescape(answer.text)
    world.client.cookies.clear()


def test_another_structures_task_is_answered_as_if_absent(world: World) -> None:
    ccas, caf_task = world.keys["ccas"], world.ids["caf_task"]
    absent = world.client.get("/api/v1/taches/999999", headers=ccas)
    other = world.client.get(f"/api/v1/taches/{caf_task}", headers=ccas)
    assert other.status_code == absent.status_code == 404 and other.json() == absent.json()
    for action, body in (("reserver", {"agent_id": 1}), ("liberer", {"agent_id": 1}),
                         ("terminer", {"agent_id": 1, "resultat": "joint"})):
        assert world.client.post(f"/api/v1/taches/{caf_task}/{action}", headers=ccas, json=body).status_code == 404
    answered = world.client.post("/api/v1/reponses", headers=ccas,
                                 json={"tache_id": caf_task, "canal": "appel", "nature": "appel_entrant"})
    assert answered.status_code == 404
    # Nor through the CCAS's own lists, nor on the workers' pages.
    queue = world.client.get("/api/v1/taches", headers=ccas, params={"statut": "toutes"})
    assert caf_task not in [t["id"] for t in queue.json()["taches"]]
    assert world.ids["ccas_benali_task"] in [t["id"] for t in queue.json()["taches"]]
    assert PEOPLE["morelli"][0] not in queue.text and CAF_NOTE not in queue.text
    world.client.cookies.clear()
    world.client.cookies.set(SESSION_COOKIE, world.subjects["compte-agent"].cookie)
    page = world.client.get(f"/mes-taches/{caf_task}")
    assert page.status_code == 404 and "n'existe pas ou n'est pas dans la file de votre structure" in html.unescape(
        page.text)
    assert PEOPLE["morelli"][0] not in page.text and CAF_NOTE not in page.text
    world.client.cookies.clear()
    with world.runtime.session_factory() as session:
        caf = session.get_one(HumanTask, caf_task)
        assert caf.status == "completed" and caf.note == CAF_NOTE  # untouched by the refused calls


def test_outcome_labels_need_a_key_and_a_session_cookie_never_opens_the_api(world: World) -> None:
    world.client.cookies.clear()
    assert world.client.get("/api/v1/taches/resultats").status_code == 401
    assert world.client.get("/api/v1/taches/resultats", headers=world.keys["ccas"]).status_code == 200
    # The pilot's administrator, signed in: the API still wants a key (no CSRF to guard against there).
    world.client.cookies.set(SESSION_COOKIE, world.subjects["compte-admin"].cookie)
    admin = world.subjects["compte-admin"]
    refused = world.client.get("/api/v1/admin/partenaires", headers={"X-CSRF-Token": admin.csrf})
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    world.client.cookies.clear()


def test_refusals_name_the_roles_in_french(world: World) -> None:
    refused = world.client.get("/api/v1/journal", headers=world.keys["habitat"],
                               params={"du": "2026-11-25", "au": "2026-11-25"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == ("Accès refusé : cette adresse est réservée aux clés d'API de rôle "
                                        "« pilote de la prévention (DDETS/DRIHL, Département) ».")
    evaluation = world.client.get("/api/v1/evaluation", headers=world.keys["ccas"],
                                  params={"debut": "2026-01-01", "fin": "2026-12-31"})
    assert evaluation.status_code == 403
    assert evaluation.json()["detail"] == (
        "Accès refusé : cette adresse est réservée aux clés d'API de rôle « pilote de la prévention (DDETS/DRIHL, "
        "Département) » ou « bailleur ».")
