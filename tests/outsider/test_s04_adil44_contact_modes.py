"""§10.2 scenario 4: the ADIL 44 contact-mode table by park (000), through the API and the workers' queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.outsider.world import World

STATE = "DDETS de Loire-Atlantique"
ADIL = "ADIL 44"
CAMPAIGNS = f"""
campaigns:
  - name: "ADIL 44 — aller-vers"
    owner: "{ADIL}"
    stages: [commandement_de_payer]
    steps:
      - {{channel: courrier, template: mise_a_disposition}}
      - {{channel: appel, delay_days: 7, conditions: [no_response]}}
      - {{channel: visite, delay_days: 7, conditions: [no_response], announced: true}}
      - {{channel: visite, delay_days: 7, conditions: [no_response], announced: false}}
"""
# Park → (outgoing call, incoming call, first visit, second visit, diagnostics, households)
TABLE = {"prive": (19, 5, 3, 1, 22, 46), "social": (13, 17, 8, 1, 37, 63)}
SYLLABLES = ["ba", "de", "li", "mo", "ru", "sa", "te", "vi", "no", "ga", "po", "ze"]


def row(i: int, park: str) -> dict[str, Any]:
    name = "".join(SYLLABLES[(i // 12 ** k) % 12] for k in range(2)).capitalize() + "ec"
    return {"reference": f"A-{i}", "stade": "commandement_de_payer", "date_stade": "2026-11-24", "parc": park,
            "nom": name, "prenom": "Yann", "date_naissance": f"19{50 + i % 40}-0{1 + i % 9}-2{i % 8}",
            "adresse": f"{i + 1} rue Crébillon", "code_postal": "44000", "commune": "Nantes",
            "telephone": f"06{i:08d}", "montant_dette": "2500", "loyer_mensuel": "600"}


def finish(world: World, agent: int, reference_tasks: dict[str, dict[str, Any]], ref: str, outcome: str) -> None:
    task = reference_tasks[ref]
    held = world.client.post(f"/api/v1/taches/{task['id']}/reserver", headers=world.keys[ADIL],
                             json={"agent_id": agent, "duree_minutes": 60, "version": task["version"]})
    assert held.status_code == 200, held.text
    done = world.client.post(f"/api/v1/taches/{task['id']}/terminer", headers=world.keys[ADIL],
                             json={"agent_id": agent, "resultat": outcome, "version": held.json()["version"]})
    assert done.status_code == 200, done.text


def test_contact_mode_table_by_park(world: World) -> None:
    world.partner(STATE, "etat", "--adresse", "6 rue René Viviani|44000 Nantes")
    world.partner(ADIL, "adil", "--adresse", "6 rue de l'Arche Sèche|44000 Nantes")
    world.load_campaigns(CAMPAIGNS)
    refs: dict[str, list[str]] = {"prive": [], "social": []}
    rows: list[dict[str, Any]] = []
    for park, (*_, total) in TABLE.items():
        for _ in range(total):
            i = len(rows)
            rows.append(row(i, park))
            refs[park].append(f"A-{i}")
    world.push(STATE, rows)
    world.push(ADIL, rows)
    agent = world.client.post("/api/v1/agents", headers=world.keys[ADIL], json={"nom": "Camille Agent"})
    assert agent.status_code in (200, 201), agent.text
    agent_id = agent.json()["id"]
    world.send()

    plan: dict[str, dict[str, list[str]]] = {}
    for park, (out, inc, vad1, vad2, _diag, _total) in TABLE.items():
        r = refs[park]
        plan[park] = {"entrant": r[:inc], "sortant": r[inc:inc + out], "vad1": r[inc + out:inc + out + vad1],
                      "vad2": r[inc + out + vad1:inc + out + vad1 + vad2]}
    # Incoming calls within a week of the letter: no outgoing call task for them.
    world.clock.advance(days=3)
    for park in TABLE:
        for ref in plan[park]["entrant"]:
            done = world.client.post("/api/v1/reponses", headers=world.keys[ADIL],
                                     json={"reference": ref, "canal": "appel", "nature": "appel_entrant"})
            assert done.status_code in (200, 201), done.text
    names = {f"A-{i}": r["nom"] for i, r in enumerate(rows)}
    kinds = {"sortant": "appel", "vad1": "visite", "vad2": "visite"}
    for step, outcome in (("sortant", "joint"), ("vad1", "visite_realisee"), ("vad2", "visite_realisee")):
        world.clock.advance(days=7)
        world.send()
        by_name = {t["menage"]["nom"]: t for t in world.tasks(ADIL, limite=500) if t["type"] == kinds[step]}
        if step == "sortant":  # an incoming call in the first week means no outgoing call task
            assert not {names[r] for park in TABLE for r in plan[park]["entrant"]} & set(by_name)
        for park in TABLE:
            for ref in plan[park][step]:
                finish(world, agent_id, {ref: by_name[names[ref]]}, ref, outcome)
    world.clock.advance(days=1)
    for park, (*_, diag, _total) in TABLE.items():
        reached = plan[park]["entrant"] + plan[park]["sortant"] + plan[park]["vad1"] + plan[park]["vad2"]
        for ref in reached[:diag]:
            done = world.client.post("/api/v1/reponses", headers=world.keys[ADIL],
                                     json={"reference": ref, "canal": "autre", "nature": "diagnostic_realise"})
            assert done.status_code in (200, 201), done.text
    world.send(world.clock.now + timedelta(hours=1))

    answer = world.client.get("/api/v1/evaluation", headers=world.keys[STATE],
                              params={"debut": "2026-11-01", "fin": "2027-01-31"})
    assert answer.status_code == 200, answer.text
    sections = answer.json()["sections"]
    modes = {(line["parc"], line["mode"]): line for line in sections["modes_de_contact"]["lignes"]}
    # The answer to the first letter is the ADIL's « appel entrant »; the call step's is the « appel sortant ».
    assert modes[("parc privé", "étape 2 · appel")]["menages"] == 19, modes
    assert modes[("parc privé", "étape 1 · courrier")]["menages"] == 5, modes
    assert modes[("parc social", "étape 2 · appel")]["menages"] == 13, modes
    assert modes[("parc social", "étape 1 · courrier")]["menages"] == 17, modes
    assert {line["total"] for key, line in modes.items() if key[0] == "parc privé"} == {28}, modes
    assert {line["total"] for key, line in modes.items() if key[0] == "parc social"} == {39}, modes
    # The visits (3 and 1 in the private park, 8 and 1 in the social park) are small cells or protect one.
    assert all(line["menages"] in ("< 5", "secret") for key, line in modes.items() if "visite" in key[1]), modes
    charter = {line["indicateur"]: line for line in sections["indicateurs_charte"]["lignes"]}
    diagnostics = charter["Diagnostics réalisés"]
    assert (diagnostics["parc_prive"], diagnostics["parc_public"], diagnostics["total"]) == (22, 37, 59)
    assert round(charter["Part des ménages contactés ayant eu un diagnostic"]["total"] * 100) == 54
