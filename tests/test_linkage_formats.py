"""Partner formats of issue 17 ("Formats", "Namesakes"): names in one field, lieux-dits, couples that moved."""

from datetime import date

import pytest

from campaigns.intake.fields import parse_row
from campaigns.linkage.blocking import PersonRecord
from campaigns.linkage.identity import complement_tokens, normalise_commune, normalise_street, split_full_name
from campaigns.linkage.parameters import defaults
from campaigns.linkage.scoring import compare, comparison_vector


@pytest.mark.parametrize(
    ("nom", "prenom", "expected"),
    [
        ("DUPONT Jean", "Jean", ("DUPONT", "Jean")),  # "NOM Prénom", the first name repeated
        ("DUPONT JEAN", "Jean", ("DUPONT", "Jean")),  # all in capitals: the prénom field tells
        ("Jean DUPONT", "Jean", ("DUPONT", "Jean")),  # inverted: "Prénom NOM"
        ("LEFÈVRE Marie-Claire", "Marie Claire", ("LEFÈVRE", "Marie Claire")),  # compound first name
        ("M. LEFÈVRE Jean Paul", "Jean-Paul", ("M. LEFÈVRE", "Jean-Paul")),  # civility kept for the surname
        ("LE GOFF Yann", "Yann", ("LE GOFF", "Yann")),  # particle stays with the surname
        ("GARCIA Ana", None, ("GARCIA", "Ana")),  # no prénom field: capitals against capitalised word
        ("Vve DUBOIS Jeanne", None, ("Vve DUBOIS", "Jeanne")),
        ("DUBOIS Jean", "Jean-Pierre", ("DUBOIS", "Jean-Pierre")),  # a short first name in the surname field
        ("DUPONT Jean Paul", "Paul", ("DUPONT", "Paul")),  # capitals decide, not the shorter prénom field
        ("Jean Paul DUPONT", None, ("DUPONT", "Jean Paul")),
        ("MARTIN épouse DUBOIS Marie", None, ("MARTIN épouse DUBOIS", "Marie")),  # marker kept with the names
    ],
)
def test_first_name_taken_out_of_the_surname_field(nom, prenom, expected):
    assert split_full_name(nom, prenom) == expected


@pytest.mark.parametrize(
    ("nom", "prenom"),
    [
        ("MARTIN", "Martin"),  # a surname that is also a first name
        ("SAINT GERMAIN", "Germain"),  # nothing but Saint would be left
        ("Mme DUBOIS épouse MARTIN", "Marie"),  # birth and usage names, read by split_usage_names
        ("MARTIN DUBOIS", "Paul"),  # a compound surname
        ("de la Fontaine", "Jean"),  # particles, not a first name
        ("Martin Dubois", "Paul"),  # mixed case throughout: nothing says which word is which
        ("MARTIN ép. Dubois", "Anne"),  # the word after a marker is the usage name
        ("Mme DUBOIS née Martin", "Anne"),
        ("Mme Dubois", None),  # a civility is not a surname
        (None, "Paul"),
    ],
)
def test_surname_field_left_whole(nom, prenom):
    assert split_full_name(nom, prenom) == (nom, prenom)


def _record(**values):
    base = {"prenom": "Laurent", "nom": "Trépanier", "adresse": "34 rue Petit", "complement_adresse": "appt 25",
            "code_postal": "59000", "commune": "Lille"}
    return PersonRecord(**(base | values))


def test_name_in_one_field_matches_split_fields_without_birth_date():
    split = _record(date_naissance=date(1980, 4, 2))
    one_field = _record(nom="TRÉPANIER Laurent", prenom="Laurent", adresse="APT 25 34, R. PETIT",
                        complement_adresse=None, commune="LILLE")
    result = compare(split, one_field)
    assert result.agreements["nom"] == "exact"
    assert result.decision == "match"


def test_cotitulaire_name_in_one_field_without_prenom_field():
    a = _record(nom_cotitulaire="BRIAND Luc")
    assert len(a.features.people) == 2
    assert a.features.people[1].prenom is not None and a.features.people[1].prenom.keys == {"LUC"}
    assert a.features.people[1].nom is not None and "BRIAND" in a.features.people[1].nom.keys


@pytest.mark.parametrize(("left", "right"), [("lieu-dit Le Bas Village", "LE BAS VILLAGE"),
                                             ("LD Les Granges", "lieu dit les Granges"),
                                             ("hameau de Chantemerle", "Hameau Chantemerle")])
def test_same_lieu_dit_without_number_is_the_same_address(left, right):
    a = _record(adresse=left, complement_adresse=None, date_naissance=date(1980, 4, 2))
    b = _record(adresse=right, complement_adresse=None, date_naissance=date(1980, 4, 2))
    assert compare(a, b).agreements["lieu"] == "immeuble"


def test_numbered_street_without_numbers_stays_the_same_street_only():
    a = _record(adresse="rue Petit", complement_adresse=None)
    b = _record(adresse="rue Petit", complement_adresse=None)
    assert compare(a, b).agreements["lieu"] == "rue"


def _couple(**values):
    base = {"prenom": "Jérôme", "nom": "Giguère", "date_naissance": date(1975, 6, 3), "prenom_cotitulaire": "Maurice",
            "nom_cotitulaire": "Servais", "date_naissance_cotitulaire": date(1977, 1, 21), "adresse": "872 rue X",
            "code_postal": "59000", "commune": "Lille"}
    return PersonRecord(**(base | values))


def test_couple_reported_at_another_address_is_linked():
    # Both persons of the couple agree: the household moved (or one partner writes to another address).
    moved = _couple(adresse="1 chemin de Costa", code_postal="59710", commune="Ennevelin")
    result = compare(_couple(), moved)
    assert result.decision == "match"
    assert "les deux personnes du couple concordent" in result.explanation


def test_one_namesake_elsewhere_is_still_not_linked():
    # Only the titulaire agrees (another co-titulaire): namesakes, as before.
    other = _couple(adresse="1 chemin de Costa", code_postal="59710", commune="Ennevelin", prenom_cotitulaire="Anne",
                    nom_cotitulaire="Durand", date_naissance_cotitulaire=date(1979, 2, 2))
    assert compare(_couple(), other).decision == "non_match"
    single = _couple(adresse="1 chemin de Costa", code_postal="59710", commune="Ennevelin", prenom_cotitulaire=None,
                     nom_cotitulaire=None, date_naissance_cotitulaire=None)
    assert compare(_couple(), single).decision == "non_match"


def test_couple_needs_a_birth_date_that_agrees():
    undated = {"date_naissance": None, "date_naissance_cotitulaire": None}
    elsewhere = _couple(adresse="1 chemin de Costa", code_postal="59710", commune="Ennevelin", **undated)
    vector = comparison_vector(_couple(**undated), elsewhere, defaults())
    assert vector.other is not None
    assert compare(_couple(**undated), elsewhere).decision != "match"


@pytest.mark.parametrize(
    "spelling",
    ["12 rue de la Paix BP 45", "B.P. 45 12 rue de la Paix", "12 rue de la Paix CS 90001",
     "12 rue de la Paix TSA 30012", "12 RUE DE LA PAIX CEDEX 2", "chez Mme Dupont 12 rue de la Paix",
     "c/o M. Martin, 12 r. de la Paix"],
)
def test_distribution_mentions_and_host_left_out_of_the_street(spelling):
    assert normalise_street(spelling).key == "12 RUE PAIX"


def test_chez_is_a_lieu_dit_when_no_host_follows():
    # Savoie and elsewhere: "Chez Gaudin" is the name of a hamlet, not a host.
    assert normalise_street("Chez Gaudin").street_name == "CHEZ GAUDIN"
    assert normalise_street("lieu-dit Chez Gaudin").street_name == "CHEZ GAUDIN"


def test_host_in_the_complement_keeps_building_and_flat():
    assert complement_tokens("chez Mme Dupont bât A appt 3") == {"BAT A", "APPT 3"}
    assert complement_tokens("c/o M. Martin") == frozenset()


@pytest.mark.parametrize(("commune", "expected"), [("Nantes BP 123", "NANTES"), ("LYON CS 30001", "LYON"),
                                                   ("NANTES CEDEX 2", "NANTES")])
def test_distribution_mentions_left_out_of_the_commune(commune, expected):
    assert normalise_commune(commune) == expected


def _raw(**values):
    return {"reference": "R1", "stade": "impaye", "commune": "Lille", "code_postal": "59000",
            "adresse": "3 rue Nationale", **values}


@pytest.mark.parametrize(("nom", "surname", "first"), [("DUPONT Jean-Pierre", "DUPONT", "Jean-Pierre"),
                                                       ("Marie LE GOFF", "LE GOFF", "Marie")])
def test_row_without_prenom_reads_it_from_nom_with_a_warning(nom, surname, first):
    row, warnings = parse_row(_raw(nom=nom), 1, today=date(2026, 12, 1))
    assert row is not None and (row.nom, row.prenom) == (surname, first)
    assert [(w.field, w.warning) for w in warnings] == [("prenom", True)]
    assert "lu dans le champ nom" in warnings[0].reason


@pytest.mark.parametrize("nom", ["DUPONT JEAN", "Dupont", "DUPONT"])
def test_row_without_prenom_kept_without_one_when_nom_cannot_be_split(nom):
    row, warnings = parse_row(_raw(nom=nom, prenom=" "), 1, today=date(2026, 12, 1))
    assert row is not None and (row.nom, row.prenom) == (nom, None)
    assert [(w.field, w.reason) for w in warnings] == [("prenom", "prénom absent : la ligne est gardée sans prénom")]


def test_row_with_prenom_keeps_its_fields():
    row, warnings = parse_row(_raw(nom="DUPONT Jean", prenom="Jean"), 1, today=date(2026, 12, 1))
    assert row is not None and (row.nom, row.prenom, warnings) == ("DUPONT Jean", "Jean", [])
