"""Scenario 8 of docs/domain.md §13: missing phone and existing referent, the two Vendée examples [001 L217–227],
through the command line and the HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import Clock
from tests.scenarios.service import Service as World
from tests.scenarios.service import service as world

CDP = "commandement_de_payer"


def _households() -> tuple[dict[str, object], dict[str, object]]:
    # Monsieur S.: "Homme seul, 70 ans, retraité, non connu des services sociaux, locataire d'un bailleur privé,
    # dette : 2311€", no phone. Monsieur D.: "55 ans, salarié, vit seul avec un enfant à charge [...] Locataire
    # d'un bailleur public, dette : 1280 euros. Personne déjà accompagnée par la MDSF".
    monsieur_s = {"reference": "CDP-S", "stade": CDP, "date_stade": "20/11/2026", "parc": "prive",
                  "nom": "Sorin", "prenom": "Gérard", "date_naissance": "14/02/1956",
                  "adresse": "8 chemin des Salines", "code_postal": "85100", "commune": "Les Sables-d'Olonne",
                  "montant_dette": "2 311,00", "enfants_a_charge": 0, "aide_logement": "aucune"}
    monsieur_d = {"reference": "CDP-D", "stade": CDP, "date_stade": "20/11/2026", "parc": "social",
                  "nom": "Dubreuil", "prenom": "Alain", "date_naissance": "03/09/1971",
                  "adresse": "14 rue des Tilleuls", "code_postal": "85000", "commune": "La Roche-sur-Yon",
                  "telephone": "06 45 12 78 33", "montant_dette": "1 280,00", "enfants_a_charge": 1,
                  "ages_enfants": "12", "referent_connu": "MDSF La Roche-sur-Yon"}
    return monsieur_s, monsieur_d


def _setup(w: World) -> None:
    w.partner("DDETS de la Vendée", "etat")
    w.partner("MDSF La Roche-sur-Yon", "departement")
    w.partner("CCAS des Sables-d'Olonne", "ccas")
    w.partner("CAF de la Vendée", "caf")
    w.partner("Vendée Habitat", "bailleur_social")
    w.partner("Cabinet Océan Gestion", "bailleur_prive")
    w.campaign("DDETS de la Vendée", {
        "name": "Concertation CDP", "owner": "DDETS de la Vendée", "stages": [CDP],
        "steps": [
            {"channel": "appel", "conditions": ["has_phone"], "delay_from": "stage_entry"},
            {"channel": "courrier", "template": "information_etat", "conditions": ["no_phone"],
             "delay_from": "stage_entry"},
            {"channel": "visite", "conditions": ["no_phone"], "delay_days": 7, "delay_from": "stage_entry"},
        ],
    })


def test_scenario_8_missing_phone_and_existing_referent(tmp_path: Path, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with world(tmp_path, clock) as w:
        _setup(w)
        monsieur_s, monsieur_d = _households()
        # The CDP table of the concertation, with what the CAF and the social services know.
        report = w.push("DDETS de la Vendée", [monsieur_s, monsieur_d])
        assert (report["crees"], report["rejetes"]) == (2, 0), report
        # Each landlord pushes its own tenant, without what the social services know.
        w.push("Cabinet Océan Gestion", [{**monsieur_s, "reference": "OG-77", "enfants_a_charge": None,
                                         "aide_logement": None}])
        w.push("Vendée Habitat", [{**monsieur_d, "reference": "VH-1280", "referent_connu": None,
                                   "enfants_a_charge": None, "ages_enfants": None}])

        batch = w.post("DDETS de la Vendée", "/api/v1/attributions", {"stade": CDP})
        # Monsieur S. by the "+50 ans sans enfant, parc privé" rule; Monsieur D. keeps the MDSF (rule 0).
        assert batch["par_regle"] == {"prive_plus_50_sans_enfant": 1, "referent_existant": 1}
        assert batch["par_structure"] == {"CCAS des Sables-d'Olonne": 1, "MDSF La Roche-sur-Yon": 1}
        assert (batch["referents_existants"], batch["nouvelles_attributions"]) == (1, {"CCAS": 1})

        w.send(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
        # Monsieur S. has no phone: his first contact is a letter; nobody is asked to call him.
        contacts_s = w.get("DDETS de la Vendée", "/api/v1/signalements/CDP-S")["contacts"]
        sent = [c["canal"] for c in contacts_s if c["statut"] == "delivered"]
        assert sent == ["courrier"], contacts_s
        assert [(c["canal"], c["motif"]) for c in contacts_s if c["statut"] == "skipped"] == [("appel", "no_channel")]
        # Monsieur D.: the call goes to the MDSF worker's queue, nowhere else.
        mdsf = w.get("MDSF La Roche-sur-Yon", "/api/v1/taches")["taches"]
        assert [(t["type"], t["menage"]["nom"]) for t in mdsf] == [("appel", "Dubreuil")]
        assert w.get("CCAS des Sables-d'Olonne", "/api/v1/taches")["taches"] == []

        w.send(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))  # a week after the stage entry
        ccas = w.get("CCAS des Sables-d'Olonne", "/api/v1/taches")["taches"]
        assert [(t["type"], t["menage"]["nom"]) for t in ccas] == [("visite", "Sorin")]

        # Neither landlord learns who follows its tenant.
        for landlord, reference in (("Cabinet Océan Gestion", "OG-77"), ("Vendée Habitat", "VH-1280")):
            view = w.client.get(f"/api/v1/signalements/{reference}", headers=w.keys[landlord])
            assert view.status_code == 200
            assert "MDSF" not in view.text and "CCAS" not in view.text and "referent" not in view.text
