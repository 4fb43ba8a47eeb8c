from datetime import date

import pytest

from campaigns.linkage.identity import (
    CommuneParts,
    NameParts,
    birth_date_agreement,
    commune_parts,
    complement_tokens,
    extract_complement,
    fold,
    is_french_mobile,
    name_keys,
    name_tokens,
    normalise_commune,
    normalise_name,
    normalise_phone,
    normalise_street,
    postcode_department,
    postcode_typo,
    split_usage_names,
)

# --- names -------------------------------------------------------------------------------------------------------


def test_fold_removes_accents_and_ligatures():
    assert fold("Hélène Œuvray-Lætitia") == "HELENE OEUVRAY-LAETITIA"


@pytest.mark.parametrize(("left", "right"), [("Hélène", "HELENE"), ("Françoise", "FRANCOISE"), ("Loïc", "LOIC")])
def test_name_case_and_accents_folded(left, right):
    assert normalise_name(left) == normalise_name(right)


@pytest.mark.parametrize(("left", "right"), [("Jean-Pierre", "Jean Pierre"), ("Jean - Pierre", "JEAN  PIERRE")])
def test_name_hyphens_and_spaces(left, right):
    assert normalise_name(left) == normalise_name(right) == "JEAN PIERRE"


def test_name_apostrophe_after_a_non_particle_letter_is_glued():
    assert normalise_name("N'Diaye") == normalise_name("NDIAYE") == "NDIAYE"
    assert normalise_name("M’Bappé") == "MBAPPE"


def test_name_particles_removed_but_kept_in_tokens():
    assert normalise_name("de la Fontaine") == "FONTAINE"
    assert name_tokens("de la Fontaine") == ("DE", "LA", "FONTAINE")
    assert normalise_name("d'Arc") == "ARC"
    assert name_tokens("d'Arc") == ("D", "ARC")
    assert normalise_name("Van der Berg") == "DER BERG"
    assert normalise_name("Da Silva") == normalise_name("DI SILVA") == "SILVA"


def test_name_made_only_of_particles_is_kept():
    assert normalise_name("Lê") == "LE"
    assert normalise_name("LE VAN") == "LE VAN"


def test_le_goff_and_legoff_are_the_same_name_through_keys():
    # Decision: normalise_name drops "Le" (GOFF), the glued key keeps it (LEGOFF), so both spellings meet.
    assert normalise_name("Le Goff") == "GOFF"
    assert name_keys("Le Goff") & name_keys("LEGOFF") == {"LEGOFF"}


def test_de_la_fontaine_and_lafontaine_are_the_same_name_through_keys():
    # Decision: the "de" family is dropped for one glued key, articles stay: LAFONTAINE on both sides.
    assert name_keys("de la Fontaine") & name_keys("Lafontaine") == {"LAFONTAINE"}
    assert not name_keys("de la Fontaine") & name_keys("Fontana")


def test_name_saint_abbreviations():
    assert normalise_name("St-Martin") == normalise_name("Saint Martin") == "SAINT MARTIN"
    assert normalise_name("Ste-Marie") == "SAINTE MARIE"


def test_name_leading_civility_removed():
    assert normalise_name("Mme Dubois") == normalise_name("M. DUBOIS") == "DUBOIS"
    assert normalise_name("M") == "M"  # Only a civility before a name is one.


def test_empty_names():
    assert normalise_name(None) == normalise_name("") == ""
    assert name_tokens(None) == ()
    assert name_keys("") == frozenset()


def test_epouse_gives_birth_then_usage():
    expected = NameParts(birth="MARTIN", usage="DUBOIS", all_tokens=("MARTIN", "DUBOIS"))
    assert split_usage_names("MARTIN épouse DUBOIS") == expected
    assert split_usage_names("Martin ép. Dubois") == expected
    assert split_usage_names("MARTIN EPSE DUBOIS") == expected


def test_nee_gives_usage_then_birth():
    parts = split_usage_names("Mme DUBOIS née MARTIN")
    assert (parts.birth, parts.usage) == ("MARTIN", "DUBOIS")
    assert split_usage_names("née Martin") == NameParts(birth="MARTIN", usage=None, all_tokens=("MARTIN",))


def test_veuve_and_divorcee_name_the_spouse():
    assert split_usage_names("Vve DUBOIS") == NameParts(birth=None, usage="DUBOIS", all_tokens=("DUBOIS",))
    assert split_usage_names("veuve Dubois").usage == "DUBOIS"
    parts = split_usage_names("MARTIN divorcée DUBOIS")
    assert (parts.birth, parts.usage) == ("MARTIN", "DUBOIS")


def test_usage_names_keep_particles_for_later_normalisation():
    parts = split_usage_names("Mme LE GOFF née de la Fontaine")
    assert (parts.birth, parts.usage) == ("DE LA FONTAINE", "LE GOFF")
    assert parts.candidates == ("DE LA FONTAINE", "LE GOFF")


def test_name_without_marker_has_no_birth_or_usage():
    parts = split_usage_names("MARTIN-DUBOIS")
    assert (parts.birth, parts.usage, parts.candidates) == (None, None, ("MARTIN DUBOIS",))
    assert split_usage_names("MARTIN divorcée").candidates == ("MARTIN",)


# --- streets -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "street_type"),
    [
        ("av", "AVENUE"), ("ave", "AVENUE"), ("avenue", "AVENUE"),
        ("bd", "BOULEVARD"), ("bld", "BOULEVARD"), ("boul", "BOULEVARD"), ("boulevard", "BOULEVARD"),
        ("r", "RUE"), ("rue", "RUE"),
        ("chem", "CHEMIN"), ("ch", "CHEMIN"),
        ("imp", "IMPASSE"),
        ("pl", "PLACE"),
        ("all", "ALLEE"), ("allée", "ALLEE"),
        ("rte", "ROUTE"),
        ("fg", "FAUBOURG"), ("fbg", "FAUBOURG"),
        ("sq", "SQUARE"),
        ("crs", "COURS"),
        ("qu", "QUAI"), ("qua", "QUAI"),
        ("res", "RESIDENCE"), ("rés", "RESIDENCE"),
        ("lot", "LOTISSEMENT"),
        ("hameau", "HAMEAU"), ("ham", "HAMEAU"),
        ("cite", "CITE"), ("cité", "CITE"),
        ("prom", "PROMENADE"),
        ("pass", "PASSAGE"),
        ("sent", "SENTIER"),
    ],
)
def test_street_type_abbreviations(spelling, street_type):
    for address in (f"12 {spelling} des Tilleuls", f"12, {spelling.upper()}. DES TILLEULS"):
        parts = normalise_street(address)
        assert (parts.number, parts.street_type, parts.street_name) == ("12", street_type, "TILLEULS")


@pytest.mark.parametrize("address", ["5 bis rue de la Paix", "5bis rue de la Paix", "5 B rue de la Paix",
                                     "5B, r. de la Paix", "5 BIS, RUE DE LA PAIX"])
def test_number_suffix_bis_is_b(address):
    parts = normalise_street(address)
    assert (parts.number, parts.suffix, parts.street_type, parts.street_name) == ("5", "B", "RUE", "PAIX")


def test_number_suffix_ter_quater_and_letters():
    assert normalise_street("7 ter rue X").suffix == normalise_street("7T rue X").suffix == "T"
    assert normalise_street("7 quater rue X").suffix == "Q"
    assert normalise_street("7 A rue X").suffix == "A"
    assert normalise_street("7 r Pasteur") == normalise_street("7 rue Pasteur")  # R is the street type here.


def test_street_saint_and_titles():
    assert normalise_street("12 r. St-Nazaire").street_name == normalise_street("12 rue Saint Nazaire").street_name
    assert normalise_street("3 av. du Gal de Gaulle").street_name == "GENERAL GAULLE"


def test_street_case_accents_punctuation_and_number_sign():
    assert normalise_street("N° 4, Allée des Châtaigniers").key == normalise_street("4 ALLEE DES CHATAIGNIERS").key
    assert normalise_street("4 ALLEE DES CHATAIGNIERS").key == "4 ALLEE CHATAIGNIERS"


def test_street_number_ranges_keep_the_first_number():
    assert normalise_street("5-7 rue du Port").number == "5"
    assert normalise_street("12 et 14 rue Victor Hugo").key == "12 RUE VICTOR HUGO"


def test_street_drops_a_trailing_postcode_and_commune():
    assert normalise_street("12 rue de la Paix 44000 Nantes").key == "12 RUE PAIX"


def test_street_without_number_or_type():
    assert normalise_street("Le Bourg").key == "BOURG"
    assert normalise_street("Résidence Les Pins").key == "RESIDENCE PINS"
    assert normalise_street(None).key == ""


# --- complements -------------------------------------------------------------------------------------------------


def test_complement_tokens_building_staircase_flat():
    assert complement_tokens("Bât. B esc 2 appt 14") == {"BAT B", "ESC 2", "APPT 14"}
    assert complement_tokens("batiment B, escalier 2, appartement 14") == {"BAT B", "ESC 2", "APPT 14"}


@pytest.mark.parametrize("value", ["app 14", "apt 14", "appt n° 14", "logt 14", "logement 14"])
def test_complement_flat_spellings(value):
    assert complement_tokens(value) == {"APPT 14"}


@pytest.mark.parametrize("value", ["étage 3", "etg 3", "ét. 3", "3e étage", "3ème étage"])
def test_complement_floor_spellings(value):
    assert complement_tokens(value) == {"ETAGE 3"}


def test_complement_ground_floor_and_residence():
    assert complement_tokens("RDC") == {"ETAGE 0"}
    assert complement_tokens("Rés. Les Pins bât C") == {"RESIDENCE PINS", "BAT C"}
    assert complement_tokens("résidence du Parc") == {"RESIDENCE PARC"}


def test_complement_pulled_out_of_the_address():
    assert extract_complement("Bât B, 12 rue de la Paix") == ("12 RUE DE LA PAIX", frozenset({"BAT B"}))
    parts = normalise_street("Rés. Les Pins appt 4, 3 allée des Roses")
    assert (parts.key, parts.complement) == ("3 ALLEE ROSES", {"RESIDENCE PINS", "APPT 4"})


def test_street_words_that_look_like_complements_stay():
    assert normalise_street("12 rue de la Porte Neuve").street_name == "PORTE NEUVE"
    assert normalise_street("12 rue Pierre et Marie Curie").street_name == "PIERRE MARIE CURIE"


def test_complement_et_as_conjunction_is_not_a_floor():
    assert extract_complement("12 et 14 rue Pierre et Marie Curie")[1] == frozenset()


# --- communes and postcodes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["NANTES CEDEX 1", "Nantes Cedex", "nantes cedex 01", "44000 NANTES"])
def test_commune_cedex_and_postcode_removed(value):
    assert normalise_commune(value) == "NANTES"


def test_commune_saint_and_hyphens():
    assert normalise_commune("St-Nazaire") == normalise_commune("Saint Nazaire") == "SAINT NAZAIRE"
    assert normalise_commune("St-Herblain") == "SAINT HERBLAIN"
    assert normalise_commune("La Roche-sur-Yon") == "LA ROCHE SUR YON"


@pytest.mark.parametrize("value", ["PARIS 15E ARRONDISSEMENT", "Paris 15", "Paris 15ème", "PARIS 15 ARR"])
def test_commune_arrondissement(value):
    assert commune_parts(value) == CommuneParts("PARIS", 15)
    assert normalise_commune(value) == "PARIS"


def test_commune_arrondissement_only_for_paris_lyon_marseille():
    assert commune_parts("Marseille 8e") == CommuneParts("MARSEILLE", 8)
    assert commune_parts("Nantes") == CommuneParts("NANTES", None)


@pytest.mark.parametrize(
    ("code", "department"),
    [("44000", "44"), ("01000", "01"), ("97411", "974"), ("20000", "2A"), ("20167", "2A"), ("20200", "2B"),
     ("20600", "2B"), ("20290", "2B")],
)
def test_postcode_department(code, department):
    assert postcode_department(code) == department


@pytest.mark.parametrize("code", ["4400", "44 000", "A4000", ""])
def test_postcode_department_refuses_malformed_codes(code):
    with pytest.raises(ValueError, match="5 chiffres"):
        postcode_department(code)


@pytest.mark.parametrize(
    ("a", "b", "typo"),
    [("44000", "44100", True), ("44300", "44030", True), ("44000", "44000", False), ("44000", "44110", False),
     ("44000", "4400", False), ("44600", "64400", False)],
)
def test_postcode_typo(a, b, typo):
    assert postcode_typo(a, b) is typo


# --- phones ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["+33 6 12 34 56 78", "0033612345678", "06.12.34.56.78", "06-12-34-56-78", "+33 (0)6 12 34 56 78",
     "0612345678", "+33612345678"],
)
def test_phone_formats(value):
    assert normalise_phone(value) == "+33612345678"


@pytest.mark.parametrize("value", ["06 12", "12345", "pas de téléphone", "", None])
def test_phone_invalid(value):
    assert normalise_phone(value) is None


def test_phone_foreign_number_kept_in_e164():
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"


def test_french_mobile():
    assert is_french_mobile("+33612345678")
    assert is_french_mobile("+33756123456")
    assert not is_french_mobile("+33240123456")
    assert not is_french_mobile("+447911123456")
    assert not is_french_mobile(None)


# --- birth dates -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "agreement"),
    [
        (date(1985, 3, 12), date(1985, 3, 12), "equal"),
        (date(1985, 3, 12), date(1985, 12, 3), "day_month_swapped"),
        (date(1985, 3, 12), date(1986, 3, 12), "one_digit"),
        (date(1985, 3, 12), date(1985, 3, 13), "one_digit"),
        (date(1985, 3, 12), date(1985, 8, 12), "one_digit"),
        (date(1985, 3, 12), None, "one_missing"),
        (None, date(1985, 3, 12), "one_missing"),
        (None, None, "both_missing"),
        (date(1985, 3, 12), date(1958, 3, 12), "different"),
        (date(1985, 3, 12), date(1984, 12, 3), "different"),
        (date(1985, 3, 12), date(1985, 4, 21), "different"),
    ],
)
def test_birth_date_agreement(a, b, agreement):
    assert birth_date_agreement(a, b) == agreement
