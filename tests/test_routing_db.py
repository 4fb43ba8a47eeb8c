"""Referent attribution on the database and routing of tasks to the referent's queue; scenarios 2 and 8."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from campaigns.models import Case, Dispatch, Household, HumanTask, Partner
from campaigns.models.stages import Stage
from campaigns.platform.errors import ValidationError
from campaigns.queues.referents import (
    attribute_referents,
    household_profile,
    households_at_stage,
    record_known_referent,
)
from campaigns.queues.rules import load_default_rules, load_default_territory
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement
from tests.queue_factories import add_worker, complete, tasks

RULES = """
rules:
  - {id: referent_existant, description: "Référent déjà connu", assign: existing}
  - id: social_moins_50
    description: "Bailleur social, personne de moins de 50 ans → CCAS"
    when: {parc: [social], age_max: 49}
    assign: CCAS
  - id: prive_plus_50
    description: "Bailleur privé, personne de 50 ans et plus → CCAS"
    when: {parc: [prive], age_min: 50, allocataire: [non]}
    assign: CCAS
  - id: prive_allocataire
    description: "Bailleur privé, allocataire → CAF"
    when: {parc: [prive], allocataire: [oui]}
    assign: CAF
  - {id: repli_mdsf, description: "Profil non couvert → MDSF", assign: MDSF}
"""
TERRITORY = 'territoire:\n  "85":\n    CAF: "CAF 85"\n'
SURNAMES = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
            "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard"]
FIRST_NAMES = ["Julie", "Marc", "Nadia", "Paul", "Sofia", "Yann", "Léa", "Omar", "Inès", "Hugo", "Claire", "Karim",
               "Anne"]
VENDEE_CIRCUIT = [
    # 001 L57–72: the referent phones; without a phone, a letter first, then a visit.
    {"channel": "courrier", "template": "information_etat", "conditions": ["no_phone"]},
    {"channel": "appel", "conditions": ["has_phone"]},
    {"channel": "visite", "delay_days": 7, "conditions": ["no_phone", "no_response"]},
]


def _structures(runtime: Runtime) -> dict[str, dict[str, str]]:
    headers = {}
    for name, kind in (("DDETS 85", "etat"), ("MDSF La Roche-sur-Yon", "departement"),
                       ("CCAS La Roche-sur-Yon", "ccas"), ("CAF 85", "caf"), ("Vendée Habitat", "bailleur_social")):
        headers[name] = new_partner(runtime, name, kind)[1]
    return headers


def _person(i: int, *, parc: str, born: int, phone: bool = True, allocataire: str = "non",
            **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "commune": "La Roche-sur-Yon", "code_postal": "85000", "parc": parc, "allocataire": allocataire,
        "nom": SURNAMES[i % 20], "prenom": FIRST_NAMES[i // 20],
        "date_naissance": f"{1 + i % 28:02d}/{1 + i % 12:02d}/{born}", "adresse": f"{i + 1} rue des Lilas",
        "numero_allocataire": f"85{i:05d}", "date_stade": "20/11/2026",
        "telephone": f"06{i:08d}" if phone else None,
    }
    return signalement(f"CDP-{i:03d}", **{**fields, **extra})


def _scenario_2_rows() -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    rows: list[dict[str, Any]] = []
    known: list[tuple[str, str]] = []
    for i in range(243):
        if i < 110:  # already followed by the MDSF
            rows.append(_person(i, parc="social", born=1960))
            known.append((f"CDP-{i:03d}", "MDSF La Roche-sur-Yon"))
        elif i < 132:  # already followed by the CCAS; 6 without a phone
            rows.append(_person(i, parc="social", born=1985, phone=i >= 116))
            known.append((f"CDP-{i:03d}", "CCAS La Roche-sur-Yon"))
        elif i < 134:  # already followed by the CAF
            rows.append(_person(i, parc="prive", born=1980, allocataire="oui"))
            known.append((f"CDP-{i:03d}", "CAF 85"))
        elif i < 164:  # new: social park, under 50 → CCAS; 6 without a phone
            rows.append(_person(i, parc="social", born=1985, phone=i >= 140))
        elif i < 175:  # new: private park, allocataire → CAF
            rows.append(_person(i, parc="prive", born=1975, allocataire="oui"))
        elif i < 202:  # new, fallback MDSF: social park, 50 and over
            rows.append(_person(i, parc="social", born=1960))
        elif i < 229:  # new, fallback MDSF: private park, under 50, not allocataire
            rows.append(_person(i, parc="prive", born=1990))
        else:  # closed before the concertation ("non traités")
            rows.append(_person(i, parc="social", born=1970))
    return rows, known


def test_scenario_2_vendee_concertation_through_the_api(pg_runtime: Runtime, clock: Clock) -> None:
    runtime = pg_runtime
    headers = _structures(runtime)
    ddets, ccas = headers["DDETS 85"], headers["CCAS La Roche-sur-Yon"]
    campaign(runtime, owner="DDETS 85", name="Circuit des CDP", steps=VENDEE_CIRCUIT)
    rows, known = _scenario_2_rows()
    with TestClient(create_app(runtime)) as client:
        assert client.post("/api/v1/signalements", headers=ddets, json=rows).json()["crees"] == 243
        closures = [{**row, "stade": "cloture", "date_stade": "24/11/2026", "motif_cloture": "dette soldée"}
                    for row in rows[229:]]
        assert client.post("/api/v1/signalements", headers=ddets, json=closures).status_code == 200
        with runtime.session_factory() as session:
            assert len(session.scalars(select(Household.id)).all()) == 243
        answer = client.post("/api/v1/attributions/referents-connus", headers=ddets, json={
            "referents": [{"reference": r, "structure": s} for r, s in known]})
        assert answer.json() == {"enregistres": 134}
        batch = client.post("/api/v1/attributions", headers=ddets, json={"regles": RULES, "territoire": TERRITORY})
        assert batch.status_code == 200, batch.text
        totals = batch.json()
        assert totals["par_structure"] == {"CAF 85": 13, "CCAS La Roche-sur-Yon": 52, "MDSF La Roche-sur-Yon": 164}
        assert totals["par_type"] == {"CAF": 13, "CCAS": 52, "MDSF": 164}
        assert totals["nouvelles_attributions"] == {"CAF": 11, "CCAS": 30, "MDSF": 54}
        assert (totals["dossiers"], totals["non_traites"], totals["referents_existants"], totals["attribues"],
                totals["a_designer"]) == (243, 14, 134, 95, 0)
        assert "Non traités" in totals["rapport"] and "164" in totals["rapport"]
        # A second run changes nothing: existing referents are never replaced.
        again = client.post("/api/v1/attributions", headers=ddets, json={"regles": RULES, "territoire": TERRITORY})
        assert (again.json()["attribues"], again.json()["referents_existants"]) == (0, 229)
        assert again.json()["par_structure"] == totals["par_structure"]

        runtime.tick()
        calls = tasks(client, ccas, type="appel", limite=500)
        assert len(calls) == 40 and tasks(client, ccas, type="visite") == []
        assert len(tasks(client, headers["MDSF La Roche-sur-Yon"], limite=500)) == 164
        assert len(tasks(client, headers["CAF 85"])) == 13
        assert tasks(client, ddets) == []  # every household has its referent
        worker = add_worker(client, ccas, "Agent CCAS")
        for n, task in enumerate(calls):
            outcome = "pas_de_reponse" if n < 8 else ("joint" if n % 2 else "rendez_vous_fixe")
            assert complete(client, ccas, task["id"], worker, outcome).status_code == 200
        clock.advance(days=7)
        runtime.tick()
        visits = tasks(client, ccas, type="visite")
        assert len(visits) == 12
        with runtime.session_factory() as session:
            for visit in visits:
                task = session.get_one(HumanTask, visit["id"])
                letter = session.scalars(select(Dispatch).where(
                    Dispatch.household_id == task.household_id, Dispatch.channel == "courrier")).one()
                assert letter.status == "delivered" and letter.sent_at is not None
                assert letter.sent_at < task.created_at  # a letter first, for those without a phone
        for n, visit in enumerate(visits):
            outcome = "absent" if n < 4 else "visite_realisee"
            assert complete(client, ccas, visit["id"], worker, outcome).status_code == 200
        report = client.get("/api/v1/taches/bilan", headers=ccas).json()
        assert (report["menages"], report["sans_suite"], report["avec_suite"], report["en_cours"]) == (52, 12, 40, 0)
        assert report["taux_sans_suite"] == 0.231
        assert report["par_resultat"]["pas_de_reponse"] == 8 and report["par_resultat"]["absent"] == 4


def test_scenario_8_missing_phone_and_existing_referent(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    headers = _structures(runtime)
    ddets, bailleur = headers["DDETS 85"], headers["Vendée Habitat"]
    campaign(runtime, owner="DDETS 85", name="Circuit des CDP", steps=VENDEE_CIRCUIT)
    monsieur_s = _person(1, parc="prive", born=1956, phone=False, montant_dette="2 311,00", nom="Sorin",
                         prenom="Serge", numero_allocataire=None)
    monsieur_d = _person(2, parc="social", born=1971, montant_dette="1 280,00", nom="Dupuis", prenom="Denis")
    assert client.post("/api/v1/signalements", headers=ddets, json=[monsieur_s, monsieur_d]).json()["crees"] == 2
    assert client.post("/api/v1/signalements", headers=bailleur,
                       json=[{**monsieur_d, "reference": "VH-77"}]).json()["crees"] == 1
    client.post("/api/v1/attributions/referents-connus", headers=ddets,
                json={"referents": [{"reference": "CDP-002", "structure": "MDSF La Roche-sur-Yon"}]})
    assert client.post("/api/v1/attributions", headers=bailleur, json={}).status_code == 403
    batch = client.post("/api/v1/attributions", headers=ddets, json={"regles": RULES}).json()
    assert batch["par_regle"] == {"prive_plus_50": 1, "referent_existant": 1}
    with runtime.session_factory() as session:
        referents = {
            c.nom: (session.get_one(Partner, h.referent_partner_id).name, h.referent_rule)
            for c, h in session.execute(select(Case, Household).join(Household, Household.id == Case.household_id))
            if h.referent_partner_id
        }
    assert referents == {"Sorin": ("CCAS La Roche-sur-Yon", "prive_plus_50"),
                         "Dupuis": ("MDSF La Roche-sur-Yon", "referent_existant")}
    runtime.tick()
    [call] = tasks(client, headers["MDSF La Roche-sur-Yon"])
    assert (call["type"], call["menage"]["nom"]) == ("appel", "Dupuis")
    assert tasks(client, headers["CCAS La Roche-sur-Yon"]) == []
    with runtime.session_factory() as session:
        first = session.scalars(select(Dispatch).where(Dispatch.status == "delivered", Dispatch.channel == "courrier"))
        # Names are encrypted at rest: no SQL comparison on them, the case is picked out once decrypted.
        [sorin] = [case.household_id for case in session.scalars(select(Case)) if case.nom == "Sorin"]
        assert [d.household_id for d in first] == [sorin]
    clock.advance(days=7)
    runtime.tick()
    [visit] = tasks(client, headers["CCAS La Roche-sur-Yon"])
    assert (visit["type"], visit["menage"]["nom"], visit["menage"]["telephone"]) == ("visite", "Sorin", None)
    detail = client.get(f"/api/v1/taches/{visit['id']}", headers=headers["CCAS La Roche-sur-Yon"]).json()
    assert detail["montant_dette"] == "2311.00"
    # Neither bailleur sees the referent identity: no task, and nothing about it on its own case.
    assert tasks(client, bailleur, statut="toutes") == []
    view = client.get("/api/v1/signalements/VH-77", headers=bailleur)
    assert view.status_code == 200
    for hidden in ("MDSF", "CCAS", "referent", "référent"):
        assert hidden not in view.text


def test_default_vendee_rules_fall_back_when_children_are_unknown(runtime: Runtime, client: TestClient) -> None:
    new_partner(runtime, "MDSF Les Herbiers", "departement")
    new_partner(runtime, "CCAS Les Herbiers", "ccas")
    new_partner(runtime, "CCAS Challans", "ccas")
    _, ddets = new_partner(runtime, "DDETS", "etat")
    rows = [
        _person(1, parc="social", born=1985, commune="Les Herbiers", code_postal="85500"),
        _person(2, parc="prive", born=1950, commune="Les Herbiers", code_postal="85500"),
    ]
    client.post("/api/v1/signalements", headers=ddets, json=rows)
    with runtime.session_factory.begin() as session:
        ids = households_at_stage(session, Stage.COMMANDEMENT_DE_PAYER)
        batch = attribute_referents(session, ids, rules=load_default_rules(), territory=load_default_territory(),
                                    now=runtime.clock())
        assert batch.result.by_rule == {"repli_mdsf": 2}  # no children column in the intake: unknown
        assert batch.by_partner == {"MDSF Les Herbiers": 2} and batch.assigned == 2
        case = session.scalars(select(Case).where(Case.reference == "CDP-001")).one()
        profile = household_profile(session.get_one(Household, case.household_id), [case], referent=None,
                                    today=date(2026, 11, 25))
        assert (profile.parc, profile.reference_person_age) == ("social", 41)
        assert (profile.has_children, profile.alf) == (None, None)
        assert profile.commune_insee == "85"


def test_ccas_found_by_commune_and_unknown_structure_left_to_designate(runtime: Runtime, client: TestClient) -> None:
    _, ddets = new_partner(runtime, "DDETS 85", "etat")
    new_partner(runtime, "CCAS Les Herbiers", "ccas")
    new_partner(runtime, "CCAS Challans", "ccas")
    rows = [
        _person(1, parc="social", born=1985, commune="Les Herbiers", code_postal="85500"),
        _person(2, parc="social", born=1985, commune="Luçon", code_postal="85400"),
        _person(3, parc="social", born=1960),
    ]
    client.post("/api/v1/signalements", headers=ddets, json=rows)
    batch = client.post("/api/v1/attributions", headers=ddets, json={"regles": RULES}).json()
    # Two CCAS and none named after Luçon: a person decides; no MDSF partner at all: the same.
    assert batch["par_structure"] == {"CCAS Les Herbiers": 1, "à désigner (CCAS)": 1, "à désigner (MDSF)": 1}
    assert (batch["attribues"], batch["a_designer"]) == (1, 2)


def test_known_referent_is_never_replaced(runtime: Runtime, client: TestClient) -> None:
    _, ddets = new_partner(runtime, "DDETS 85", "etat")
    new_partner(runtime, "CCAS Challans", "ccas")
    new_partner(runtime, "MDSF Challans", "departement")
    client.post("/api/v1/signalements", headers=ddets, json=[_person(1, parc="social", born=1985)])
    with runtime.session_factory.begin() as session:
        household_id = session.scalars(select(Household.id)).one()
        record_known_referent(session, household_id=household_id, partner_name="MDSF Challans", now=runtime.clock())
        try:
            record_known_referent(session, household_id=household_id, partner_name="CCAS Challans",
                                  now=runtime.clock())
            raise AssertionError("replaced")
        except ValidationError as exc:
            assert "déjà un référent" in str(exc)
    answer = client.post("/api/v1/attributions/referents-connus", headers=ddets,
                         json={"referents": [{"reference": "inconnue", "structure": "CCAS Challans"}]})
    assert answer.status_code == 404
    unknown = client.post("/api/v1/attributions/referents-connus", headers=ddets,
                          json={"referents": [{"reference": "CDP-001", "structure": "Nulle part"}]})
    assert unknown.status_code == 404 and "structure inconnue" in unknown.json()["detail"]
    batch = client.post("/api/v1/attributions", headers=ddets, json={"regles": RULES}).json()
    assert batch["par_structure"] == {"MDSF Challans": 1} and batch["attribues"] == 0
