"""The kinds of missed and false links measured by bench/linkage_errors.py (issue 17), one rule each, with French
examples: strangers sharing a flat, namesakes in another flat of the building, first names written in short,
no birth date but a shared contact, a couple whose wife is filed under her birth name, "St" glued to a name,
birth dates typed in words or with a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from campaigns.intake.fields import parse_row
from campaigns.linkage.blocking import first_name_forms, surname_forms
from campaigns.linkage.levels import abbreviates, name_level
from campaigns.linkage.matching import household_comparison
from campaigns.linkage.scoring import PersonRecord, compare
from tests.factories import signalement

FLAT = {"adresse": "31 chemin Timothée Valette", "complement_adresse": "Résidence Maillard bât A appt 12",
        "code_postal": "76244", "commune": "Gros-la-Forêt"}


def _person(**values: object) -> PersonRecord:
    base: dict[str, object] = {"nom": "Claessens", "prenom": "Luce", "date_naissance": date(1984, 6, 14), **FLAT}
    return PersonRecord(**(base | values))  # type: ignore[arg-type]


# --- strangers in one flat ---------------------------------------------------------------------------------------

def test_strangers_in_one_flat_are_two_households() -> None:
    # The tenant who left and the one who came after (or a flat number two buildings share): same flat, nothing
    # else in common.
    before = _person(telephone="05 27 48 40 43")
    after = _person(nom="Gossiaux", prenom="Éric", date_naissance=date(1981, 1, 6), telephone="03 30 12 59 61")
    assert household_comparison(before, after).decision == "non_match"
    assert household_comparison(before, replace(after, telephone=None, date_naissance=None)).decision == "non_match"


def test_same_flat_and_same_surname_is_one_household() -> None:
    # A couple (or a parent and child) pushed one person at a time by two partners.
    denise = _person(nom="Boillat", prenom="Denise", date_naissance=date(1986, 6, 12))
    gerard = _person(nom="BOILLAT", prenom="Gérard", date_naissance=date(1985, 8, 6))
    result = household_comparison(denise, gerard)
    assert result.decision == "match"
    assert "même logement et même nom" in result.explanation


def test_strangers_in_one_flat_sharing_a_phone_are_one_household() -> None:
    # Unmarried partners: other surnames, the household's phone in common.
    luce = _person(telephone="06 12 34 56 78")
    eric = _person(nom="Gossiaux", prenom="Éric", date_naissance=date(1981, 1, 6), telephone="+33 6 12 34 56 78")
    assert household_comparison(luce, eric).decision == "match"


def test_other_first_names_at_another_number_of_the_street_are_two_households() -> None:
    # Same surname and birth date, another first name, two doors down, nothing shared: another person who does
    # not live there (a twin next door), so another household; was left for review. A shared phone still links.
    thibault = _person(nom="Piron", prenom="Thibault", date_naissance=date(1965, 11, 14), complement_adresse=None)
    next_door = replace(thibault, prenom="Maxence", adresse="35 chemin Timothée Valette")
    assert household_comparison(thibault, next_door).agreements["lieu"] == "rue"
    assert household_comparison(thibault, next_door).decision == "non_match"
    phone = "06 11 22 33 44"
    shared = household_comparison(replace(thibault, telephone=phone), replace(next_door, telephone=phone))
    assert shared.decision != "non_match"


# --- namesakes in another flat of the building -------------------------------------------------------------------

def test_namesake_in_another_flat_is_reviewed_not_linked() -> None:
    piron = _person(nom="Piron", prenom="Thibault", date_naissance=date(1965, 11, 14),
                    complement_adresse="Résidence Maillard bât A appt 1")
    neighbour = replace(piron, complement_adresse="Résidence Maillard bât A appt 101")
    result = household_comparison(piron, neighbour)
    assert result.decision == "review"
    assert "autre logement de l'immeuble" in result.explanation


@pytest.mark.parametrize("other", [{"date_naissance": None}, {"prenom": "Capucine"}])
def test_another_flat_without_an_equal_birth_date_is_another_household(other: dict[str, object]) -> None:
    piron = _person(nom="Piron", prenom="Thibault", date_naissance=date(1965, 11, 14))
    neighbour = replace(piron, complement_adresse="Résidence Maillard bât A appt 101", **other)
    assert household_comparison(piron, neighbour).decision == "non_match"


def test_another_flat_with_a_shared_phone_keeps_its_link() -> None:
    piron = _person(nom="Piron", prenom="Thibault", telephone="0612345678")
    moved_upstairs = replace(piron, complement_adresse="Résidence Maillard bât A appt 101")
    assert household_comparison(piron, moved_upstairs).decision == "match"


# --- first names written in short ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("short", "full"),
    [("JP", "Jean-Pierre"), ("J.-P.", "Jean-Pierre"), ("J-Pierre", "Jean-Pierre"), ("JA", "Jean Alphonse"),
     ("AM", "Aurélie Marguerite"), ("Dom", "Dominique"), ("Steph", "Stéphane"), ("Alex", "Alexandre")],
)
def test_initials_and_clipped_first_names_are_partial(short: str, full: str) -> None:
    a, b = first_name_forms(short), first_name_forms(full)
    assert a is not None and b is not None
    assert abbreviates(a.words, b.words)
    assert name_level(a, b, first=True).level == "partial"
    assert name_level(b, a, first=True).level == "partial"


@pytest.mark.parametrize(("one", "other"), [("Paul", "Pauline"), ("Léo", "Léonie"), ("Jean", "Jeanne"),
                                            ("Louis", "Louisette"), ("Karim", "Nadia")])
def test_feminine_forms_and_other_names_are_not_short_forms(one: str, other: str) -> None:
    a, b = first_name_forms(one), first_name_forms(other)
    assert a is not None and b is not None
    assert name_level(a, b, first=True).level != "partial"


def test_short_forms_only_for_first_names() -> None:
    # A clipped surname is another name (BEN / BENALI, MART / MARTINEZ).
    assert name_level(surname_forms("Ben"), surname_forms("Benali")).level != "partial"


def test_first_name_initials_link_the_same_person() -> None:
    full = _person(nom="Goffinet", prenom="Jean Alphonse", date_naissance=date(1971, 12, 14))
    assert household_comparison(full, replace(full, prenom="JA")).decision == "match"
    # Twins keep their protection: other first names with the same birth date are reviewed.
    assert compare(full, replace(full, prenom="Julien")).decision == "review"


# --- no birth date, a shared contact ------------------------------------------------------------------------------

def test_no_birth_date_and_a_shared_phone_links_a_move() -> None:
    franck = _person(nom="Franck", prenom="Isabelle", telephone="04 55 20 84 42")
    moved = _person(nom="FRANCK", prenom="ISABELLE", date_naissance=None, telephone="+33 4 55 20 84 42",
                    adresse="16 r. de Leduc", complement_adresse=None, code_postal="76000", commune="Rouen")
    assert compare(franck, moved).decision == "match"
    # Nothing in common but the names: the namesake rule stands.
    assert compare(replace(franck, telephone=None), replace(moved, telephone=None)).decision == "non_match"


def test_no_birth_date_and_a_shared_phone_needs_both_names() -> None:
    franck = _person(nom="Franck", prenom="Isabelle", telephone="04 55 20 84 42")
    other = _person(nom="Franck", prenom="Irène", date_naissance=None, telephone="04 55 20 84 42",
                    adresse="16 r. de Leduc", complement_adresse=None, code_postal="76000", commune="Rouen")
    assert compare(franck, other).decision != "match"


# --- a couple, the wife under her birth name ----------------------------------------------------------------------

def _couple(**values: object) -> PersonRecord:
    base: dict[str, object] = {"nom": "Godin", "prenom": "Lara", "date_naissance": date(1978, 10, 22),
                               "nom_cotitulaire": "Godin", "prenom_cotitulaire": "Benjamin",
                               "date_naissance_cotitulaire": date(1972, 1, 4), **FLAT}
    return PersonRecord(**(base | values))  # type: ignore[arg-type]


def test_couple_at_another_address_with_the_wife_under_her_birth_name_is_linked() -> None:
    # The CAF files the wife under her birth name, at its own (mailing) address.
    caf = _couple(nom="CARRANZA", prenom="LARA", nom_cotitulaire="GODIN", prenom_cotitulaire="BENJAMIN",
                  adresse="12 chemin de Grondin", complement_adresse=None, code_postal="76622",
                  commune="Pelletier-sur-Roy")
    result = compare(_couple(), caf)
    assert result.decision == "match"
    assert "les deux personnes du couple concordent (l'autre personne +" in result.explanation


def test_couple_with_another_first_name_is_not_a_couple() -> None:
    other = _couple(nom="CARRANZA", prenom="LAURE", adresse="12 chemin de Grondin", complement_adresse=None,
                    code_postal="76622", commune="Pelletier-sur-Roy")
    assert compare(_couple(), other).decision == "non_match"


def test_couple_with_a_birth_name_needs_that_person_s_birth_date() -> None:
    other = _couple(nom="CARRANZA", date_naissance=None, adresse="12 chemin de Grondin", complement_adresse=None,
                    code_postal="76622", commune="Pelletier-sur-Roy")
    assert compare(_couple(), other).decision == "non_match"


# --- "St" glued to the name ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["ST-PIERRE", "Saint-Pierre", "St Pierre", "StPierre"])
def test_saint_glued_or_spelled_out_is_the_same_surname(spelling: str) -> None:
    assert name_level(surname_forms("StPierre"), surname_forms(spelling)).level == "exact"


# --- birth dates as spreadsheets type them ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "typed", ["12 mars 1985", "12 MARS 1985", "12  Mars  1985", "12-03-1985", "12.03.1985", "1985-03-12 00:00:00",
              "1985-03-12T00:00:00", "12/3/1985"])
def test_birth_dates_typed_the_french_way_are_read(typed: str) -> None:
    row, warnings = parse_row(signalement(date_naissance=typed, date_naissance_cotitulaire=typed,
                                          prenom_cotitulaire="Karim"), 1, today=date(2026, 12, 1))
    assert row is not None and not warnings
    assert row.date_naissance == row.date_naissance_cotitulaire == date(1985, 3, 12)


def test_first_of_the_month_and_abbreviated_months() -> None:
    for typed, expected in (("1er mai 1970", date(1970, 5, 1)), ("3 févr. 1980", date(1980, 2, 3)),
                            ("15 sept 1962", date(1962, 9, 15))):
        row, _ = parse_row(signalement(date_naissance=typed), 1, today=date(2026, 12, 1))
        assert row is not None and row.date_naissance == expected, typed


@pytest.mark.parametrize(("typed", "reason"), [("31 février 1980", "date inexistante"), ("hier", "date invalide"),
                                               ("12 brumaire 1985", "date invalide")])
def test_unreadable_birth_dates_are_still_dropped_with_a_warning(typed: str, reason: str) -> None:
    row, warnings = parse_row(signalement(date_naissance=typed), 1, today=date(2026, 12, 1))
    assert row is not None and row.date_naissance is None
    assert [w.field for w in warnings] == ["date_naissance"] and warnings[0].reason.startswith(reason)


def test_other_dates_keep_their_two_formats() -> None:
    row, errors = parse_row(signalement(date_stade="5 mars 2024"), 1, today=date(2026, 12, 1))
    assert row is None and errors[0].field == "date_stade"


# --- flat named on one side only, twins at one address, communes mistyped (issue 17) -----------------------------

BUILDING = {"adresse": "82 chemin Lopez", "code_postal": "74596", "commune": "Gaillard"}


def test_flat_named_on_one_side_only_without_a_contact_is_reviewed() -> None:
    # Éric Gaspard at appt 100 and an Éric Gaspard of the same birth date at the same address, no flat given, no
    # phone: the same man, or a namesake relative two floors down; a human decides.
    upstairs = _person(nom="Gaspard", prenom="Éric", date_naissance=date(1976, 10, 11), **BUILDING,
                       complement_adresse="apt 100", telephone="03 37 48 71 37")
    unknown = replace(upstairs, complement_adresse=None, telephone=None)
    result = household_comparison(upstairs, unknown)
    assert result.decision == "review"
    assert "logement indiqué d'un seul côté" in result.explanation
    # Another phone on top of it: another household.
    assert household_comparison(upstairs, replace(unknown, telephone="04 42 45 35 61")).decision == "non_match"
    # A shared phone, or the flat on both sides (or on neither), keeps the link.
    assert household_comparison(upstairs, replace(unknown, telephone="03 37 48 71 37")).decision == "match"
    assert household_comparison(upstairs, replace(unknown, complement_adresse="Appartement 100")).decision == "match"
    assert household_comparison(replace(upstairs, complement_adresse=None, telephone=None), unknown).decision == "match"


def test_same_surname_and_birth_date_at_one_address_is_one_household() -> None:
    # Twins at one address, or one person whose first name was written wrong: one household.
    lina = _person(nom="Stephenson", prenom="Lina", **BUILDING, complement_adresse="Résidence Nazareth")
    jade = replace(lina, prenom="Jade", complement_adresse=None)
    result = household_comparison(lina, jade)
    assert result.decision == "match"
    assert "même nom et même date de naissance, autre prénom" in result.explanation
    # First names sharing their initial only are other first names too (twins Lina and Lou): the same household.
    lou = replace(jade, prenom="Lou")
    assert compare(lina, lou).agreements["prenom"] == "initial"
    assert compare(lina, lou).decision == "review"
    assert household_comparison(lina, lou).decision == "match"
    assert household_comparison(lina, replace(lou, complement_adresse="appt 4")).decision == "review"
    # Another birth date, or another address: not this rule.
    assert household_comparison(lina, replace(jade, date_naissance=date(1990, 2, 1))).decision != "match"
    assert household_comparison(lina, replace(jade, adresse="4 rue Colas")).decision != "match"
    # A flat named on one side only: maybe a twin in another flat of the building; reviewed.
    assert household_comparison(lina, replace(jade, complement_adresse="appt 4")).decision == "review"


@pytest.mark.parametrize(("spelt", "linked"), [("Gaillrad", True), ("GAILLARD CEDEX", True), ("Gail lard", True),
                                               ("Bonneville", False)])
def test_a_commune_mistyped_is_the_same_commune(spelt: str, linked: bool) -> None:
    # The postcode mistyped too (two digits swapped): one keying error in each is one place, not a move. (Another
    # street here: the same number and street would make one address of it, test below.)
    luce = _person(**BUILDING)
    other = replace(luce, commune=spelt, code_postal="74569", adresse="5 rue des Écoles")
    assert (household_comparison(luce, other).agreements["lieu"] not in ("departement", "ailleurs")) is linked


def test_the_same_number_and_street_in_another_commune_is_one_address() -> None:
    # Commune and postcode both keyed wrong beyond one keystroke, the number and street agreeing (the street
    # glued, or a letter slipped): the same address, the namesake rule does not apply (issue 17).
    luce = _person(nom="Humphreys", prenom="Erin", date_naissance=date(1967, 5, 19), adresse="11 rue de l'Endeavour",
                   complement_adresse=None, code_postal="74873", commune="Umina")
    for street in ("11 rue de l'Endeavour", "11 rue Endeavuor", "11 rue Endeavour-Lac"):
        other = replace(luce, adresse=street, code_postal="74874", commune="Élanora")
        result = household_comparison(luce, other)
        assert result.agreements["lieu"] == "immeuble" and result.decision == "match", street
        assert "commune ou code postal différents" in result.explanation
    # Another number, or another département: the namesake rule stands.
    assert household_comparison(luce, replace(luce, adresse="12 rue de l'Endeavour", code_postal="74874",
                                              commune="Élanora")).decision == "non_match"
    assert household_comparison(luce, replace(luce, code_postal="38000", commune="Grenoble")).decision == "non_match"


def test_a_surname_sounding_the_same_in_one_flat_without_a_birth_date_is_one_household() -> None:
    # The same first name in the same flat, one birth date missing, the surname written by ear ("Gauthier"/
    # "Gotier") or in part: the same person. At the address without the flat on both sides: not this rule.
    gauthier = _person(nom="Gauthier", prenom="Odile")
    gotier = replace(gauthier, nom="Gotier", date_naissance=None)
    assert compare(gauthier, gotier).agreements["nom"] == "phonetic"
    assert compare(gauthier, gotier).decision != "match"
    result = household_comparison(gauthier, gotier)
    assert result.decision == "match"
    assert "date de naissance absente" in result.explanation
    assert household_comparison(gauthier, replace(gotier, complement_adresse=None)).decision != "match"
    assert household_comparison(gauthier, replace(gotier, prenom="Sylvie")).decision != "match"



def test_the_same_first_name_in_one_flat_without_a_birth_date_is_one_household_whatever_the_surname() -> None:
    # The CAF files Luce under her birth name (Vienne), the bailleur under her married name (Raynaud), one birth
    # date missing: the same flat and the same first name make her the same person.
    married = _person(nom="Raynaud", prenom="Luce", date_naissance=date(2001, 6, 2))
    birth = replace(married, nom="VIENNE", prenom="LUCE", date_naissance=None, numero_allocataire="7214924")
    assert compare(married, birth).decision == "non_match"
    result = household_comparison(married, birth)
    assert result.decision == "match"
    assert "date de naissance absente" in result.explanation
    # Not at the address without the flat on both sides, nor with a phone that differs (the tenant after, of the
    # same first name), nor with another first name.
    assert household_comparison(married, replace(birth, complement_adresse=None)).decision != "match"
    assert household_comparison(replace(married, telephone="06 11 22 33 44"),
                                replace(birth, telephone="06 55 66 77 88")).decision != "match"
    assert household_comparison(married, replace(birth, prenom="Sylvie")).decision != "match"
