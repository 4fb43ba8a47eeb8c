"""Learned linkage parameters (issue 17): training, term frequencies, neutral missing values, namesakes, missed
links, stored versions and the operator's commands, phones read in any French form."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from campaigns.cli.main import app
from campaigns.intake.fields import parse_row
from campaigns.intake.jobs import push_items
from campaigns.linkage import versions
from campaigns.linkage.blocking import hashed_keys
from campaigns.linkage.levels import LEVELS
from campaigns.linkage.matching import household_comparison
from campaigns.linkage.parameters import Parameters, defaults
from campaigns.linkage.scoring import PersonRecord, compare
from campaigns.linkage.training import blocked_pairs, train
from campaigns.models import LinkageParameterSet, Partner
from campaigns.runtime.root import Runtime
from tests.conftest import FIXED_KEYRING, new_partner
from tests.factories import signalement

KARIM = PersonRecord(
    nom="Benali", prenom="Karim", date_naissance=date(1985, 3, 12), adresse="12 rue de la Paix",
    complement_adresse="Bât B appt 14", code_postal="44000", commune="Nantes", telephone="06 12 34 56 78",
)
SURNAMES = ["Martin", "Martin", "Martin", "Kerbrat", "Le Goff", "Nguyen", "Diallo", "Quéméner", "Abgrall", "Trividic"]
FIRST = ["Marie", "Jean", "Karim", "Aïcha", "Yann", "Sophie", "Loïc", "Fatou"]


def _population(size: int, seed: int = 3) -> list[PersonRecord]:
    """People, each pushed one to three times with partner variations (no label is given to training)."""
    rng = random.Random(seed)
    records = []
    for n in range(size):
        person = PersonRecord(
            nom=f"{rng.choice(SURNAMES)}{'' if rng.random() < 0.5 else chr(65 + n % 26).lower() * 2}",
            prenom=rng.choice(FIRST), date_naissance=date(1950, 1, 1) + timedelta(days=rng.randrange(20_000)),
            adresse=f"{rng.randrange(1, 80)} rue {rng.choice(['Pasteur', 'Carnot', 'Voltaire', 'Jaurès'])}",
            code_postal=f"{rng.choice(['44', '85', '93'])}{rng.randrange(0, 9)}00", commune=f"Commune {n % 40}",
            telephone=f"06{rng.randrange(10**8):08d}" if rng.random() < 0.6 else None,
        )
        for _ in range(rng.choice([1, 2, 3])):
            records.append(replace(person, date_naissance=None if rng.random() < 0.1 else person.date_naissance,
                                   telephone=person.telephone if rng.random() < 0.7 else None,
                                   nom=person.nom.upper() if rng.random() < 0.5 else person.nom))
    return records


def test_training_learns_m_above_u_and_common_names_weigh_less() -> None:
    records = _population(600)
    params = train(records, version="essai", samples=20_000, iterations=15)
    for name in ("nom", "prenom", "date_naissance", "telephone"):
        first = LEVELS[name][0]
        assert params.m[name][first] > params.u[name][first], name
        assert params.weights[name][first] > 0 > params.weights[name][LEVELS[name][-1]], name
    assert 0 < params.prior < 0.01
    assert params.trained["blocked_pairs"] == len(blocked_pairs(records))
    # Martin is a third of the surnames: an exact Martin weighs less than an exact rare name.
    assert "MARTIN" in params.tf["nom"]
    assert params.weight("nom", "exact", "MARTIN") < params.weight("nom", "exact", "TRIVIDIC")
    assert Parameters.from_json(params.to_json()).weights == params.weights


def test_shipped_defaults_were_trained_and_are_complete() -> None:
    params = defaults()
    assert params.trained["method"] and params.trained["records"] > 10_000
    assert set(params.m) == set(LEVELS)
    assert params.weight("nom", "exact", "MARTIN") < params.weight("nom", "exact")


def test_missing_values_are_neutral() -> None:
    full = compare(KARIM, replace(KARIM, telephone=None))
    assert "telephone" not in full.agreements
    without_date = compare(replace(KARIM, telephone=None), replace(KARIM, telephone=None, date_naissance=None))
    expected = full.score - defaults().weight("date_naissance", "equal")
    assert abs(without_date.score - expected) < 0.02
    assert "date de naissance absente (neutre)" in without_date.explanation


def test_namesakes_in_another_commune_without_shared_contact_are_not_linked() -> None:
    elsewhere = replace(KARIM, adresse="8 bd Victor Hugo", code_postal="69003", commune="Lyon", telephone=None,
                        complement_adresse=None)
    result = compare(KARIM, elsewhere)
    assert result.decision == "non_match"
    assert "homonyme dans une autre commune" in result.explanation
    same_department = replace(elsewhere, code_postal="44400", commune="Rezé")
    assert compare(KARIM, same_department).decision == "non_match"


def test_a_move_is_linked_when_a_phone_or_the_caf_number_is_shared() -> None:
    moved = replace(KARIM, adresse="8 bd Victor Hugo", code_postal="69003", commune="Lyon", complement_adresse=None)
    assert compare(KARIM, moved).decision == "match"
    with_number = replace(KARIM, numero_allocataire="1234567")
    assert compare(with_number, replace(moved, telephone=None, code_postal="44300", commune="Nantes",
                                        numero_allocataire="1234567")).decision == "match"


def test_no_birth_date_linked_on_name_building_and_flat() -> None:
    a, b = replace(KARIM, telephone=None), replace(KARIM, telephone=None, date_naissance=None)
    assert compare(a, b).decision == "match"
    assert household_comparison(a, b).decision == "match"


def test_one_letter_typo_without_birth_date_is_blocked_and_linked() -> None:
    a = replace(KARIM, telephone=None, date_naissance=None)
    for typo in ("Bnali", "Venali", "Benalli", "Bneali"):
        b = replace(a, nom=typo)
        assert set(hashed_keys(a, FIXED_KEYRING)) & set(hashed_keys(b, FIXED_KEYRING)), typo
        assert household_comparison(a, b).decision == "match", (typo, compare(a, b).explanation)
    first_name = replace(a, prenom="Karm")
    assert set(hashed_keys(a, FIXED_KEYRING)) & set(hashed_keys(first_name, FIXED_KEYRING))


def test_common_name_namesakes_weigh_less_in_the_explanation() -> None:
    martin = replace(KARIM, nom="Martin", telephone=None, complement_adresse=None)
    rare = replace(KARIM, nom="Quéméner", telephone=None, complement_adresse=None)
    assert compare(martin, replace(martin)).score < compare(rare, replace(rare)).score


def test_review_explanation_gives_each_field_weight_in_french() -> None:
    result = compare(KARIM, replace(KARIM, prenom="Nadia"))
    assert result.decision == "review"
    assert "nom identique +" in result.explanation and "prénoms différents -" in result.explanation
    assert "probabilité" in result.explanation and 0 <= result.probability <= 1


def test_phone_without_its_leading_zero_is_read_and_unreadable_ones_are_dropped_with_a_warning() -> None:
    row, warnings = parse_row(signalement(telephone="781032831"), 4, today=date(2026, 11, 25))
    assert row is not None and row.telephone == "+33781032831" and warnings == []
    row, warnings = parse_row(signalement(telephone="12-34", email="pas une adresse"), 4, today=date(2026, 11, 25))
    assert row is not None and row.telephone is None and row.email is None
    assert [(w.row_number, w.field, w.warning) for w in warnings] == [(4, "telephone", True), (4, "email", True)]
    assert all("la ligne est gardée" in w.reason for w in warnings)


def test_unreadable_phone_keeps_the_row_in_a_push(runtime: Runtime) -> None:
    partner_id, _ = new_partner(runtime, "Département", "departement")
    with runtime.session_factory.begin() as session:
        job = push_items(session, partner=session.get_one(Partner, partner_id),
                         items=[signalement("D-1", telephone="781032831"), signalement("D-2", telephone="0")],
                         now=runtime.clock())
        assert (job.created_count, job.rejected_count) == (2, 0)


def _push(runtime: Runtime, partner_id: int, rows: list[dict[str, Any]]) -> None:
    with runtime.session_factory.begin() as session:
        push_items(session, partner=session.get_one(Partner, partner_id), items=rows, now=runtime.clock())


def test_versions_are_stored_compared_and_activated(runtime: Runtime) -> None:
    partner_id, _ = new_partner(runtime, "Habitat", "bailleur_social")
    rng = random.Random(5)
    rows = [signalement(f"R-{i}", nom=rng.choice(SURNAMES) + ("e" if i % 7 == 0 else ""),
                        prenom=rng.choice(FIRST), date_naissance=f"{1 + i % 28:02d}/0{1 + i % 9}/19{50 + i % 40}",
                        adresse=f"{i % 30 + 1} rue Carnot", telephone=None, numero_allocataire=None)
            for i in range(120)]
    _push(runtime, partner_id, rows)
    with runtime.session_factory() as session:
        assert versions.active_parameters(session) is defaults()
        params = versions.train_on_base(session, version="v2", limit=1_000, seed=1)
        changes = versions.compare_versions(session, params, limit=1_000)
        assert changes["paires comparées"] > 0
    with runtime.session_factory.begin() as session:
        versions.save_version(session, params, now=runtime.clock())
    with runtime.session_factory.begin() as session:
        versions.activate(session, "v2", now=runtime.clock())
    with runtime.session_factory() as session:
        assert versions.active_parameters(session).version == "v2"
        assert session.scalar(select(LinkageParameterSet.active).where(LinkageParameterSet.version == "v2"))
    with runtime.session_factory.begin() as session:
        versions.activate(session, defaults().version, now=runtime.clock())
    with runtime.session_factory() as session:
        assert versions.active_parameters(session) is defaults()


def test_cli_trains_compares_and_activates(sqlite_runtime: Runtime, monkeypatch: Any) -> None:
    monkeypatch.setattr("campaigns.cli.linkage.open_runtime", lambda: sqlite_runtime)
    partner_id, _ = new_partner(sqlite_runtime, "Habitat", "bailleur_social")
    _push(sqlite_runtime, partner_id, [signalement(f"R-{i}", nom=SURNAMES[i % 10], prenom=FIRST[i % 8],
                                                   adresse=f"{i % 20 + 1} rue Carnot", telephone=None,
                                                   numero_allocataire=None) for i in range(80)])
    runner = CliRunner()
    trained = runner.invoke(app, ["rapprochement", "entrainer", "--version", "essai", "--echantillon", "500"])
    assert trained.exit_code == 0, trained.output
    assert "Version « essai » enregistrée" in trained.output and "paires comparées" in trained.output
    compared = runner.invoke(app, ["rapprochement", "comparer", "essai"])
    assert compared.exit_code == 0 and "comparée à la version active" in compared.output
    assert runner.invoke(app, ["rapprochement", "activer", "essai"]).exit_code == 0
    assert "(active)" in runner.invoke(app, ["rapprochement", "versions"]).output
    unknown = runner.invoke(app, ["rapprochement", "activer", "inconnue"])
    assert unknown.exit_code == 1
