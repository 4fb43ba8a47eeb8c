"""§10.2 scenario 6: the Seine-Saint-Denis "du simple au quintuple" audit, as a dry run through the API."""

from __future__ import annotations

from typing import Any

from tests.outsider.world import World

DRIHL = "DRIHL Seine-Saint-Denis"
CAMPAIGNS = f"""
campaigns:
  - name: "Bailleur — relances"
    owner: "Seine-Saint-Denis Habitat"
    stages: [commandement_de_payer]
    priority: 200
    steps:
      - {{channel: courrier, template: etape_commandement_de_payer}}
      - {{channel: courrier, template: etape_commandement_de_payer, delay_days: 15}}
      - {{channel: courrier, template: etape_commandement_de_payer, delay_days: 15}}
      - {{channel: courrier, template: etape_commandement_de_payer, delay_days: 15}}
  - name: "Protocole tripartite"
    owner: "CAF de la Seine-Saint-Denis"
    stages: [commandement_de_payer]
    segment: {{allocataire: [oui]}}
    priority: 100
    steps:
      - {{channel: courrier, template: information_etat, delay_days: 7}}
      - {{channel: courrier, template: information_etat, delay_days: 33}}
  - name: "DRIHL — lettre au commandement de payer"
    owner: "{DRIHL}"
    stages: [commandement_de_payer]
    priority: 10
    steps:
      - {{channel: courrier, template: drihl_commandement_de_payer, regulatory: true}}
  - name: "CCAPEX — prévention"
    owner: "Département de la Seine-Saint-Denis"
    stages: [commandement_de_payer]
    segment: {{parc: [social]}}
    priority: 50
    steps:
      - {{channel: courrier, template: information_etat, delay_days: 20}}
      - {{channel: courrier, template: information_etat, delay_days: 30}}
  - name: "CLIL — recommandation"
    owner: "CLIL de Montreuil"
    stages: [commandement_de_payer]
    territory: {{postcodes: [], communes: ["93048"]}}
    priority: 120
    steps:
      - {{channel: courrier, template: information_etat, delay_days: 10}}
  - name: "Équipe mobile"
    owner: "EMPEX 93"
    stages: [commandement_de_payer]
    priority: 90
    steps:
      - {{channel: courrier, template: mise_a_disposition, delay_days: 5}}
"""
COMMON = {"stade": "commandement_de_payer", "date_stade": "2026-11-24", "montant_dette": "4500",
          "loyer_mensuel": "650"}
A = dict(COMMON, parc="social", nom="Traoré", prenom="Aminata", date_naissance="1983-07-07",
         adresse="20 rue de Paris", code_postal="93100", commune="Montreuil", telephone="0622334455",
         allocataire="oui", numero_allocataire="1234567")
B = dict(COMMON, parc="prive", nom="Lemoine", prenom="Paul", date_naissance="1969-12-01",
         adresse="4 rue Jean Jaurès", code_postal="93000", commune="Bobigny", allocataire="non")


def test_dry_run_shows_the_spread_the_cap_and_the_under_reached(world: World) -> None:
    world.partner(DRIHL, "etat", "--adresse", "5 rue Leblanc|75015 Paris")
    world.partner("Seine-Saint-Denis Habitat", "bailleur_social", "--adresse", "1 rue Marcel Paul|93000 Bobigny")
    world.partner("CAF de la Seine-Saint-Denis", "caf", "--adresse", "50 rue Hector Berlioz|93000 Bobigny")
    world.partner("Département de la Seine-Saint-Denis", "departement", "--adresse", "93006 Bobigny")
    world.partner("CLIL de Montreuil", "association", "--adresse", "Place Jean Jaurès|93100 Montreuil")
    world.partner("EMPEX 93", "association", "--adresse", "10 rue Lavoisier|93000 Bobigny")
    world.load_campaigns(CAMPAIGNS)
    world.push(DRIHL, [dict(A, reference="DR-A"), dict(B, reference="DR-B")])
    world.push("Seine-Saint-Denis Habitat", [dict(A, reference="SSDH-A")])

    answer = world.client.get("/api/v1/simulation", headers=world.keys[DRIHL],
                              params={"debut": "2026-11-25", "jours": 90, "par_menage": "true"})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    households = {h["parc"]: h for h in body["menages"]}
    a, b = households["social"], households["prive"]
    assert a["courriers_sans_coordination"] >= 10 and b["courriers_sans_coordination"] <= 2, body["tableau"]
    cap = body["plafond_courriers_30_jours"]
    assert a["courriers_avec_coordination"] <= cap * 3, body["tableau"]  # 90 days: at most the cap per 30 days
    for household in (a, b):
        avoided = household["courriers_sans_coordination"] - household["courriers_avec_coordination"]
        assert sum(household["evites"].values()) == avoided, household  # every letter avoided has its reason
    assert all(p["au_dessus_du_plafond"]["avec_coordination"] == 0 for p in body["profils"]), body["profils"]
    assert b["sous_atteint"] is True and b["signalement"] == "sous-atteint : pas de téléphone, parc privé"
    assert a["sous_atteint"] is False

    # The same dry run from the command line, in French.
    printed = world.cli("simuler", "--debut", "2026-11-25", "--jours", "90", "--par-menage").stdout
    assert "sous-atteint : pas de téléphone, parc privé" in printed and "sans coordination" in printed, printed
