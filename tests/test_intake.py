from datetime import date
from decimal import Decimal

import pytest

from campaigns.intake.fields import FIELDS, FIRST_NAME_MISSING, REQUIRED, RowError, SignalementRow, parse_row
from campaigns.intake.household_facts import FACT_FIELDS
from campaigns.models.stages import Stage

TODAY = date(2025, 6, 15)
DATE_FORMATS = "formats attendus JJ/MM/AAAA ou AAAA-MM-JJ"


def _raw(**overrides: object) -> dict[str, object]:
    raw: dict[str, object] = {"reference": "REF-1", "stade": "impaye", "nom": "Martin", "prenom": "Marie",
                              "commune": "Nantes"}
    raw.update(overrides)
    return raw


def _ok(**overrides: object) -> SignalementRow:
    row, errors = parse_row(_raw(**overrides), 7, today=TODAY)
    assert errors == []
    assert row is not None
    return row


def _error(field: str, value: object) -> str:
    """The one reason given for `field` when it holds `value` (all else valid)."""
    row, errors = parse_row(_raw(**{field: value}), 7, today=TODAY)
    assert row is None
    assert [e.field for e in errors] == [field]
    assert errors[0].row_number == 7
    return errors[0].reason


def _dropped(field: str, value: object) -> str:
    """Issue 17: an unreadable phone or e-mail is dropped with a warning and the row kept; the warning's reason."""
    row, warnings = parse_row(_raw(**{field: value}), 7, today=TODAY)
    assert row is not None and getattr(row, field) is None
    assert [(w.field, w.row_number, w.warning) for w in warnings] == [(field, 7, True)]
    reason, kept = warnings[0].reason.split(" : valeur ignorée, ")
    assert kept == "la ligne est gardée sans ce champ"
    return reason


# --- the field list -------------------------------------------------------------------------------------


def test_fields_in_documented_order_and_required_set():
    assert FIELDS[:4] == ("reference", "stade", "date_stade", "parc")
    assert FIELDS[-3 - len(FACT_FIELDS):-len(FACT_FIELDS)] == ("langue", "falc", "motif_cloture")
    assert FIELDS[-len(FACT_FIELDS):] == FACT_FIELDS
    assert len(FIELDS) == 25 + len(FACT_FIELDS)
    assert sorted(REQUIRED) == ["commune", "nom", "reference", "stade"]  # the first name is optional (issue 17)
    assert list(FIELDS) == [name for name in SignalementRow.__dataclass_fields__ if name != "row_number"]


def test_full_row_parsed():
    raw = {
        "reference": " DOS-2024-001 ", "stade": "commandement_de_payer", "date_stade": "12/03/2025",
        "parc": "social", "nom": "Dupont", "prenom": "Marie", "date_naissance": "1980-05-04",
        "nom_cotitulaire": "Durand", "prenom_cotitulaire": "Paul", "date_naissance_cotitulaire": "1/2/1979",
        "adresse": "12 rue des Lilas", "complement_adresse": "Bât. B", "code_postal": "44 000",
        "commune": "Nantes", "telephone": "06 12 34 56 78", "email": "Marie.Dupont@Example.fr",
        "montant_dette": "1 234,56 €", "loyer_mensuel": "650,5", "date_premier_impaye": "2024-11-05",
        "allocataire": "oui", "numero_allocataire": "1234567", "date_audience": "02/09/2025",
        "langue": "ar", "falc": "oui", "motif_cloture": "", "colonne_inconnue": "ignorée",
    }
    row, errors = parse_row(raw, 3, today=TODAY)
    assert errors == []
    assert row == SignalementRow(
        row_number=3, reference="DOS-2024-001", stade=Stage.COMMANDEMENT_DE_PAYER,
        date_stade=date(2025, 3, 12), parc="social", nom="Dupont", prenom="Marie",
        date_naissance=date(1980, 5, 4), nom_cotitulaire="Durand", prenom_cotitulaire="Paul",
        date_naissance_cotitulaire=date(1979, 2, 1), adresse="12 rue des Lilas", complement_adresse="Bât. B",
        code_postal="44000", commune="Nantes", telephone="+33612345678", email="marie.dupont@example.fr",
        montant_dette=Decimal("1234.56"), loyer_mensuel=Decimal("650.50"),
        date_premier_impaye=date(2024, 11, 5), allocataire="oui", numero_allocataire="1234567",
        date_audience=date(2025, 9, 2), langue="ar", falc=True, motif_cloture=None,
    )


def test_minimal_row_defaults():
    row = _ok()
    assert row.row_number == 7
    assert (row.reference, row.stade, row.prenom, row.commune) == ("REF-1", Stage.IMPAYE, "Marie", "Nantes")
    assert row.langue == "fr"
    assert row.falc is False
    assert row.nom == "Martin"
    assert row.date_stade is None and row.montant_dette is None and row.telephone is None


def test_blank_and_none_values_are_absent():
    row = _ok(nom_cotitulaire="   ", date_stade="", montant_dette=None, langue=" ", falc="\t", email="")
    assert (row.nom_cotitulaire, row.date_stade, row.montant_dette, row.email) == (None, None, None, None)
    assert (row.langue, row.falc) == ("fr", False)


def test_unknown_keys_ignored():
    assert _ok(__extra__="1", nom_de_jeune_fille="X").reference == "REF-1"


# --- required fields and error collection ---------------------------------------------------------------


def test_missing_required_fields_all_reported_in_column_order():
    row, errors = parse_row({"prenom": "Marie"}, 12, today=TODAY)
    assert row is None
    assert errors == [
        RowError(12, "reference", "champ obligatoire manquant"),
        RowError(12, "stade", "champ obligatoire manquant"),
        RowError(12, "nom", "champ obligatoire manquant"),
        RowError(12, "commune", "champ obligatoire manquant"),
    ]


def test_every_error_of_a_row_collected():
    raw = _raw(
        stade="xyz", date_stade="31/02/2024", nom=None, code_postal="440", telephone="12",
        email="pas-un-email", montant_dette="-5", falc="peut-être", langue="français",
    )
    row, errors = parse_row(raw, 4, today=TODAY)
    assert row is None
    assert [e.field for e in errors] == [
        "stade", "date_stade", "nom", "code_postal", "telephone", "email", "montant_dette", "langue",
        "falc",
    ]
    assert {e.row_number for e in errors} == {4}


def test_invalid_required_value_not_also_reported_missing():
    assert _error("stade", "inconnu").startswith("stade inconnu")


# --- the first name, optional (issue 17) -----------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   ", "\t"])
def test_row_without_first_name_kept_with_a_warning(value):
    """Partners' files and FEBRL have rows without a given name: the row is kept, the first name absent (NULL), and
    the report says so on its line (the way a dropped phone is reported)."""
    raw = _raw(prenom=value)
    if value is None:
        del raw["prenom"]
    row, warnings = parse_row(raw, 9, today=TODAY)
    assert row is not None and row.prenom is None and row.nom == "Martin"
    assert warnings == [RowError(9, "prenom", "prénom absent : la ligne est gardée sans prénom", warning=True)]
    assert warnings[0].reason == FIRST_NAME_MISSING


@pytest.mark.parametrize("value", ["X", "xx", "INCONNU", "Inconnue", "NC", "N/A", "?", "-"])
def test_placeholder_first_name_dropped_with_a_warning(value):
    """« X », « INCONNU »... are what is written for an unknown first name: kept, they would agree with every other
    such row in the linkage."""
    assert _dropped("prenom", value) == "valeur de remplissage (X, INCONNU, NC…) et non un prénom"


def test_unreadable_first_name_dropped_not_the_row():
    assert _dropped("prenom", "é" * 101) == "texte trop long : 100 caractères au plus"
    assert _dropped("prenom", ["Marie"]) == "texte attendu (pas un nombre décimal, un booléen ni une liste)"


@pytest.mark.parametrize("value", ["X", "INCONNU", "NC", " "])
def test_surname_still_required_without_first_name(value):
    row, errors = parse_row(_raw(nom=value, prenom=None), 5, today=TODAY)
    assert row is None
    assert [(e.field, e.warning) for e in errors] == [("nom", False)]


def test_refused_row_does_not_say_it_is_kept_for_its_missing_first_name():
    row, errors = parse_row(_raw(prenom=None, stade="xyz"), 5, today=TODAY)
    assert row is None and [e.field for e in errors] == ["stade"]


# --- stade and motif_cloture ----------------------------------------------------------------------------


def test_unknown_stade_lists_the_values():
    assert _error("stade", "xyz") == (
        "stade inconnu « xyz » : valeurs possibles impaye, commandement_de_payer, assignation, jugement, "
        "commandement_de_quitter_les_lieux, requisition_force_publique, octroi_force_publique, cloture"
    )


@pytest.mark.parametrize(
    ("value", "stage"),
    [
        ("jugement", Stage.JUGEMENT),
        ("ASSIGNATION", Stage.ASSIGNATION),
        ("Commandement de payer", Stage.COMMANDEMENT_DE_PAYER),
        ("impayé", Stage.IMPAYE),
        ("réquisition force publique", Stage.REQUISITION_FORCE_PUBLIQUE),
    ],
)
def test_stade_spellings(value, stage):
    assert _ok(stade=value).stade is stage


def test_stade_must_be_text():
    assert _error("stade", 3).startswith("stade inconnu « 3 »")


def test_cloture_requires_motif():
    row, errors = parse_row(_raw(stade="cloture"), 7, today=TODAY)
    assert row is None
    assert [(e.field, e.reason) for e in errors] == [
        ("motif_cloture", "motif de clôture obligatoire quand le stade est « cloture »")
    ]


def test_cloture_with_motif_accepted():
    row = _ok(stade="cloture", motif_cloture=" dette soldée ")
    assert (row.stade, row.motif_cloture) == (Stage.CLOTURE, "dette soldée")


def test_motif_refused_with_other_stade():
    reason = _error("motif_cloture", "relogé")
    assert reason == "motif de clôture accepté seulement quand le stade est « cloture »"


def test_motif_not_judged_when_stade_invalid():
    row, errors = parse_row(_raw(stade="fini", motif_cloture="relogé"), 2, today=TODAY)
    assert row is None
    assert [e.field for e in errors] == ["stade"]


def test_motif_max_length():
    assert _ok(stade="cloture", motif_cloture="m" * 200).motif_cloture == "m" * 200
    row, errors = parse_row(_raw(stade="cloture", motif_cloture="m" * 201), 2, today=TODAY)
    assert row is None
    assert [(e.field, e.reason) for e in errors] == [
        ("motif_cloture", "texte trop long : 200 caractères au plus")
    ]


# --- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["05/03/2024", "5/3/2024", "05/3/2024", "2024-03-05", " 05/03/2024 "])
def test_date_formats(value):
    assert _ok(date_stade=value).date_stade == date(2024, 3, 5)


def test_leap_day():
    assert _ok(date_audience="29/02/2024").date_audience == date(2024, 2, 29)
    assert _ok(date_audience="2024-02-29").date_audience == date(2024, 2, 29)


@pytest.mark.parametrize(
    "value", ["31/02/2024", "29/02/2023", "2024-02-30", "32/01/2024", "15/13/2024", "00/01/2024"]
)
def test_impossible_dates(value):
    reason = _error("date_premier_impaye", value)
    assert reason == f"date inexistante (jour ou mois hors calendrier) : {DATE_FORMATS}"


@pytest.mark.parametrize(
    "value",
    ["05-03-2024", "05/03/24", "2024/03/05", "20240305", "2024-3-5", "5 mars 2024", "2024-03-05T10:00:00",
     "05.03.2024", "005/03/2024", "hier"],
)
def test_badly_written_dates(value):
    assert _error("date_stade", value) == f"date invalide : {DATE_FORMATS}"


@pytest.mark.parametrize("value", [20240305, 2024.0, True])
def test_date_must_be_a_string(value):
    assert _error("date_audience", value) == f"date invalide : {DATE_FORMATS}"


def test_birth_dates_in_the_future_refused():
    assert _ok(date_naissance="15/06/2025").date_naissance == TODAY
    assert _error("date_naissance", "16/06/2025") == "date de naissance dans le futur"
    assert _error("date_naissance_cotitulaire", "2030-01-01") == "date de naissance dans le futur"


def test_other_dates_may_be_in_the_future():
    assert _ok(date_audience="2026-01-10").date_audience == date(2026, 1, 10)


def test_date_reason_never_quotes_the_birth_date():
    # Issue 17: an unreadable birth date is dropped with a warning, the row kept.
    reason = _dropped("date_naissance", "31/02/1980")
    assert "1980" not in reason and "31" not in reason


# --- amounts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,56 €", "1234.56"),
        ("1 000 000,00", "1000000.00"),
        ("1234,5", "1234.50"),
        ("1234.56", "1234.56"),
        ("1234", "1234.00"),
        ("650€", "650.00"),
        ("650,00 €", "650.00"),
        ("650 EUR", "650.00"),
        ("650,10EUR", "650.10"),
        ("0", "0.00"),
        ("0,05", "0.05"),
        ("345 678,9", "345678.90"),
        ("00012", "12.00"),
        (1234, "1234.00"),
        (1234.5, "1234.50"),
        (0.1 + 0.2, "0.30"),
        (99.999, "100.00"),
    ],
)
def test_amounts(value, expected):
    row = _ok(montant_dette=value, loyer_mensuel=value)
    assert str(row.montant_dette) == expected
    assert row.loyer_mensuel == Decimal(expected)


@pytest.mark.parametrize("value", ["-12,50", "−12,50", "- 3", -5, -0.01])
def test_negative_amounts_refused(value):
    assert _error("montant_dette", value) == "montant négatif refusé : un montant positif ou nul est attendu"


@pytest.mark.parametrize(
    "value",
    ["1.234,56", "1,234.56", "12 34", "1 2345", "abc", "€", "12,", ",50", "1e5", "NaN", "12 € 50", "12_000",
     True, float("nan"), float("inf"), [12]],
)
def test_malformed_amounts_refused(value):
    assert _error("loyer_mensuel", value) == (
        "montant invalide : format attendu 1234,56 ou 1 234,56 € (virgule ou point décimal)"
    )


def test_amount_with_more_than_two_decimals_refused():
    assert _error("montant_dette", "1.234") == "montant invalide : deux décimales au plus"
    assert _error("montant_dette", "12,505") == "montant invalide : deux décimales au plus"


@pytest.mark.parametrize("value", ["10 000 000 000", "12345678901,00", 1e10, 10**12, "1 000 000,01", 1e6 + 0.01])
def test_amount_above_a_million_refused(value):
    assert _error("montant_dette", value) == "montant hors limites : entre 0 et 1 000 000 €"


def test_amount_reason_never_quotes_the_amount():
    assert "4321" not in _error("montant_dette", "4321,999")


# --- telephone --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("01\u00a023\u00a045\u00a067\u00a089", "+33123456789"),
        ("09 87 65 43 21", "+33987654321"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 (555) 123-4567", "+15551234567"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+262 262 12 34 56", "+262262123456"),
        ("7 99 88 77 66", "+33799887766"),  # the leading 0 lost in a spreadsheet (issue 17): read, not refused
        (799887766, "+33799887766"),
    ],
)
def test_phone_numbers_normalised(value, expected):
    assert _ok(telephone=value).telephone == expected


@pytest.mark.parametrize(
    "value",
    ["07 99 88 77", "07 99 88 77 66 5", "+33 7 99 88 77", "+33 07 99 88 77 66 5", "00 33",
     "+12 34", "+1234567890123456", "tel 0799887766", "07 99 88 77 6a", "0799+887766", "00 12",
     "+33 0 99 88 77 66", "++33799887766"],
)
def test_bad_phone_numbers(value):
    reason = _dropped("telephone", value)
    assert reason.startswith("numéro de téléphone invalide")
    assert "99 88" not in reason and "998877" not in reason


# --- email ------------------------------------------------------------------------------------------------


def test_email_lowercased():
    assert _ok(email=" Marie.Dupont@Example.FR ").email == "marie.dupont@example.fr"


@pytest.mark.parametrize(
    "value", ["marie.dupont", "marie@dupont", "marie dupont@example.fr", "marie@example .fr", "a@b@c.fr",
              "@example.fr", "marie@.fr"],
)
def test_bad_emails(value):
    assert _dropped("email", value) == "adresse e-mail invalide : format attendu nom@domaine.fr"


def test_email_must_be_text():
    assert _dropped("email", True) == "texte attendu (pas un nombre décimal, un booléen ni une liste)"


def test_email_max_length():
    assert _dropped("email", "m" * 190 + "@example.fr") == "adresse e-mail trop longue : 200 caractères au plus"


# --- codes: falc, allocataire, parc, langue ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("oui", True), ("OUI", True), ("Non", False), ("true", True), ("False", False), ("1", True),
     ("0", False), ("o", True), ("N", False), (True, True), (False, False), (1, True), (0, False)],
)
def test_falc_values(value, expected):
    assert _ok(falc=value).falc is expected


@pytest.mark.parametrize(
    ("value", "shown"), [("peut-être", "peut-être"), (2, "2"), ("x" * 40, "x" * 29 + "…")]
)
def test_bad_falc(value, shown):
    assert _error("falc", value) == f"valeur « {shown} » non reconnue : oui ou non attendu"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("oui", "oui"), ("NON", "non"), ("Inconnu", "inconnu"), (True, "oui"), ("0", "non")],
)
def test_allocataire_values(value, expected):
    assert _ok(allocataire=value).allocataire == expected


def test_bad_allocataire():
    assert _error("allocataire", "bientôt") == "valeur « bientôt » non reconnue : oui, non ou inconnu attendu"


@pytest.mark.parametrize(
    ("value", "expected"), [("social", "social"), ("Prive", "prive"), ("privé", "prive")]
)
def test_parc_values(value, expected):
    assert _ok(parc=value).parc == expected


def test_bad_parc():
    assert _error("parc", "HLM") == "parc inconnu « HLM » : valeurs possibles social, prive"


@pytest.mark.parametrize(("value", "expected"), [("fr", "fr"), ("EN", "en"), (" ar ", "ar"), ("ber", "ber")])
def test_langue_values(value, expected):
    assert _ok(langue=value).langue == expected


@pytest.mark.parametrize("value", ["f", "fran", "français", "f1", "fr-FR", 12])
def test_bad_langue(value):
    assert _error("langue", value) == (
        f"langue inconnue « {value} » : code ISO 639 de 2 ou 3 lettres attendu (ex. fr, en, ar)"
    )


# --- text fields, postcode --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "limit"),
    [("reference", 100), ("nom", 100), ("nom_cotitulaire", 100), ("prenom_cotitulaire", 100),
     ("commune", 100), ("adresse", 200), ("complement_adresse", 200), ("numero_allocataire", 20)],
)
def test_text_max_lengths(field, limit):
    assert getattr(_ok(**{field: "é" * limit}), field) == "é" * limit
    assert _error(field, "é" * (limit + 1)) == f"texte trop long : {limit} caractères au plus"


def test_json_integers_accepted_as_text():
    row = _ok(reference=12345, numero_allocataire=987654, code_postal=44000)
    assert (row.reference, row.numero_allocataire, row.code_postal) == ("12345", "987654", "44000")


@pytest.mark.parametrize("value", [12.5, True, ["a"], {"a": 1}])
def test_text_must_be_text(value):
    assert _error("nom", value) == "texte attendu (pas un nombre décimal, un booléen ni une liste)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("44000", "44000"), ("44 000", "44000"), (" 44000 ", "44000"), ("44\u00a0000", "44000"),
     ("01000", "01000")],
)
def test_postcodes(value, expected):
    assert _ok(code_postal=value).code_postal == expected


@pytest.mark.parametrize("value", ["4400", "440000", "2A004", "44 00a", "４４０００", 1000])
def test_bad_postcodes(value):
    assert _error("code_postal", value) == "code postal invalide : 5 chiffres attendus (ex. 44000)"
