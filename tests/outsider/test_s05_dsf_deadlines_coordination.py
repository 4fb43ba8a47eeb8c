"""§10.2 scenario 5: assignation → DSF deadline chain, with the State's M16 letter, a CLIL letter and the
landlord's observations request."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import holidays

from tests.outsider.world import World, letters_naming, pdf_text

STATE = "DDETS de Loire-Atlantique"
OPERATOR = "ANEF Ferrer"
CLIL = "CLIL de Nantes"
LANDLORD = "SCI de l'Erdre"
HEARING = date(2027, 2, 2)  # a Tuesday, ten weeks after the assignation
CAMPAIGNS = f"""
campaigns:
  - name: "État — assignation"
    owner: "{STATE}"
    stages: [assignation]
    priority: 10
    coordination: merge
    steps:
      - {{channel: courrier, template: etape_assignation, regulatory: true}}
      - {{channel: courrier, template: courrier_bailleur}}
  - name: "DSF"
    owner: "{STATE}"
    delegate: "{OPERATOR}"
    stages: [assignation]
    priority: 40
    steps:
      - {{channel: appel, dsf: true}}
  - name: "CLIL — recommandation"
    owner: "{CLIL}"
    stages: [assignation]
    priority: 80
    coordination: merge
    steps:
      - {{channel: courrier, template: etape_assignation, delay_days: 3}}
"""
ROW = {"stade": "assignation", "date_stade": "2026-11-24", "parc": "prive", "nom": "Roussel", "prenom": "Julien",
       "date_naissance": "1984-01-19", "adresse": "5 rue du Calvaire", "code_postal": "44000", "commune": "Nantes",
       "montant_dette": "4100", "loyer_mensuel": "700", "date_audience": HEARING.isoformat()}


def working_days(start: date, count: int) -> date:
    """`count` French working days after (count > 0) or before (count < 0) `start`."""
    french = holidays.country_holidays("FR", years=range(start.year - 1, start.year + 2))
    step = 1 if count > 0 else -1
    day, left = start, abs(count)
    while left:
        day += timedelta(days=step)
        if day.weekday() < 5 and day not in french:
            left -= 1
    return day


def due_days(tasks: list[dict[str, Any]]) -> dict[str, str]:
    found = {}
    for task in tasks:
        kind = str(task.get("type"))
        due = str(task.get("echeance") or task.get("due_le") or task.get("date_limite"))
        found[kind] = due[:10]
    return found


def test_dsf_deadlines_m16_always_sent_clil_merged_landlord_asked_for_observations(world: World) -> None:
    world.partner(STATE, "etat", "--adresse", "6 rue René Viviani|44000 Nantes")
    world.partner(OPERATOR, "association", "--adresse", "4 rue Bel Air|44000 Nantes")
    world.partner(CLIL, "association", "--adresse", "2 rue de l'Hôtel de Ville|44000 Nantes")
    world.partner(LANDLORD, "bailleur_prive", "--adresse", "9 quai de Versailles|44000 Nantes")
    world.load_campaigns(CAMPAIGNS)
    world.push(LANDLORD, [dict(ROW, reference="ERDRE-1")])
    world.push(STATE, [dict(ROW, reference="ASS-1", bailleur=LANDLORD)])
    receipt = world.clock.now.date()
    world.send()
    world.send(world.clock.now + timedelta(days=5))

    tasks = world.tasks(OPERATOR, a_venir=True)
    dues = due_days(tasks)
    assert dues, tasks
    assert any(due <= working_days(receipt, 15).isoformat() for due in dues.values()), dues
    for expected in (working_days(HEARING, -15), working_days(HEARING, -10), working_days(HEARING, -5)):
        assert expected.isoformat() in dues.values(), (expected, dues)

    household_letters = [(p, t) for p, t in letters_naming(world, "Roussel") if "Erdre" not in t.split("Objet")[0]]
    assert len(household_letters) == 1, [p.name for p, _ in household_letters]
    assert "audience" in household_letters[0][1].lower()
    landlord_letters = [pdf_text(p) for p in world.letters() if "Erdre" in pdf_text(p).split("Objet")[0]]
    assert len(landlord_letters) == 1, landlord_letters
    assert "observations" in landlord_letters[0].lower(), landlord_letters[0]
    assert not world.tasks(LANDLORD, a_venir=True)
    assert "dsf" not in str(world.case(LANDLORD, "ERDRE-1").json()).lower()
