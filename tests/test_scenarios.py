"""Scenarios 6 and 9 of docs/domain.md §13, through the HTTP API."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.models import Dispatch, HumanTask
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import signalement

CDP = ["commandement_de_payer"]


def _letter(day: int, template: str = "information_etat", **extra: Any) -> dict[str, Any]:
    return {"channel": "courrier", "template": template, "delay_days": day, "delay_from": "stage_entry", **extra}


def _campaign(client: TestClient, headers: dict[str, str], **spec: Any) -> None:
    answer = client.put("/api/v1/campagnes", headers=headers, json={"stages": CDP, **spec})
    assert answer.status_code == 200, answer.text


def test_scenario_6_letter_chain_audit_across_profiles(pg_runtime: Runtime, clock: Clock) -> None:
    from api.app import create_app

    _, drihl = new_partner(pg_runtime, "DRIHL 93", "etat")
    new_partner(pg_runtime, "CCAPEX 93", "etat")
    new_partner(pg_runtime, "Département 93", "departement")
    new_partner(pg_runtime, "CAF 93", "caf")
    new_partner(pg_runtime, "CCAS Aubervilliers", "ccas")
    new_partner(pg_runtime, "UDAF 93", "association")
    _, bailleur = new_partner(pg_runtime, "Seine-Saint-Denis Habitat", "bailleur_social")
    with TestClient(create_app(pg_runtime)) as client:
        _campaign(client, drihl, name="Relances du bailleur", owner="Seine-Saint-Denis Habitat",
                  segment={"parc": ["social"]}, steps=[_letter(d) for d in (0, 7, 14, 21)])
        _campaign(client, drihl, name="Courrier tripartite", owner="CAF 93", segment={"allocataire": ["oui"]},
                  steps=[_letter(0)])
        _campaign(client, drihl, name="Courrier de la DRIHL au CDP", owner="DRIHL 93", priority=1,
                  steps=[_letter(0, regulatory=True)])
        _campaign(client, drihl, name="Prévention CCAPEX", owner="CCAPEX 93", steps=[_letter(3)])
        _campaign(client, drihl, name="Recommandation CLIL", owner="CCAS Aubervilliers",
                  territory={"communes": ["Aubervilliers"]}, steps=[_letter(7)])
        _campaign(client, drihl, name="Équipe mobile", owner="UDAF 93", territory={"communes": ["Aubervilliers"]},
                  steps=[_letter(14, "mise_a_disposition")])
        _campaign(client, drihl, name="Courriers du Département", owner="Département 93",
                  segment={"allocataire": ["oui"]}, steps=[_letter(21)])
        client.post("/api/v1/signalements", headers=bailleur, json=[signalement(
            "A", parc="social", allocataire="oui", commune="Aubervilliers", code_postal="93300")])
        client.post("/api/v1/signalements", headers=drihl, json=[signalement(
            "B", nom="Martin", prenom="Paul", numero_allocataire=None, date_naissance="02/02/1970",
            adresse="4 allée des Pins", parc="prive", allocataire="non", commune="Livry-Gargan",
            code_postal="93190", telephone=None)])
        report = client.get("/api/v1/simulation", headers=drihl, params={"jours": 30}).json()
        rows = {row["parc"]: row for row in report["profils"]}
        assert rows["social"]["courriers_sans_coordination"]["max"] >= 10
        assert rows["prive"]["courriers_sans_coordination"]["max"] <= 2
        assert rows["social"]["courriers_avec_coordination"]["max"] <= 3
        assert sum(rows["social"]["evites"].values()) == (rows["social"]["courriers_sans_coordination"]["max"]
                                                          - rows["social"]["courriers_avec_coordination"]["max"])
        assert rows["prive"]["sous_atteints"] == 1 and rows["social"]["sous_atteints"] == 0
        assert "Ménages sous-atteints (parc privé, sans téléphone) : 1" in report["tableau"]
        # The same period for real: what the simulation announced is what is sent, and nothing is silent.
        for _ in range(31 * 2):
            pg_runtime.tick()
            clock.advance(hours=12)
        with pg_runtime.session_factory() as session:
            letters = session.scalars(select(Dispatch).where(Dispatch.channel == "courrier")).all()
            sent = Counter(d.household_id for d in letters if d.status == "delivered")
            assert sent[1] == rows["social"]["courriers_avec_coordination"]["max"]
            assert all(d.reason for d in letters if d.status not in ("delivered", "planned"))
            assert all(d.reason == "cap_reached" for d in letters if d.status == "planned")


def test_scenario_9_cross_campaign_stop_then_npai(pg_runtime: Runtime, clock: Clock) -> None:
    from api.app import create_app

    _, dept = new_partner(pg_runtime, "Département 44", "departement")
    new_partner(pg_runtime, "ADIL 44", "adil")
    _, bailleur = new_partner(pg_runtime, "Habitat 44", "bailleur_social")
    with TestClient(create_app(pg_runtime)) as client:
        _campaign(client, dept, name="Relance du bailleur", owner="Habitat 44",
                  steps=[{"channel": "sms", "template": "relance"}])
        _campaign(client, dept, name="Relance du Département", owner="Département 44",
                  steps=[_letter(0), _letter(10)])
        _campaign(client, dept, name="ADIL 44", owner="ADIL 44", steps=[{"channel": "appel", "delay_days": 7}])
        client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")])
        client.post("/api/v1/signalements", headers=dept, json=[signalement("D-1")])
        pg_runtime.tick()
        # The household calls the bailleur's named contact after its SMS.
        # With an attributed reason, it stops the Département's relance and the ADIL call (docs/security.md,
        # rule 2); the bailleur is told only its own count.
        answer = client.post("/api/v1/reponses", headers=bailleur,
                             json={"reference": "R-1", "canal": "appel", "nature": "appel_entrant",
                                   "motif_menage": "rendez_vous_honore"})
        assert answer.json()["contacts_annules"] == 0
        clock.advance(days=2)
        letter = next(c for c in client.get("/api/v1/signalements/D-1", headers=dept).json()["contacts"]
                      if c["statut"] == "delivered")
        npai = client.post("/api/v1/npai", headers=dept, json={"courrier_id": letter["id"]}).json()
        assert npai["adresses_invalidees"] == 1 and npai["tache_recherche"] is not None
        # Closed household (each partner closed its case): an NPAI then opens no locate task.
        for headers, reference in ((bailleur, "R-1"), (dept, "D-1")):
            client.post("/api/v1/signalements", headers=headers, json=[signalement(
                reference, stade="cloture", date_stade="27/11/2026", motif_cloture="plan d'apurement respecté")])
        with pg_runtime.session_factory() as session:
            statuses = {(d.channel, d.step_position): (d.status, d.reason) for d in session.scalars(select(Dispatch))}
            tasks = session.scalars(select(HumanTask)).all()
        assert statuses[("courrier", 1)] == ("cancelled", "responded_other_campaign")
        assert statuses[("appel", 0)] == ("cancelled", "responded_other_campaign")
        assert [(t.kind, t.status) for t in tasks] == [("recherche", "cancelled")]
