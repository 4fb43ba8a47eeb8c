"""NPAI then the next address (api.md `POST /api/v1/npai`; campaigns.md: invalidated for every campaign, a locate
task in the sender's queue)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.outsider.world import World, pdf_text
from tests.outsider2.helpers import BAILLEUR, DDETS, row, setup_partners

CAMPAIGNS = f"""
campaigns:
  - name: "Courriers de l'État"
    owner: "{DDETS}"
    stages: [commandement_de_payer, assignation]
    steps:
      - {{channel: courrier, template: "etape_{{stade}}", regulatory: true}}
"""


def test_npai_moves_the_next_letter_to_the_other_known_address(world: World) -> None:
    setup_partners(world)
    world.load_campaigns(CAMPAIGNS)
    old = row("NP-1", "Hoarau", prenom="Jean-Claude", date_naissance="1975-09-09", telephone="0639123456",
              adresse="5 chemin des Badamiers", code_postal="97615", commune="Pamandzi")
    world.push(DDETS, [old])
    world.send()
    case = world.case(DDETS, "NP-1").json()
    [letter] = [c for c in case["contacts"] if c["canal"] == "courrier" and c["statut"] == "delivered"]
    # the bailleur knows a newer address
    world.clock.advance(days=1)
    world.push(BAILLEUR, [dict(old, reference="HB-1", adresse="18 rue Mahabou", code_postal="97600",
                               commune="Mamoudzou")])
    world.clock.advance(days=2)
    returned = world.client.post("/api/v1/npai", headers=world.keys[DDETS], json={"courrier_id": letter["id"]})
    assert returned.status_code in (200, 201), returned.text
    body = returned.json()
    assert "Badamiers" in str(body["adresse_invalidee"]), body
    assert "Mahabou" in str(body["prochaine_adresse"]), body
    tasks = world.tasks(DDETS)
    assert any(t["type"] == "recherche" for t in tasks), tasks
    # the procedure moves on: the State's assignation letter goes to the next address
    world.clock.now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    world.push(DDETS, [dict(old, stade="assignation", date_stade="2026-11-30", date_audience="2027-02-09")])
    world.send()
    texts = [pdf_text(p) for p in world.letters()]
    assignation = [t for t in texts if "assignation" in t.lower() and "HOARAU" in t.upper()]
    assert assignation, texts
    block = assignation[-1].split("Référence")[0]
    assert "97600 MAMOUDZOU" in block and "Badamiers" not in block, block
