"""Evaluator figures with small cells (domain.md §11.4) and who sees what (§10.2)."""

from __future__ import annotations

import re

from tests.outsider.world import World
from tests.outsider2.helpers import BAILLEUR, BAILLEUR2, STATE_AND_BAILLEUR, row, setup_partners

PEOPLE = [("Ohnet", "Clémence"), ("Wagner", "Théo"), ("Zimmermann", "Noé")]


def test_small_cells_and_no_identifiers_in_exports(world: World) -> None:
    setup_partners(world, BAILLEUR, BAILLEUR2)
    world.load_campaigns(STATE_AND_BAILLEUR)
    world.push(BAILLEUR, [row(f"EV-{n}", nom, prenom=prenom, date_naissance=f"198{n}-01-0{n + 1}",
                              adresse=f"{n + 1} rue Oberlin", numero_allocataire=f"765432{n}", allocataire="oui")
                          for n, (nom, prenom) in enumerate(PEOPLE)])
    world.send()
    world.clock.advance(days=1)
    pilot = next(iter(world.keys.values()))
    export = world.client.get("/api/v1/evaluation/export.csv", headers=pilot,
                              params={"debut": "2026-11-01", "fin": "2026-11-30"})
    assert export.status_code == 200, export.text
    text = export.text
    for nom, prenom in PEOPLE:
        assert nom not in text and prenom not in text
    assert not re.search(r"EV-\d|765432\d|rue Oberlin", text)
    assert "< 5" in text, text[:2000]
    # a second bailleur with no tenant: reading another's case answers as for an unknown one
    other = world.client.get("/api/v1/signalements/EV-1", headers=world.keys[BAILLEUR2])
    unknown = world.client.get("/api/v1/signalements/EV-999", headers=world.keys[BAILLEUR2])
    assert other.status_code == unknown.status_code == 404
    assert other.text.replace("EV-1", "EV-999") == unknown.text, (other.text, unknown.text)
