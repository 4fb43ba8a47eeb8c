"""Presets from the sources validate and start drafts; before activation, every message is previewed and the dry
run counts contacts per week and per structure, with what coordination, caps and missing details take away."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from campaigns.campaign.presets import get_preset, presets
from campaigns.campaign.validation import check_campaign
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement

OWNERS = {"etat": "DDETS 44", "departement": "Département 44", "adil": "ADIL 44", "association": "Tout Azimut",
          "bailleur_social": "Habitat 44"}


def test_every_preset_validates_as_a_starting_point(sqlite_runtime: Runtime) -> None:
    for kind, partner in OWNERS.items():
        new_partner(sqlite_runtime, partner, kind)
    assert {p.id for p in presets()} == {"adil44_aller_vers", "vendee_cdp", "essonne_empex", "bailleur_relance",
                                         "etat_courriers_par_stade", "chaine_dsf", "drihl_93_commandement"}
    with sqlite_runtime.session_factory() as session:
        for preset in presets():
            operator = OWNERS[preset.operator_kind.value] if preset.operator_kind else None
            spec = preset.spec(name=preset.title, owner=OWNERS[preset.owner_kind.value], delegate=operator)
            assert check_campaign(session, spec, campaign_id=None, running=True) == [], preset.id
            assert preset.description and preset.sources
    adil = get_preset("adil44_aller_vers").spec(name="x", owner="DDETS 44")
    assert [s.channel.value for s in adil.steps] == ["courrier", "appel", "visite", "visite"]
    assert adil.steps[3].announced is False and adil.stages[0].value == "requisition_force_publique"
    essonne = get_preset("essonne_empex").spec(name="x", owner="Département 44")
    assert essonne.segment.parc == ["prive"] and [s.value for s in essonne.stages] == ["assignation"]
    assert get_preset("chaine_dsf").spec(name="x", owner="Département 44").steps[0].dsf is True
    state = get_preset("etat_courriers_par_stade").spec(name="x", owner="DDETS 44")
    assert state.steps[0].regulatory and state.steps[0].template == "etape_{stade}"


def test_a_draft_from_a_preset_and_the_preview_of_its_messages(client: TestClient, runtime: Runtime) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    new_partner(runtime, "ADIL 44", "adil")
    presets_list = client.get("/api/v1/campagnes/modeles", headers=ddets).json()["modeles"]
    assert len(presets_list) == 7 and all(p["titre"] and p["sources"] for p in presets_list)
    created = client.post("/api/v1/campagnes/modeles/adil44_aller_vers", headers=ddets,
                          json={"nom": "ADIL 44 — aller-vers 2027", "operateur": "ADIL 44"})
    assert created.status_code == 201 and created.json()["statut"] == "brouillon"
    campaign_id = created.json()["id"]
    assert client.post("/api/v1/campagnes/modeles/inconnu", headers=ddets, json={"nom": "x"}).status_code == 404
    messages = client.get(f"/api/v1/campagnes/{campaign_id}/apercu", headers=ddets).json()["messages"]
    letters = [m for m in messages if m["canal"] == "courrier"]
    # The household's wish decides FALC (policy « menage »): both registers are shown.
    assert [(m["langue"], m["falc"]) for m in letters] == [("fr", False), ("fr", True)]
    pdf = client.get(letters[0]["pdf"], headers=ddets)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == (
        "application/pdf")
    tasks = [m["tache"] for m in messages if m["canal"] in ("appel", "visite")]
    assert tasks[0].startswith("Tâche « appel » dans la file de ADIL 44")
    assert tasks[2].startswith("Tâche « visite inopinée »")
    # A letter the campaign does not send is not previewed through it.
    other = client.get(f"/api/v1/campagnes/{campaign_id}/apercu/courrier?modele=information_etat"
                       "&stade=requisition_force_publique", headers=ddets)
    assert other.status_code == 404


def test_sms_previews_give_the_encoding_and_segments(client: TestClient, runtime: Runtime) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    campaign_id = client.post("/api/v1/campagnes/modeles/etat_courriers_par_stade", headers=ddets,
                              json={"nom": "Courriers de l'État"}).json()["id"]
    messages = client.get(f"/api/v1/campagnes/{campaign_id}/apercu", headers=ddets).json()["messages"]
    sms = [m for m in messages if m["canal"] == "sms"]
    assert len(sms) == 12  # six stages, standard and FALC
    assert all(m["segments"] >= 1 and m["encodage"] in ("GSM-7", "UCS-2") and m["texte"] for m in sms)
    assert {m["stade"] for m in sms} == {"commandement_de_payer", "assignation", "jugement",
                                         "commandement_de_quitter_les_lieux", "requisition_force_publique",
                                         "octroi_force_publique"}


def test_dry_run_per_week_and_structure_with_what_is_taken_away(client: TestClient, runtime: Runtime,
                                                                clock: Clock) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    # Already running: the State's regulatory letter at the commandement de payer, which wins over other letters.
    campaign(runtime, owner="DDETS 44", name="État", priority=10,
             steps=[{"channel": "courrier", "template": "information_etat", "regulatory": True}])
    hearing = (date(2026, 11, 25) + timedelta(days=20)).strftime("%d/%m/%Y")
    client.post("/api/v1/signalements", headers=bailleur, json=[
        signalement("R-1"),
        signalement("R-2", nom="Martin", prenom="Paul", numero_allocataire="7654321", date_naissance="01/01/1970",
                    adresse="4 allée des Pins", telephone=None, parc="prive"),
        signalement("R-3", nom="Durand", prenom="Léa", numero_allocataire="1112223", date_naissance="03/03/1990",
                    adresse="9 quai de la Fosse", telephone="07 11 22 33 44", stade="assignation",
                    date_audience=hearing),
    ])
    spec = {"name": "ADIL — contacts", "owner": "DDETS 44", "stages": ["commandement_de_payer", "assignation"],
            "steps": [{"channel": "courrier", "template": "mise_a_disposition"},
                      {"channel": "sms", "template": "relance", "delay_days": 1},
                      {"channel": "appel", "delay_days": 7, "conditions": ["no_response"]},
                      {"channel": "visite", "delay_days": 30, "conditions": ["no_response"]}]}
    campaign_id = client.post("/api/v1/campagnes", headers=ddets, json=spec).json()["id"]
    report = client.get(f"/api/v1/campagnes/{campaign_id}/simulation", headers=ddets,
                        params={"semaines": 8}).json()
    assert report["menages"] == 3
    assert report["prevus"] == {"courrier": 3, "sms": 3, "email": 0, "appel": 3, "visite": 3}
    assert report["envoyes"] == {"courrier": 1, "sms": 2, "email": 0, "appel": 2, "visite": 3}
    removed = {(s["canal"], s["motif"]): s["nombre"] for s in report["supprimes"]}
    # Both households at the commandement de payer get the State's letter instead (merged into it).
    assert removed == {("courrier", "merged"): 2, ("sms", "no_channel"): 1, ("appel", "no_channel"): 1}
    assert report["par_structure"] == [{"structure": "DDETS 44", "courrier": 1, "sms": 2, "email": 0, "appel": 2,
                                        "visite": 3}]
    weeks = report["par_semaine"]
    assert len(weeks) == 9 and weeks[0]["semaine"] == "2026-11-23"
    assert (weeks[0]["courrier"], weeks[0]["sms"]) == (1, 2)
    assert sum(w["visite"] for w in weeks) == 3
    # 38 days after entry, the visit comes after R-3's hearing (in 20 days).
    assert report["apres_audience"] == {"visite": 1}
    assert clock.now.date() == date(2026, 11, 25)
