"""§10.2 scenario 10, scaled down: response rates by channel × bailleur, small cells hidden, no identifiers."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.outsider.world import World

STATE = "DDETS de Loire-Atlantique"
CAMPAIGNS = """
campaigns:
  - name: "État — impayé"
    owner: "DDETS de Loire-Atlantique"
    stages: [impaye]
    steps:
      - {channel: courrier, template: etape_impaye}
"""
BAILLEURS = {"Habitat 44": 12, "Nantes Métropole Habitat": 10, "Atlantique Habitation": 2}
SURNAMES = ["Aubert", "Barbier", "Carpentier", "Delmas", "Esnault", "Fabre", "Gauthier", "Hamon", "Imbert",
            "Jacquet", "Kerbrat", "Lebrun", "Marchal", "Noël", "Olivier", "Pasquier", "Quéré", "Renaud", "Sauvage",
            "Tessier", "Urvoy", "Vasseur", "Wagner", "Yvon", "Zimmer"]


def test_evaluation_by_bailleur_hides_small_cells_and_identifiers(world: World) -> None:
    world.partner(STATE, "etat", "--adresse", "6 rue René Viviani|44000 Nantes")
    for name in BAILLEURS:
        world.partner(name, "bailleur_social", "--adresse", f"1 rue {name}|44000 Nantes")
    world.load_campaigns(CAMPAIGNS)
    n = 0
    for name, count in BAILLEURS.items():
        rows: list[dict[str, str]] = []
        for i in range(count):
            rows.append({"reference": f"{name[:3].upper()}-{i}", "stade": "impaye", "date_stade": "2026-11-24",
                         "parc": "social", "nom": SURNAMES[n], "prenom": "Anne",
                         "date_naissance": f"1970-01-{n + 1:02d}",
                         "adresse": f"{n + 1} rue de la Paix", "code_postal": "44000", "commune": "Nantes",
                         "numero_allocataire": f"99{n:05d}", "allocataire": "oui", "montant_dette": "1500",
                         "loyer_mensuel": "500"})
            n += 1
        world.push(name, rows)
    world.send()
    world.clock.advance(days=2)
    for name, count in BAILLEURS.items():  # half the households of each bailleur answer
        for i in range(count // 2):
            answer = world.client.post("/api/v1/reponses", headers=world.keys[name], json={
                "reference": f"{name[:3].upper()}-{i}", "canal": "appel", "nature": "appel_entrant"})
            assert answer.status_code in (200, 201), answer.text
    world.send(world.clock.now + timedelta(days=1))

    period = {"debut": "2026-11-01", "fin": "2026-12-31"}
    owner = world.client.get("/api/v1/evaluation", headers=world.keys[STATE], params=period)
    assert owner.status_code == 200, owner.text
    sections = owner.json()["sections"]
    cells = {(r["canal"], r["bailleur"]): r for r in sections["taux_canal_bailleur"]["lignes"]}
    small = cells[("courrier", "Atlantique Habitation")]
    assert small["menages"] == "< 5" and small["taux"] == "< 5", small
    big = cells[("courrier", "Habitat 44")]
    assert big["menages"] == 12 and big["repondants"] == 6 and abs(big["taux"] - 0.5) < 1e-9, big
    assert big["ic_bas"] < 0.5 < big["ic_haut"], big

    export = world.client.get("/api/v1/evaluation/export.csv", headers=world.keys[STATE], params=period)
    assert export.status_code == 200, export.text
    for secret in [*SURNAMES, "rue de la Paix", "9900000", "990000"]:
        assert secret.lower() not in export.text.lower(), secret

    own = world.client.get("/api/v1/evaluation", headers=world.keys["Habitat 44"], params=period)
    assert own.status_code == 200, own.text
    text = json.dumps(own.json(), ensure_ascii=False)
    assert "Nantes Métropole Habitat" not in text and "Atlantique Habitation" not in text
