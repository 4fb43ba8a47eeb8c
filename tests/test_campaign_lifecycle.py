"""Campaign lifecycle through the API: draft, activate, pause, resume, end; edits of a running campaign replan the
steps not yet sent and are logged; a delegated operator sees only its campaign and gets its tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.campaign.loading import load_campaigns_file
from campaigns.locale.clock import next_window
from campaigns.models import CampaignChange, Dispatch, HumanTask
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import signalement


def _spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "Relances de la DDETS", "owner": "DDETS 44", "stages": ["commandement_de_payer"],
        "territory": {"postcodes": ["44"]},
        "steps": [{"channel": "courrier", "template": "information_etat"},
                  {"channel": "appel", "delay_days": 7, "conditions": ["no_response"]}],
    }
    spec.update(overrides)
    return spec


def _other(reference: str, name: str, number: int, **extra: Any) -> dict[str, Any]:
    """Another household: other person, address, phone and allocataire number."""
    return signalement(reference, nom=name, prenom="Paul", numero_allocataire=f"{number:07d}",
                       date_naissance=f"0{number % 9 + 1}/01/1970", adresse=f"{number} avenue de la Loire",
                       telephone=f"06 98 76 54 {number % 100:02d}", **extra)


def _dispatches(runtime: Runtime, campaign_id: int) -> list[Dispatch]:
    with runtime.session_factory() as session:
        return list(session.scalars(select(Dispatch).where(Dispatch.campaign_id == campaign_id)
                                    .order_by(Dispatch.household_id, Dispatch.step_position)))


def test_draft_activate_pause_resume_end(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    campaign_id = client.post("/api/v1/campagnes", headers=ddets, json=_spec()).json()["id"]
    # A draft enrolls nobody.
    client.post("/api/v1/signalements", headers=bailleur, json=[_other("R-2", "Martin", 21)])
    assert _dispatches(runtime, campaign_id) == []
    refused = client.post(f"/api/v1/campagnes/{campaign_id}/pause", headers=ddets)
    assert refused.status_code == 409
    assert refused.json()["detail"] == ("la campagne « Relances de la DDETS » est brouillon : on ne peut pas la mettre "
                                        "en pause")

    activated = client.post(f"/api/v1/campagnes/{campaign_id}/activer", headers=ddets)
    assert activated.status_code == 200 and activated.json()["statut"] == "active"
    assert activated.json()["menages_inscrits"] == 2
    planned = _dispatches(runtime, campaign_id)
    assert [(d.channel, d.status) for d in planned] == [("courrier", "planned"), ("appel", "planned")] * 2
    assert planned[0].due_at == clock.now  # Wednesday 10:30 in Paris: within the working hours
    assert runtime.tick() == 2
    assert [d.status for d in _dispatches(runtime, campaign_id)].count("delivered") == 2

    assert client.post(f"/api/v1/campagnes/{campaign_id}/pause", headers=ddets).json()["statut"] == "en_pause"
    clock.advance(days=8)
    runtime.tick()
    held = [d for d in _dispatches(runtime, campaign_id) if d.channel == "appel"]
    # Paused: kept and waiting, never cancelled, and no task opened.
    assert {(d.status, d.reason) for d in held} == {("planned", "campaign_paused")}
    with runtime.session_factory() as session:
        assert session.scalars(select(HumanTask)).all() == []

    resumed = client.post(f"/api/v1/campagnes/{campaign_id}/reprendre", headers=ddets)
    assert resumed.status_code == 200 and resumed.json()["statut"] == "active"
    assert {(d.due_at, d.reason) for d in _dispatches(runtime, campaign_id) if d.channel == "appel"} == {
        (clock.now, None)}
    runtime.tick()
    with runtime.session_factory() as session:
        assert len(session.scalars(select(HumanTask).where(HumanTask.kind == "appel")).all()) == 2

    client.post("/api/v1/signalements", headers=bailleur, json=[_other("R-3", "Durand", 32)])
    ended = client.post(f"/api/v1/campagnes/{campaign_id}/terminer", headers=ddets)
    assert ended.status_code == 200 and ended.json()["contacts_annules"] == 2
    assert {(d.status, d.reason) for d in _dispatches(runtime, campaign_id)[4:]} == {("cancelled", "campaign_ended")}
    edit = client.put(f"/api/v1/campagnes/{campaign_id}", headers=ddets, json=_spec())
    assert edit.status_code == 422 and "est terminée : elle ne peut plus être modifiée" in edit.json()["detail"]
    assert client.post(f"/api/v1/campagnes/{campaign_id}/activer", headers=ddets).status_code == 409

    history = client.get(f"/api/v1/campagnes/{campaign_id}/historique", headers=ddets).json()["historique"]
    assert [h["action"] for h in history] == ["creee", "activee", "mise_en_pause", "reprise", "terminee"]
    assert {h["par"] for h in history} == {"clé d'API de DDETS 44"}
    assert history[1]["contacts"] == {"inscrits": 2} and history[4]["contacts"] == {"annules": 2}


def test_activation_can_leave_current_households_out(client: TestClient, runtime: Runtime) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    campaign_id = client.post("/api/v1/campagnes", headers=ddets, json=_spec()).json()["id"]
    answer = client.post(f"/api/v1/campagnes/{campaign_id}/activer", headers=ddets,
                         json={"inscrire_menages_actuels": False})
    assert answer.json()["menages_inscrits"] == 0 and _dispatches(runtime, campaign_id) == []
    client.post("/api/v1/signalements", headers=bailleur, json=[_other("R-2", "Martin", 21)])
    assert len(_dispatches(runtime, campaign_id)) == 2  # households entering the stage are enrolled


def test_editing_a_running_campaign_replans_only_what_was_not_sent(client: TestClient, runtime: Runtime,
                                                                    clock: Clock) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    steps: list[dict[str, Any]] = [{"channel": "courrier", "template": "information_etat"},
                                   {"channel": "appel", "delay_days": 7, "conditions": ["no_response"]},
                                   {"channel": "visite", "delay_days": 7, "conditions": ["no_response"]}]
    campaign_id = client.post("/api/v1/campagnes", headers=ddets, json=_spec(steps=steps)).json()["id"]
    client.post(f"/api/v1/campagnes/{campaign_id}/activer", headers=ddets)
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
    runtime.tick()
    letter = _dispatches(runtime, campaign_id)[0]
    assert letter.status == "delivered" and letter.sent_at is not None
    clock.advance(days=1)

    edited = [dict(steps[0]), {**steps[1], "delay_days": 10}, dict(steps[2]),
              {"channel": "sms", "template": "relance", "delay_days": 2, "conditions": ["no_response"]}]
    answer = client.put(f"/api/v1/campagnes/{campaign_id}", headers=ddets, json=_spec(steps=edited))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["modifications"][0] == {"champ": "steps.2.delay_days", "avant": 7, "apres": 10}
    assert {c["champ"] for c in body["modifications"]} >= {"steps.4.channel", "steps.4.template"}
    assert body["contacts_replanifies"] == {"modifies": 2, "ajoutes": 1, "annules": 0}
    rows = _dispatches(runtime, campaign_id)
    assert (rows[0].status, rows[0].sent_at) == ("delivered", letter.sent_at)  # what was sent stays as sent
    call_due = next_window(letter.sent_at + timedelta(days=10))
    assert rows[1].due_at == call_due and rows[2].due_at == next_window(call_due + timedelta(days=7))
    assert (rows[3].channel, rows[3].template, rows[3].status) == ("sms", "relance", "planned")

    removed = client.put(f"/api/v1/campagnes/{campaign_id}", headers=ddets, json=_spec(steps=edited[:3]))
    assert removed.json()["contacts_replanifies"] == {"modifies": 0, "ajoutes": 0, "annules": 1}
    assert (_dispatches(runtime, campaign_id)[3].status, _dispatches(runtime, campaign_id)[3].reason) == (
        "cancelled", "campaign_edited")
    back = client.put(f"/api/v1/campagnes/{campaign_id}", headers=ddets, json=_spec(steps=edited))
    assert back.json()["contacts_replanifies"] == {"modifies": 1, "ajoutes": 0, "annules": 0}
    assert _dispatches(runtime, campaign_id)[3].status == "planned"

    with runtime.session_factory() as session:
        changes = session.scalars(select(CampaignChange).where(CampaignChange.action == "modifiee")
                                  .order_by(CampaignChange.id)).all()
        assert len(changes) == 3 and changes[0].actor == "clé d'API de DDETS 44" and changes[0].partner_id
        assert changes[0].changed_at == clock.now


def test_delegated_operator_sees_only_its_campaign_and_gets_its_tasks(client: TestClient, runtime: Runtime) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    adil_id, adil = new_partner(runtime, "ADIL 44", "adil")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    delegated = client.post("/api/v1/campagnes/modeles/adil44_aller_vers", headers=ddets,
                            json={"nom": "ADIL 44 — aller-vers", "operateur": "ADIL 44"}).json()
    other = client.post("/api/v1/campagnes", headers=ddets, json=_spec()).json()
    assert delegated["owner"] == "DDETS 44" and delegated["delegate"] == "ADIL 44"
    assert [c["id"] for c in client.get("/api/v1/campagnes", headers=adil).json()["campagnes"]] == [delegated["id"]]
    assert client.get(f"/api/v1/campagnes/{other['id']}", headers=adil).status_code == 404
    assert client.get(f"/api/v1/campagnes/{other['id']}/supervision", headers=adil).status_code == 404
    assert client.post(f"/api/v1/campagnes/{delegated['id']}/activer", headers=adil).status_code == 403
    assert client.post(f"/api/v1/campagnes/{delegated['id']}/activer", headers=ddets).status_code == 200
    client.post("/api/v1/signalements", headers=bailleur, json=[signalement(
        "R-1", stade="requisition_force_publique")])
    runtime.tick()  # the letter
    runtime.clock.advance(days=8)  # type: ignore[attr-defined]
    runtime.tick()  # the call, in the ADIL's queue (the household has no referent)
    tasks = client.get("/api/v1/taches", headers=adil).json()["taches"]
    assert [t["type"] for t in tasks] == ["appel"]
    assert client.get("/api/v1/taches", headers=ddets).json()["taches"] == []
    supervision = client.get(f"/api/v1/campagnes/{delegated['id']}/supervision", headers=adil).json()
    assert supervision["menages"] == 1 and supervision["imports"] == []
    assert supervision["files"] == [{"structure": "ADIL 44", "en_attente": 1, "en_cours": 0, "en_retard": 0}]
    assert adil_id


def test_yaml_files_are_checked_and_logged(sqlite_runtime: Runtime, tmp_path: Any) -> None:
    new_partner(sqlite_runtime, "DDETS 44", "etat")
    path = tmp_path / "campagnes.yaml"
    path.write_text("campaigns:\n  - name: Courriers\n    owner: DDETS 44\n    stages: [assignation]\n"
                    "    steps:\n      - {channel: courrier, template: \"etape_{stade}\"}\n"
                    "      - {channel: appel, delay_days: 90}\n", "utf-8")
    from campaigns.platform.errors import ValidationError

    with sqlite_runtime.session_factory.begin() as session:
        try:
            load_campaigns_file(session, path, now=sqlite_runtime.clock())
        except ValidationError as exc:
            message = str(exc)
    assert message.startswith("campagne « Courriers » : Étape n°2, champ « Délai (jours) » : au stade de "
                              "l'assignation, cette étape part 90 jours")
    path.write_text(path.read_text("utf-8").replace("90", "20"), "utf-8")
    with sqlite_runtime.session_factory.begin() as session:
        [loaded] = load_campaigns_file(session, path, now=sqlite_runtime.clock())
        assert loaded.status == "active" and loaded.active
        [change] = session.scalars(select(CampaignChange)).all()
        assert (change.action, change.actor) == ("chargee", "fichier campagnes.yaml")
