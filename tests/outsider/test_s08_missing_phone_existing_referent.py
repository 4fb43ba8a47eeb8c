"""§10.2 scenario 8: Monsieur S. (70, alone, private park, no phone) and Monsieur D. (55, one child, social park,
already followed by the MDSF) in the same CDP batch of the Vendée circuit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.outsider.world import World, letters_naming

PILOT = "Département de la Vendée"
STATE = "DDETS de la Vendée"
MDSF = "MDSF La Roche-sur-Yon"
CCAS = "CCAS La Roche-sur-Yon"

COMMON = {"stade": "commandement_de_payer", "date_stade": "2026-11-20", "code_postal": "85000",
          "commune": "La Roche-sur-Yon", "loyer_mensuel": "450"}
MONSIEUR_S = dict(COMMON, reference="CDP-S", parc="prive", nom="Sicard", prenom="Marcel", date_naissance="1956-06-01",
                  adresse="14 rue Georges Clemenceau", montant_dette="2311", enfants_a_charge="0")
MONSIEUR_D = dict(COMMON, reference="CDP-D", parc="social", nom="Dupuis", prenom="Michel",
                  date_naissance="1971-04-10", adresse="3 rue Paul Doumer", telephone="0611223344",
                  montant_dette="1280", enfants_a_charge="1", ages_enfants="12", referent_connu=MDSF)


def build(world: World) -> None:
    world.partner(PILOT, "departement", "--adresse", "40 rue du Maréchal Foch|85000 La Roche-sur-Yon")
    world.partner(STATE, "etat", "--adresse", "29 rue Delille|85000 La Roche-sur-Yon")
    world.partner(MDSF, "departement", "--adresse", "2 rue Malesherbes|85000 La Roche-sur-Yon")
    world.partner(CCAS, "ccas", "--adresse", "10 place du Théâtre|85000 La Roche-sur-Yon")
    world.partner("CAF 85", "caf", "--adresse", "rue Paul Doumer|85000 La Roche-sur-Yon")
    world.partner("Vendée Habitat", "bailleur_social", "--adresse", "28 rue Benjamin Franklin|85000 La Roche-sur-Yon")
    world.partner("SCI Les Tilleuls", "bailleur_prive", "--adresse", "5 allée des Tilleuls|85000 La Roche-sur-Yon")
    world.push(STATE, [MONSIEUR_S, MONSIEUR_D])
    world.push("SCI Les Tilleuls", [dict(MONSIEUR_S, reference="TIL-1")])
    world.push("Vendée Habitat", [dict(MONSIEUR_D, reference="VH-1")])

    presets = world.client.get("/api/v1/campagnes/modeles", headers=world.keys[PILOT])
    assert presets.status_code == 200, presets.text
    body = presets.json()
    items = body if isinstance(body, list) else body.get("modeles", [])
    vendee = [p for p in items if "Vendée" in str(p.get("titre", ""))]
    assert vendee, items
    draft = world.client.post(f"/api/v1/campagnes/modeles/{vendee[0]['id']}", headers=world.keys[PILOT],
                              json={"nom": "Vendée — CDP", "proprietaire": PILOT})
    assert draft.status_code in (200, 201), draft.text
    campaign_id = draft.json()["id"]

    batch = world.client.post("/api/v1/attributions", headers=world.keys[PILOT],
                              json={"stade": "commandement_de_payer"})
    assert batch.status_code in (200, 201), batch.text
    activated = world.client.post(f"/api/v1/campagnes/{campaign_id}/activer", headers=world.keys[PILOT])
    assert activated.status_code in (200, 201), activated.text
    world.send()


def test_monsieur_s_gets_a_letter_first_then_a_visit(world: World) -> None:
    build(world)
    letters = letters_naming(world, "Sicard")
    assert len(letters) == 1, [p.name for p, _ in letters]
    assert not world.tasks(CCAS, type="appel", a_venir=True) or all(
        "Sicard" not in str(t) for t in world.tasks(CCAS, type="appel", a_venir=True))
    world.send(world.clock.now + timedelta(days=15))
    visits = [t for t in world.tasks(CCAS, a_venir=True) if "SICARD" in str(t).upper()]
    assert visits and all("visite" in str(t.get("type", t)).lower() for t in visits), world.tasks(CCAS, a_venir=True)


def test_monsieur_d_keeps_his_mdsf_referent_and_its_worker_gets_the_call(world: World) -> None:
    build(world)
    calls = [t for t in world.tasks(MDSF, a_venir=True) if "DUPUIS" in str(t).upper()]
    assert len(calls) == 1, world.tasks(MDSF, a_venir=True)
    assert "appel" in str(calls[0].get("type", "")).lower(), calls
    assert not [t for t in world.tasks(CCAS, a_venir=True) if "DUPUIS" in str(t).upper()]


def test_no_bailleur_sees_the_referent(world: World) -> None:
    build(world)
    for partner, reference in (("Vendée Habitat", "VH-1"), ("SCI Les Tilleuls", "TIL-1")):
        view: Any = world.case(partner, reference)
        assert view.status_code == 200, view.text
        text = str(view.json())
        for word in ("MDSF", "CCAS", "CAF 85", "referent", "référent"):
            assert word not in text, (partner, word, text)
