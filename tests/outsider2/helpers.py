"""Shared set-up for the second outsider edition: partners, campaigns and households, through the CLI and API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.outsider.world import World, pdf_text

DDETS = "DDETS du Bas-Rhin"
BAILLEUR = "Habitat de l'Ill"
BAILLEUR2 = "Alsace Habitat Social"
DDETS_ADDRESS = "14 rue du Maréchal Juin|BP 10001|67084 Strasbourg"

STATE_AND_BAILLEUR = f"""
campaigns:
  - name: "Courrier de l'État au commandement de payer"
    owner: "{DDETS}"
    stages: [commandement_de_payer]
    steps:
      - {{channel: courrier, template: etape_commandement_de_payer, regulatory: true}}
  - name: "Relance du bailleur"
    owner: "{BAILLEUR}"
    stages: [commandement_de_payer]
    coordination: merge
    steps:
      - {{channel: courrier, template: information_etat}}
      - {{channel: sms, template: relance, delay_days: 7, conditions: [no_response, has_mobile]}}
"""


def setup_partners(world: World, *bailleurs: str) -> None:
    world.partner(DDETS, "etat", "--adresse", DDETS_ADDRESS)
    for name in bailleurs or (BAILLEUR,):
        world.partner(name, "bailleur_social", "--adresse", "3 quai Kléber|67000 Strasbourg")


def row(reference: str, nom: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "reference": reference, "stade": "commandement_de_payer", "date_stade": "2026-11-20", "parc": "social",
        "nom": nom, "prenom": "Jean", "date_naissance": "1970-05-04", "adresse": "12 rue des Orfèvres",
        "code_postal": "67000", "commune": "Strasbourg", "montant_dette": "2 400,00", "loyer_mensuel": "600",
    }
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def letters_for(world: World, needle: str) -> list[tuple[Path, str]]:
    out = []
    for path in world.letters():
        text = pdf_text(path)
        if needle.lower() in text.lower():
            out.append((path, text))
    return out


# A CCAS's own follow-up: a letter, then an SMS the next day to a mobile.
CCAS = "CCAS de Strasbourg"
CCAS_CAMPAIGN = f"""
campaigns:
  - name: "Relance du CCAS"
    owner: "{CCAS}"
    stages: [commandement_de_payer]
    steps:
      - {{channel: courrier, template: information_etat}}
      - {{channel: sms, template: relance, delay_days: 1, conditions: [has_mobile]}}
"""

ENGLISH = re.compile(r"\b(Dear|Sincerely|Monday|Tuesday|January|February|March|April|June|July|August|September|"
                     r"October|November|December|Reference|Subject|Page \d+ of)\b")
