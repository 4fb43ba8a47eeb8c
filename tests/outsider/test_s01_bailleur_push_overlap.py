"""§10.2 scenario 1, scaled down: a bailleur's push overlapping a DDETS campaign at the same stage."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.outsider.world import World, letters_naming

CAMPAIGNS = """
campaigns:
  - name: "État — impayé"
    owner: "DDETS de Loire-Atlantique"
    stages: [impaye]
    coordination: merge
    priority: 1
    steps:
      - {channel: courrier, template: etape_impaye}
  - name: "Habitat 44 — relance"
    owner: "Habitat 44"
    stages: [impaye]
    coordination: merge
    priority: 2
    steps:
      - {channel: courrier, template: etape_impaye}
"""

SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]


def row(i: int, surname: str, *, reachable: bool = True) -> dict[str, object]:
    line: dict[str, object] = {
        "reference": f"H44-{i:03d}", "stade": "impaye", "date_stade": "2026-11-20", "parc": "social",
        "nom": surname, "prenom": "Claire", "date_naissance": f"1980-03-{i + 1:02d}",
        "montant_dette": "1300", "loyer_mensuel": "500",
    }
    line["commune"] = "Nantes"
    if reachable:
        line.update({"adresse": f"{i + 2} rue des Lilas", "code_postal": "44000"})
    return line


def test_overlapping_push_gives_one_letter_per_household(world: World) -> None:
    world.partner("DDETS de Loire-Atlantique", "etat", "--adresse", "6 rue René Viviani|44000 Nantes")
    world.partner("Habitat 44", "bailleur_social", "--adresse", "1 place de la Bourse|44000 Nantes")
    world.load_campaigns(CAMPAIGNS)

    # The State knows four households already (its letter is planned) ...
    state_rows = [dict(row(i, SURNAMES[i]), reference=f"DDETS-{i}") for i in range(4)]
    assert world.push("DDETS de Loire-Atlantique", state_rows)
    # ... the bailleur pushes ten lines: those four, four new ones, two without any channel.
    report = world.push("Habitat 44", [row(i, SURNAMES[i]) for i in range(8)]
                        + [row(8, SURNAMES[8], reachable=False), row(9, SURNAMES[9], reachable=False)])
    text = str(report)
    rejected = report.get("rejets") or report.get("rejetes") or []
    assert isinstance(rejected, list) and {r["reference"] for r in rejected} == {"H44-008", "H44-009"}, report
    assert report["rejetes"] == 2 and report["crees"] == 8, report
    for rejection in rejected:
        reason = str(rejection)
        assert re.search(r"adresse|téléphone|coordonn", reason), reason  # a French reason naming what is missing
    assert "H44-008" in text and "H44-009" in text

    world.send()
    world.send(world.clock.now + timedelta(days=1))

    for i in range(8):
        letters = letters_naming(world, SURNAMES[i])
        assert len(letters) == 1, (SURNAMES[i], [p.name for p, _ in letters])
        _, body = letters[0]
        # The name is printed once in the address block (a salutation may name the person again).
        block = body.split("Objet")[0]
        assert block.upper().count(SURNAMES[i].upper()) == 1, block
        if i < 4:  # merged: both partners speak in the one letter
            assert "Habitat 44" in body and "DDETS" in body, body
    for i in (8, 9):
        assert letters_naming(world, SURNAMES[i]) == []

    # The bailleur sees its eight cases only, and not the State's.
    for i in range(8):
        assert world.case("Habitat 44", f"H44-{i:03d}").status_code == 200
    assert world.case("Habitat 44", "DDETS-0").status_code == 404
    # Its case shows its own letter merged into the State's one (reason given), nothing of the State's letter.
    seen = world.case("Habitat 44", "H44-000").json()
    assert "DDETS" not in str(seen) or "fusion" in str(seen).lower() or "merged" in str(seen).lower()

    # The owners' supervision of the bailleur's campaign: its letters merged into the State's, with the reason. The
    # State's campaign covers every household at the stage, so the bailleur's eight letters are merged, and no
    # household is over the cap.
    listed = world.client.get("/api/v1/campagnes", headers=world.keys["DDETS de Loire-Atlantique"]).json()
    campaigns = listed if isinstance(listed, list) else listed.get("campagnes", [])
    relance = next(c for c in campaigns if c.get("nom", c.get("name")) == "Habitat 44 — relance")
    supervision = world.client.get(f"/api/v1/campagnes/{relance['id']}/supervision",
                                   headers=world.keys["DDETS de Loire-Atlantique"], params={"jour": "2026-11-25"})
    assert supervision.status_code == 200, supervision.text
    reasons = {(m["statut"], m["motif"]): m["nombre"] for m in supervision.json()["contacts_par_motif"]}
    assert reasons == {("cancelled", "duplicate"): 8}, reasons
