"""Vendée referent attribution: each rule, rule order and validation, territory, scenario 2 (243 CDP)."""

from __future__ import annotations

import random
from typing import Any

import pytest
import yaml

from campaigns.campaign.config import parse_campaigns_yaml
from campaigns.platform.errors import ValidationError
from campaigns.queues.rules import (
    EXISTING_RULE_ID,
    UNTREATED_RULE_ID,
    Attribution,
    HouseholdProfile,
    RuleSet,
    attribute_batch,
    load_default_rules,
    load_default_territory,
    load_rules,
    load_territory,
    resolve_structure,
    structure_kind,
)

RULES = load_default_rules()
TERRITORY = load_default_territory()

RULE_0: dict[str, Any] = {"id": EXISTING_RULE_ID, "description": "Référent connu conservé", "assign": "existing"}
FALLBACK: dict[str, Any] = {"id": "repli", "description": "Repli", "assign": "MDSF"}
SOCIAL: dict[str, Any] = {"id": "social", "description": "Parc social", "when": {"parc": ["social"]}, "assign": "CCAS"}


def _yaml(*rules: dict[str, Any]) -> str:
    return yaml.safe_dump({"rules": list(rules)}, allow_unicode=True)


# --- each Vendée rule -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("profile", "structure", "rule_id"),
    [
        # Rule 0 wins even where the criteria would say otherwise (here: social family under 50 → CCAS).
        (HouseholdProfile(parc="social", has_children=True, reference_person_age=30,
                          existing_referent="MDSF Challans"), "MDSF Challans", EXISTING_RULE_ID),
        (HouseholdProfile(parc="social", has_children=True, reference_person_age=35), "CCAS",
         "social_famille_moins_50"),
        (HouseholdProfile(parc="social", has_children=True, reference_person_age=49), "CCAS",
         "social_famille_moins_50"),
        (HouseholdProfile(parc="social", has_children=False, reference_person_age=50), "MDSF",
         "social_plus_50_sans_enfant"),
        (HouseholdProfile(parc="prive", has_children=True, reference_person_age=30, alf=True), "CAF",
         "prive_famille_alf"),
        # The ALF rule does not look at the age: it comes before the "moins de 50 ans" rule.
        (HouseholdProfile(parc="prive", has_children=True, reference_person_age=56, alf=True), "CAF",
         "prive_famille_alf"),
        (HouseholdProfile(parc="prive", has_children=True, reference_person_age=30, alf=False), "MDSF",
         "prive_famille_moins_50"),
        # An unknown ALF status does not meet the CAF criterion.
        (HouseholdProfile(parc="prive", has_children=True, reference_person_age=30), "MDSF",
         "prive_famille_moins_50"),
        # Monsieur S. (scenario 8): 70, alone, private landlord, unknown to services.
        (HouseholdProfile(parc="prive", has_children=False, reference_person_age=70), "CCAS",
         "prive_plus_50_sans_enfant"),
        # Gaps of the criteria (docs/domain.md §9.1) go to the fallback.
        (HouseholdProfile(parc="social", has_children=True, reference_person_age=55), "MDSF", "repli_mdsf"),
        (HouseholdProfile(parc="social", has_children=False, reference_person_age=30), "MDSF", "repli_mdsf"),
        (HouseholdProfile(parc="prive", has_children=True, reference_person_age=50, alf=False), "MDSF",
         "repli_mdsf"),
        (HouseholdProfile(parc=None, has_children=True, reference_person_age=30), "MDSF", "repli_mdsf"),
        (HouseholdProfile(parc="social", has_children=True), "MDSF", "repli_mdsf"),
        (HouseholdProfile(parc="social", reference_person_age=60), "MDSF", "repli_mdsf"),
    ],
)
def test_vendee_rules(profile: HouseholdProfile, structure: str, rule_id: str) -> None:
    assert RULES.evaluate(profile) == Attribution(structure, rule_id, untreated=False)


def test_vendee_rule_set_order() -> None:
    assert [rule.id for rule in RULES.rules] == [
        EXISTING_RULE_ID, "social_famille_moins_50", "social_plus_50_sans_enfant", "prive_famille_alf",
        "prive_famille_moins_50", "prive_plus_50_sans_enfant", "repli_mdsf",
    ]
    assert all(rule.description for rule in RULES.rules)


def test_monsieur_d_keeps_his_mdsf_referent() -> None:
    # Scenario 8: 55, one dependent child, public landlord, already followed by the MDSF: no new attribution.
    d = HouseholdProfile(parc="social", has_children=True, reference_person_age=55, existing_referent="MDSF")
    assert RULES.evaluate(d) == Attribution("MDSF", EXISTING_RULE_ID)


def test_closed_case_is_untreated() -> None:
    closed = HouseholdProfile(parc="prive", has_children=True, reference_person_age=30, alf=True,
                              closed_reason="déménagement")
    assert RULES.evaluate(closed) == Attribution(None, UNTREATED_RULE_ID, untreated=True)


def test_closed_case_keeps_its_known_referent_recorded() -> None:
    closed = HouseholdProfile(existing_referent="CCAS Challans", closed_reason="dette soldée")
    assert RULES.evaluate(closed) == Attribution("CCAS Challans", UNTREATED_RULE_ID, untreated=True)
    batch = attribute_batch([closed], RULES)
    assert (batch.untreated, dict(batch.by_kind)) == (1, {})


def test_allocataire_and_none_assignments() -> None:
    rules = load_rules(_yaml(
        RULE_0,
        {"id": "non_alloc", "description": "Non allocataire", "when": {"allocataire": ["non", "inconnu"]},
         "assign": "none"},
        FALLBACK,
    ))
    assert rules.evaluate(HouseholdProfile(allocataire="non")) == Attribution(None, "non_alloc")
    assert rules.evaluate(HouseholdProfile()) == Attribution(None, "non_alloc")  # unknown counts as "inconnu"
    assert rules.evaluate(HouseholdProfile(allocataire="oui")) == Attribution("MDSF", "repli")


# --- order and validation -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ((SOCIAL, FALLBACK), "règle « social » (n°1), champ id : la première règle doit être « referent_existant »"),
        ((SOCIAL, RULE_0, FALLBACK), "règle « social » (n°1), champ id"),
        (({**RULE_0, "assign": "MDSF"}, FALLBACK), "règle « referent_existant » (n°1), champ assign"),
        (({**RULE_0, "when": {"parc": ["social"]}}, FALLBACK), "règle « referent_existant » (n°1), champ when"),
        ((RULE_0, SOCIAL), "règle « social » (n°2), champ when : la dernière règle doit être une règle de repli"),
        ((RULE_0, FALLBACK, SOCIAL, {**FALLBACK, "id": "repli_2"}),
         "règle « repli » (n°2), champ when : seule la dernière règle"),
        ((RULE_0,), "il manque la règle de repli"),
        ((RULE_0, SOCIAL, {**SOCIAL, "assign": "MDSF"}, FALLBACK), "règle « social » (n°3), champ id : "
                                                                    "identifiant en double"),
        ((RULE_0, {**FALLBACK, "id": "non_traite"}), "règle « non_traite » (n°2), champ id : identifiant réservé"),
        ((RULE_0, {**SOCIAL, "assign": "existing"}, FALLBACK), "règle « social » (n°2), champ assign : "
                                                                "« existing » est réservé"),
        ((RULE_0, {**SOCIAL, "when": {"has_children": "oui"}}, FALLBACK),
         "règle « social » (n°2), champ when.has_children : doit valoir true ou false"),
        ((RULE_0, {**SOCIAL, "when": {"enfants": True}}, FALLBACK), "champ when.enfants : champ inconnu"),
        ((RULE_0, {**SOCIAL, "when": {"parc": ["hlm"]}}, FALLBACK),
         "champ when.parc.0 : valeur non admise (attendu : 'social' ou 'prive')"),
        ((RULE_0, {**SOCIAL, "when": {"age_min": 60, "age_max": 50}}, FALLBACK),
         "champ when : age_min (60) dépasse age_max (50)"),
        ((RULE_0, {**SOCIAL, "when": {}}, FALLBACK), "champ when : condition vide"),
        ((RULE_0, {**SOCIAL, "when": {"age_min": -1}}, FALLBACK), "champ when.age_min : doit être supérieur ou égal"),
        ((RULE_0, {**SOCIAL, "assign": "mdsf"}, FALLBACK), "champ assign : écrivez « MDSF » en majuscules"),
        ((RULE_0, {"id": "sans_desc", "assign": "CAF", "when": {"alf": True}}, FALLBACK),
         "règle « sans_desc » (n°2), champ description : champ obligatoire"),
        ((RULE_0, {**SOCIAL, "id": "Social-1"}, FALLBACK), "règle « Social-1 » (n°2), champ id : format invalide"),
    ],
)
def test_invalid_rule_sets_are_refused_in_french(rules: tuple[dict[str, Any], ...], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_rules(_yaml(*rules))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [("rules: [a, : b", "YAML illisible"), ("rules: []", "liste « rules » non vide"), ("42", "liste « rules »"),
     ("rules:\n  - id: a\n    depuis: 2026-02-30\n",
      "règles, champ « depuis », ligne 3, colonne 13 : date impossible « 2026-02-30 »")],
)
def test_unreadable_documents(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        load_rules(text)


def test_an_impossible_date_in_campaign_files_or_a_territory_is_a_french_error() -> None:
    with pytest.raises(ValidationError, match="campagnes, champ « debut », ligne 2, colonne 12 : date impossible"):
        parse_campaigns_yaml("campaigns:\n  - debut: 2026-02-30\n")
    with pytest.raises(ValidationError, match="territoire, ligne 1, colonne 1 : date impossible « 2026-13-01 »"):
        load_territory("2026-13-01")


def test_rule_0_cannot_be_removed_in_code_either() -> None:
    with pytest.raises(ValidationError, match="referent_existant"):
        RuleSet(RULES.rules[1:])


def test_bare_list_is_accepted() -> None:
    assert [r.id for r in load_rules(yaml.safe_dump([RULE_0, FALLBACK])).rules] == [EXISTING_RULE_ID, "repli"]


# --- territory ----------------------------------------------------------------------------------------------------

def test_territory_resolution() -> None:
    assert resolve_structure("CCAS", "85191", TERRITORY) == "CCAS La Roche-sur-Yon"
    # One MDSF sector covers several communes.
    assert resolve_structure("MDSF", "85155", TERRITORY) == resolve_structure("MDSF", "85191", TERRITORY)
    assert resolve_structure("MDSF", "85194", TERRITORY) == "MDSF Les Sables-d'Olonne"
    # The CAF comes from the département entry, also for a commune that is not listed.
    assert resolve_structure("CAF", "85191", TERRITORY) == "CAF 85"
    assert resolve_structure("CAF", "85003", TERRITORY) == "CAF 85"
    assert resolve_structure("CCAS", "85003", TERRITORY) is None
    assert resolve_structure("CAF", "44109", TERRITORY) is None
    assert resolve_structure("CAF", None, TERRITORY) is None


def test_overseas_and_corsican_departements() -> None:
    territory = load_territory('territoire:\n  "971": {CAF: "CAF Guadeloupe"}\n  "2A": {CAF: "CAF Corse-du-Sud"}\n')
    assert resolve_structure("CAF", "97105", territory) == "CAF Guadeloupe"
    assert resolve_structure("CAF", "2A004", territory) == "CAF Corse-du-Sud"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("territoire:\n  85191: {CCAS: x}\n", "code « 85191 » : code INSEE (5 caractères) ou département"),
        ('territoire:\n  "85191": [CCAS]\n', "code « 85191 » : attendu un dictionnaire"),
        ('territoire:\n  "85191": {CCAS: ""}\n', "code « 85191 » : attendu un dictionnaire"),
        ('territoire:\n  "9710": {CAF: x}\n', "code « 9710 »"),
        ("communes: {}\n", "dictionnaire « territoire » non vide"),
    ],
)
def test_invalid_territory(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_territory(text)
    assert message in str(caught.value)


def test_structure_kind() -> None:
    assert [structure_kind(c) for c in ("CCAS La Roche-sur-Yon", "MDSF", "CAF 85", "Vendée Habitat", None)] == [
        "CCAS", "MDSF", "CAF", "Vendée Habitat", "aucun"]


def test_batch_names_the_structure_covering_the_commune() -> None:
    profiles = [
        HouseholdProfile(parc="social", has_children=True, reference_person_age=30, commune_insee="85191"),
        HouseholdProfile(parc="prive", has_children=True, reference_person_age=30, alf=True, commune_insee="85047"),
        HouseholdProfile(parc="prive", has_children=False, reference_person_age=70, commune_insee="85003"),
        HouseholdProfile(existing_referent="MDSF", commune_insee="85191"),
    ]
    batch = attribute_batch(profiles, RULES, territory=TERRITORY)
    assert [a.structure for a in batch.attributions] == ["CCAS La Roche-sur-Yon", "CAF 85", "CCAS", "MDSF"]
    assert dict(batch.by_kind) == {"CCAS": 2, "CAF": 1, "MDSF": 1}
    assert "Par structure" in batch.format_fr()


# --- scenario 2: Vendée monthly concertation, 243 CDP (docs/domain.md §13) -----------------------------------------

SECTORS = ("La Roche-sur-Yon", "Les Sables-d'Olonne", "Challans", "Les Herbiers", "Fontenay-le-Comte")
CLOSED_REASONS = ("déménagement", "dette soldée", "réorientation vers un service social spécialisé", "hors secteur",
                  "décès du locataire")


def _scenario_2_profiles() -> list[HouseholdProfile]:
    existing = (
        # Profiles the criteria would route elsewhere, to show that rule 0 leaves known referents untouched.
        [HouseholdProfile(parc="social", has_children=True, reference_person_age=30,
                          existing_referent=f"MDSF {SECTORS[i % 5]}") for i in range(110)]
        + [HouseholdProfile(parc="prive", has_children=True, reference_person_age=28, alf=True,
                            existing_referent=f"CCAS {SECTORS[i % 5]}") for i in range(22)]
        + [HouseholdProfile(parc="social", has_children=False, reference_person_age=62, existing_referent="CAF 85")
           for _ in range(2)]
    )
    new = (
        # 54 → MDSF: 20 social +50 without children, 20 private families under 50 without ALF, 14 uncovered.
        [HouseholdProfile(parc="social", has_children=False, reference_person_age=50 + i) for i in range(20)]
        + [HouseholdProfile(parc="prive", has_children=True, reference_person_age=25 + i, alf=False)
           for i in range(20)]
        + [HouseholdProfile(parc="social", has_children=False, reference_person_age=30 + i) for i in range(7)]
        + [HouseholdProfile(parc="social", has_children=True, reference_person_age=51 + i) for i in range(7)]
        # 30 → CCAS: 18 social families under 50, 12 private +50 without children.
        + [HouseholdProfile(parc="social", has_children=True, reference_person_age=22 + i) for i in range(18)]
        + [HouseholdProfile(parc="prive", has_children=False, reference_person_age=55 + i) for i in range(12)]
        # 11 → CAF: private families receiving the ALF.
        + [HouseholdProfile(parc="prive", has_children=True, reference_person_age=24 + i, alf=True)
           for i in range(11)]
    )
    closed = [HouseholdProfile(parc="prive", has_children=True, reference_person_age=40,
                               closed_reason=CLOSED_REASONS[i % 5]) for i in range(14)]
    profiles = existing + new + closed
    random.Random(2021).shuffle(profiles)  # a concertation sees them mixed
    return profiles


def test_scenario_2_reproduces_the_vendee_distribution() -> None:
    profiles = _scenario_2_profiles()
    assert len(profiles) == 243
    batch = attribute_batch(profiles, RULES)

    assert dict(batch.by_kind) == {"MDSF": 164, "CCAS": 52, "CAF": 13}
    assert batch.untreated == 14
    assert dict(batch.new_by_kind) == {"MDSF": 54, "CCAS": 30, "CAF": 11}
    assert dict(batch.by_rule) == {
        EXISTING_RULE_ID: 134, "social_plus_50_sans_enfant": 20, "prive_famille_moins_50": 20, "repli_mdsf": 14,
        "social_famille_moins_50": 18, "prive_plus_50_sans_enfant": 12, "prive_famille_alf": 11,
        UNTREATED_RULE_ID: 14,
    }
    # Attributions follow the input order; every known referent is kept as it was.
    assert len(batch.attributions) == 243
    for profile, attribution in zip(profiles, batch.attributions, strict=True):
        if profile.closed_reason:
            assert attribution == Attribution(None, UNTREATED_RULE_ID, untreated=True)
        elif profile.existing_referent:
            assert attribution == Attribution(profile.existing_referent, EXISTING_RULE_ID)
        else:
            assert attribution.rule_id not in (EXISTING_RULE_ID, UNTREATED_RULE_ID)


def test_scenario_2_table_matches_the_slide() -> None:
    table = attribute_batch(_scenario_2_profiles(), RULES).format_fr().splitlines()
    # Percentages as printed on the slide [001 L109–115]; largest-remainder rounding makes MDSF 68 %, not 67 %.
    assert table[0] == "Répartition des attributions (243 dossiers)"
    rows = [line.split() for line in table[2:7]]
    assert rows == [
        ["MDSF", "164", "68", "%", "54"],
        ["CCAS", "52", "21", "%", "30"],
        ["CAF", "13", "5", "%", "11"],
        ["Non", "traités", "14", "6", "%", "—"],
        ["Total", "243", "100", "%", "95"],
    ]
    assert "Par structure" in table  # existing referents are named structures ("MDSF Challans"…)
