"""Evaluator figures with small cells through the CLI report and the bailleurs' table (domain.md §11.4, §13.10)."""

from __future__ import annotations

from tests.outsider.world import World
from tests.outsider2.helpers import BAILLEUR, BAILLEUR2, STATE_AND_BAILLEUR, row, setup_partners

SMALL = [("Hertz", "Agnès"), ("Ungerer", "Rémi"), ("Bohn", "Maëlle")]
LARGER = [(f"Schaller{n}", f"Zoé{n}") for n in range(6)]


def test_report_and_bailleur_table_hide_small_cells(world: World) -> None:
    setup_partners(world, BAILLEUR, BAILLEUR2)
    world.load_campaigns(STATE_AND_BAILLEUR)
    world.push(BAILLEUR, [row(f"S-{n}", nom, prenom=p, date_naissance=f"1977-0{n + 1}-1{n}",
                              adresse=f"{n} rue Sellénick")
                          for n, (nom, p) in enumerate(SMALL)])
    world.push(BAILLEUR2, [row(f"L-{n}", nom, prenom=p, date_naissance=f"1966-0{n + 1}-2{n}",
                               adresse=f"{n} rue Geiler")
                           for n, (nom, p) in enumerate(LARGER)])
    world.send()
    world.clock.advance(days=1)
    out = world.data_dir / "rapport.html"
    world.cli("rapport", "--debut", "2026-11-01", "--fin", "2026-11-30", "-o", str(out))
    html = out.read_text(encoding="utf-8")
    for nom, prenom in SMALL + LARGER:
        assert nom not in html and prenom not in html, nom
    assert "rue Sellénick" not in html and "S-1" not in html
    assert "&lt; 5" in html or "< 5" in html
    # each bailleur reads its own row only
    mine = world.client.get("/api/v1/evaluation", headers=world.keys[BAILLEUR2],
                            params={"debut": "2026-11-01", "fin": "2026-11-30"})
    assert mine.status_code == 200, mine.text
    assert BAILLEUR not in mine.text, mine.text[:1500]
    pilot = world.client.get("/api/v1/evaluation", headers=world.keys["DDETS du Bas-Rhin"],
                             params={"debut": "2026-11-01", "fin": "2026-11-30"})
    assert pilot.status_code == 200, pilot.text
    body = pilot.text
    assert BAILLEUR2 in body, body[:1500]
    assert "Schaller" not in body and "L-1" not in body
