"""§10.2 scenario 9: a household answers the bailleur; two days later a Département letter comes back NPAI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.outsider.world import World

CAMPAIGNS = """
campaigns:
  - name: "Habitat 44 — SMS"
    owner: "Habitat 44"
    stages: [impaye]
    steps:
      - {channel: sms, template: relance, conditions: [has_mobile]}
  - name: "Département — courrier et relance"
    owner: "Département de Loire-Atlantique"
    stages: [impaye]
    steps:
      - {channel: courrier, template: etape_impaye}
      - {channel: courrier, template: etape_impaye, delay_days: 10, conditions: [no_response]}
  - name: "ADIL 44 — appel"
    owner: "ADIL 44"
    stages: [impaye]
    steps:
      - {channel: appel, delay_days: 5, conditions: [no_response]}
"""

HOUSEHOLD = {"stade": "impaye", "date_stade": "2026-11-20", "parc": "social", "nom": "Lefèvre", "prenom": "Sophie",
             "date_naissance": "1979-05-04", "adresse": "12 rue des Lilas", "code_postal": "44000",
             "commune": "Nantes", "telephone": "0612345678", "montant_dette": "1400", "loyer_mensuel": "520"}


def setup(world: World) -> None:
    world.partner("Département de Loire-Atlantique", "departement", "--adresse", "3 quai Ceineray|44000 Nantes")
    world.partner("Habitat 44", "bailleur_social", "--adresse", "1 place de la Bourse|44000 Nantes")
    world.partner("ADIL 44", "adil", "--adresse", "6 rue de l'Arche Sèche|44000 Nantes")
    world.load_campaigns(CAMPAIGNS)
    world.push("Habitat 44", [dict(HOUSEHOLD, reference="H-1")])
    world.push("Département de Loire-Atlantique", [dict(HOUSEHOLD, reference="D-1")])
    world.send()


def contacts(world: World, partner: str, reference: str) -> list[dict[str, Any]]:
    view = world.case(partner, reference)
    assert view.status_code == 200, view.text
    return view.json()["contacts"]  # type: ignore[no-any-return]


def _answer_to_the_bailleur(world: World, **reason: str) -> None:
    setup(world)
    assert world.sms(), "the bailleur's SMS was not sent"
    world.clock.advance(days=1)
    answer = world.client.post("/api/v1/reponses", headers=world.keys["Habitat 44"], json={
        "reference": "H-1", "canal": "appel", "nature": "appel_entrant", **reason})
    assert answer.status_code in (200, 201), answer.text
    world.send(world.clock.now + timedelta(days=13))


def test_an_incoming_call_to_the_bailleur_stops_every_partner(world: World) -> None:
    """The household called the bailleur's named contact: recorded with the attributed reason the docs give
    (`motif_menage: appel_du_menage`, docs/campaigns.md), it cancels the Département's relance and the ADIL's call
    (RESPONDED_OTHER_CAMPAIGN)."""
    _answer_to_the_bailleur(world, motif_menage="appel_du_menage")
    department = contacts(world, "Département de Loire-Atlantique", "D-1")
    relances = [c for c in department if c["etape"] == 2]
    assert relances and all((c["statut"], c["motif"]) == ("cancelled", "responded_other_campaign")
                            for c in relances), department
    assert not world.tasks("ADIL 44", a_venir=True)


def test_a_bailleurs_plain_response_stops_its_own_campaigns_only(world: World) -> None:
    """Without an attributed reason a partner's word stops its own steps only (docs/security.md, rule 2)."""
    _answer_to_the_bailleur(world)
    department = contacts(world, "Département de Loire-Atlantique", "D-1")
    relances = [c for c in department if c["etape"] == 2]
    assert relances and all(c["statut"] != "cancelled" for c in relances), department


def test_an_npai_invalidates_the_address_and_opens_a_locate_task(world: World) -> None:
    setup(world)
    first = [c for c in contacts(world, "Département de Loire-Atlantique", "D-1") if c.get("statut") == "delivered"]
    assert first, contacts(world, "Département de Loire-Atlantique", "D-1")
    world.clock.advance(days=2)
    returned = world.client.post("/api/v1/npai", headers=world.keys["Département de Loire-Atlantique"],
                                 json={"courrier_id": first[0]["id"]})
    assert returned.status_code in (200, 201), returned.text
    assert "lilas" in str(returned.json()).lower(), returned.json()
    # No further letter to that address, for any campaign.
    letters_before = len(world.letters())
    world.send(world.clock.now + timedelta(days=13))
    assert len(world.letters()) == letters_before
    # The case is open: a locate task in the sender's queue.
    tasks = world.tasks("Département de Loire-Atlantique", a_venir=True)
    assert any("recherche" in str(t).lower() for t in tasks), tasks
