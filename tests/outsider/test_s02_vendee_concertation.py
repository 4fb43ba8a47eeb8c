"""§10.2 scenario 2, scaled down: the Vendée monthly concertation through POST /api/v1/attributions."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.outsider.world import World, letters_naming

PILOT = "Département de la Vendée"
STATE = "DDETS de la Vendée"
MDSF, CCAS, CAF = "MDSF La Roche-sur-Yon", "CCAS La Roche-sur-Yon", "CAF 85"
PLACE = {"stade": "commandement_de_payer", "date_stade": "2026-11-20", "code_postal": "85000",
         "commune": "La Roche-sur-Yon", "loyer_mensuel": "450", "montant_dette": "2000"}
# (reference, park, birth date, children's ages, housing benefit, known referent, phone)
HOUSEHOLDS = [
    ("K1", "social", "1980-01-01", "10", "apl", MDSF, "0611000001"),
    ("K2", "prive", "1960-01-01", "", "aucune", MDSF, "0611000002"),
    ("K3", "social", "1985-01-01", "4", "apl", CCAS, "0611000003"),
    ("N1", "social", "1988-01-01", "3;6", "apl", None, "0611000004"),   # social, family, < 50 → CCAS
    ("N2", "social", "1990-01-01", "1", "apl", None, None),             # social, family, < 50 → CCAS, no phone
    ("N3", "social", "1955-01-01", "", "apl", None, "0611000006"),      # social, > 50, no child → MDSF
    ("N4", "prive", "1982-01-01", "8", "alf", None, "0611000007"),      # private, family, ALF → CAF
    ("N5", "prive", "1952-01-01", "", "aucune", None, "0611000008"),    # private, > 50, no child → CCAS
    ("N6", "prive", "1995-01-01", "", "aucune", None, "0611000009"),    # uncovered profile → MDSF (fallback)
]
SURNAMES = {"K1": "Abadie", "K2": "Berthier", "K3": "Chauvin", "N1": "Daniel", "N2": "Étienne", "N3": "Fleury",
            "N4": "Guérin", "N5": "Hervé", "N6": "Jolly", "C1": "Kessler"}


def row(reference: str, park: str, birth: str, ages: str, benefit: str, referent: str | None,
        phone: str | None) -> dict[str, Any]:
    line: dict[str, Any] = dict(PLACE, reference=reference, parc=park, nom=SURNAMES[reference], prenom="Lou",
                                date_naissance=birth, adresse=f"{len(reference) + ord(reference[1])} rue Sadi Carnot",
                                aide_logement=benefit, enfants_a_charge=str(len(ages.split(";")) if ages else 0))
    if ages:
        line["ages_enfants"] = ages
    if referent:
        line["referent_connu"] = referent
    if phone:
        line["telephone"] = phone
    return line


def concertation(world: World) -> dict[str, Any]:
    world.partner(PILOT, "departement", "--adresse", "40 rue du Maréchal Foch|85000 La Roche-sur-Yon")
    world.partner(STATE, "etat", "--adresse", "29 rue Delille|85000 La Roche-sur-Yon")
    world.partner(MDSF, "departement", "--adresse", "2 rue Malesherbes|85000 La Roche-sur-Yon")
    world.partner(CCAS, "ccas", "--adresse", "10 place du Théâtre|85000 La Roche-sur-Yon")
    world.partner(CAF, "caf", "--adresse", "rue Paul Doumer|85000 La Roche-sur-Yon")
    world.load_campaigns(f"""
campaigns:
  - name: "Vendée — CDP"
    owner: "{PILOT}"
    stages: [commandement_de_payer]
    territory: {{postcodes: ["85"]}}
    steps:
      - {{channel: appel, conditions: [has_phone]}}
      - {{channel: courrier, template: mise_a_disposition, delay_from: stage_entry, conditions: [no_phone]}}
      - {{channel: visite, delay_days: 14, conditions: [no_response]}}
""")
    moved_out = row("C1", "social", "1970-01-01", "", "apl", None, "0611000010")
    world.push(STATE, [*(row(*h) for h in HOUSEHOLDS), moved_out])
    # One household closed before the concertation (it moved out): not processed.
    world.push(STATE, [dict(moved_out, stade="cloture",
                            date_stade="2026-11-23", motif_cloture="déménagement")])
    batch = world.client.post("/api/v1/attributions", headers=world.keys[PILOT],
                              json={"stade": "commandement_de_payer", "depuis": "2026-11-01"})
    assert batch.status_code in (200, 201), batch.text
    world.send()
    return batch.json()  # type: ignore[no-any-return]


def test_concertation_keeps_known_referents_and_routes_the_new_ones(world: World) -> None:
    result = concertation(world)
    assert result["par_structure"] == {MDSF: 4, CCAS: 4, CAF: 1}, result
    assert result["nouvelles_attributions"] == {"MDSF": 2, "CCAS": 3, "CAF": 1}, result
    assert result["referents_existants"] == 3 and result["par_regle"]["referent_existant"] == 3, result
    assert result["non_traites"] == 1, result

    # Every household of the CCAS with a phone has a call task; the one without a phone got a letter first.
    calls = Counter(str(t["menage"]["nom"]) for t in world.tasks(CCAS, a_venir=True) if t["type"] == "appel")
    assert calls == Counter({"Chauvin": 1, "Daniel": 1, "Hervé": 1}), calls
    assert len(letters_naming(world, "Étienne")) == 1
    mdsf_calls = {str(t["menage"]["nom"]) for t in world.tasks(MDSF, a_venir=True) if t["type"] == "appel"}
    assert mdsf_calls == {"Abadie", "Berthier", "Fleury", "Jolly"}, mdsf_calls


def test_concertation_report_in_french_is_consistent(world: World) -> None:
    report = concertation(world)["rapport"]
    assert "CCAS La Roche-sur-Yon : 4" in report and "MDSF La Roche-sur-Yon : 4" in report, report
    assert "CCAS : 3" not in report, report
