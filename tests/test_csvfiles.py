import codecs
from datetime import date
from decimal import Decimal

import pytest

from campaigns.intake.csv_files import EXTRA_KEY, CsvFileError, read_csv
from campaigns.intake.fields import parse_row
from campaigns.models.stages import Stage

HEADER = "reference;stade;prenom;commune"


def _rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    return list(read_csv(data).rows)


# --- encodings --------------------------------------------------------------------------------------------


def test_utf8_with_commas():
    data = "reference,stade,prenom,commune\nR1,impaye,Zoé,Rezé\nR2,jugement,Léa,Nantes\n".encode()
    content = read_csv(data)
    assert (content.encoding, content.delimiter) == ("utf-8", ",")
    assert content.columns == ("reference", "stade", "prenom", "commune")
    assert content.unknown_columns == ()
    assert list(content.rows) == [
        (2, {"reference": "R1", "stade": "impaye", "prenom": "Zoé", "commune": "Rezé"}),
        (3, {"reference": "R2", "stade": "jugement", "prenom": "Léa", "commune": "Nantes"}),
    ]


def test_utf8_with_bom():
    content = read_csv(codecs.BOM_UTF8 + f"{HEADER}\r\nR1;impaye;Zoé;Rezé\r\n".encode())
    assert content.encoding == "utf-8-sig"
    assert content.columns[0] == "reference"
    assert list(content.rows) == [
        (2, {"reference": "R1", "stade": "impaye", "prenom": "Zoé", "commune": "Rezé"})
    ]


def test_windows_1252():
    data = f"{HEADER};montant_dette;nom\r\nR1;impaye;Zoé;Rezé;1 234,56 €;Lefèvre\r\n".encode("cp1252")
    assert b"\xe9" in data and b"\x80" in data  # é and € as Windows-1252 bytes, invalid as UTF-8.
    content = read_csv(data)
    assert content.encoding == "cp1252"
    [(line, row)] = list(content.rows)
    assert (line, row["prenom"], row["commune"], row["montant_dette"]) == (2, "Zoé", "Rezé", "1 234,56 €")
    parsed, errors = parse_row(row, line, today=date(2025, 1, 1))
    assert errors == []
    assert parsed is not None and parsed.montant_dette == Decimal("1234.56")


def test_undecodable_bytes():
    with pytest.raises(CsvFileError) as raised:
        read_csv(f"{HEADER}\nR1;impaye;Zo".encode() + b"\x81\xe9;Nantes\n")
    assert str(raised.value) == (
        "encodage du fichier non reconnu (ni UTF-8 ni Windows-1252) : enregistrez-le en « CSV UTF-8 »"
    )


def test_bom_then_invalid_utf8():
    with pytest.raises(CsvFileError, match="annonce l'encodage UTF-8 mais contient des caractères invalides"):
        read_csv(codecs.BOM_UTF8 + f"{HEADER}\nR1;impaye;Zo\xe9;Nantes\n".encode("cp1252"))


# --- separators and quoting -------------------------------------------------------------------------------


def test_semicolon_chosen_when_header_has_more_semicolons():
    content = read_csv(f"{HEADER};adresse\nR1;impaye;Zoé;Nantes;3, rue Kervégan\n".encode())
    assert content.delimiter == ";"
    assert [row["adresse"] for _, row in content.rows] == ["3, rue Kervégan"]


def test_comma_when_no_more_semicolons():
    content = read_csv(b'reference,stade,prenom,commune,"adresse;bis"\nR1,impaye,Zoe,Nantes,a\n')
    assert content.delimiter == ","
    assert content.unknown_columns == ("adresse;bis",)


def test_quoted_fields_with_separators_and_newlines_keep_line_numbers():
    text = (
        f"{HEADER};adresse\r\n"
        'R1;impaye;Zoé;Nantes;"3; rue Kervégan\r\nBât. B\r\n3e étage"\r\n'
        'R2;jugement;"Jean ""Jo"" ";Rezé;"1 place\nRoyale"\r\n'
        "R3;assignation;Léa;Nantes;\r\n"
    )
    rows = _rows(text.encode())
    assert [(line, row["reference"]) for line, row in rows] == [(2, "R1"), (5, "R2"), (7, "R3")]
    assert rows[0][1]["adresse"] == "3; rue Kervégan\r\nBât. B\r\n3e étage"
    assert rows[1][1]["prenom"] == 'Jean "Jo" '
    assert rows[1][1]["adresse"] == "1 place\nRoyale"


def test_blank_lines_skipped_and_counted():
    text = f"\n{HEADER}\n\nR1;impaye;Zoé;Nantes\n   \n;;;\nR2;impaye;Léa;Rezé\n\n"
    # Line 1 blank, 2 header, 3 blank, 4 R1, 5 spaces, 6 separators only, 7 R2.
    assert [(line, row["reference"]) for line, row in _rows(text.encode())] == [(4, "R1"), (7, "R2")]


def test_old_mac_line_endings():
    rows = _rows(f"{HEADER}\rR1;impaye;Zoé;Nantes\r".encode())
    assert [(line, row["commune"]) for line, row in rows] == [(2, "Nantes")]


# --- header -----------------------------------------------------------------------------------------------


def test_header_variants_normalised():
    header = (
        " Référence ;Stade ;Prénom;COMMUNE;Code postal;Date de naissance;Téléphone;Montant dette;"
        "date-naissance-cotitulaire;Complément d'adresse;E-mail;Date du premier impayé;Motif de clôture"
    )
    content = read_csv(f"{header}\n".encode())
    assert content.columns == (
        "reference", "stade", "prenom", "commune", "code_postal", "date_naissance", "telephone",
        "montant_dette", "date_naissance_cotitulaire", "complement_adresse", "email", "date_premier_impaye",
        "motif_cloture",
    )
    assert content.unknown_columns == ()


def test_unknown_columns_reported_in_file_order():
    content = read_csv(f"Observations;{HEADER};Nom du bailleur;statut\nx;R1;impaye;Zoé;Nantes;y;z\n".encode())
    assert content.unknown_columns == ("observations", "nom_du_bailleur", "statut")
    [(line, row)] = list(content.rows)
    assert (line, row["observations"], row["nom_du_bailleur"], row["reference"]) == (2, "x", "y", "R1")


def test_missing_required_column():
    with pytest.raises(CsvFileError) as raised:
        read_csv(b"reference;stade;prenom;ville_natale\nR1;impaye;Zoe;Nantes\n")
    assert str(raised.value) == "colonne obligatoire absente : commune"


def test_missing_required_columns_listed_in_column_order():
    with pytest.raises(CsvFileError) as raised:
        read_csv(b"commune;nom\nNantes;Dupont\n")
    assert str(raised.value) == "colonnes obligatoires absentes : reference, stade"


def test_file_without_first_name_column_read():
    """The first name is optional (issue 17): a file without its column ("NOM Prénom" in one field) is read."""
    content = read_csv(b"reference;stade;nom;commune\nR1;impaye;DUPONT Marie;Nantes\n")
    assert list(content.rows) == [(2, {"reference": "R1", "stade": "impaye", "nom": "DUPONT Marie",
                                       "commune": "Nantes"})]


def test_duplicate_column():
    with pytest.raises(CsvFileError) as raised:
        read_csv(f"{HEADER};Prénom\n".encode())
    assert str(raised.value) == "colonne présente plusieurs fois dans l'en-tête : prenom"


def test_file_without_header():
    with pytest.raises(CsvFileError, match=r"^en-tête absent ou non reconnu"):
        read_csv("R1;impaye;Zoé;Nantes\nR2;impaye;Léa;Rezé\n".encode())


@pytest.mark.parametrize("data", [b"", b"\n\n", b"  \r\n \t\r\n", codecs.BOM_UTF8])
def test_empty_file(data):
    with pytest.raises(CsvFileError) as raised:
        read_csv(data)
    assert str(raised.value) == "le fichier est vide"


def test_header_only():
    content = read_csv(f"{HEADER}\r\n\r\n".encode())
    assert content.columns == ("reference", "stade", "prenom", "commune")
    assert list(content.rows) == []


# --- row shapes -------------------------------------------------------------------------------------------


def test_row_with_more_fields_than_header_is_marked():
    rows = _rows(f"{HEADER}\nR1;impaye;Zoé;Nantes;en trop\nR2;impaye;Léa;Rezé;;\n".encode())
    assert rows[0] == (
        2, {"reference": "R1", "stade": "impaye", "prenom": "Zoé", "commune": "Nantes", EXTRA_KEY: "1"}
    )
    # Trailing empty fields, as spreadsheets write them, are not extra data.
    assert rows[1] == (3, {"reference": "R2", "stade": "impaye", "prenom": "Léa", "commune": "Rezé"})
    assert EXTRA_KEY == "__extra__"


def test_value_under_an_unnamed_header_cell_is_extra():
    rows = _rows(f"{HEADER};\nR1;impaye;Zoé;Nantes;x\nR2;impaye;Léa;Rezé;\n".encode())
    assert [EXTRA_KEY in row for _, row in rows] == [True, False]
    assert "" not in rows[1][1]


def test_row_with_fewer_fields_is_padded():
    rows = _rows(f"{HEADER};nom;telephone\nR1;impaye;Zoé\n".encode())
    assert rows == [
        (2, {"reference": "R1", "stade": "impaye", "prenom": "Zoé", "commune": "", "nom": "",
             "telephone": ""})
    ]


def test_rows_are_lazy():
    content = read_csv(f"{HEADER}\n".encode() + b"R;impaye;Z;N\n" * 1000)
    assert iter(content.rows) is content.rows
    assert next(content.rows) == (2, {"reference": "R", "stade": "impaye", "prenom": "Z", "commune": "N"})
    assert sum(1 for _ in content.rows) == 999


def test_long_fields_up_to_one_megabyte():
    long_value = "a" * 500_000  # Beyond the csv module's default limit of 128 KiB.
    rows = _rows(f'{HEADER};adresse\nR1;impaye;Zoé;Nantes;"{long_value}"\n'.encode())
    assert len(rows[0][1]["adresse"]) == 500_000


def test_field_over_one_megabyte_refused_with_its_line():
    content = read_csv(f'{HEADER}\nR1;impaye;Zoé;Nantes\n\nR2;impaye;"{"a" * 1_100_000}";Nantes\n'.encode())
    assert next(content.rows)[0] == 2
    with pytest.raises(CsvFileError) as raised:
        next(content.rows)
    assert str(raised.value) == "ligne 4 illisible : un champ dépasse 1 Mo"


def test_rows_feed_parse_row():
    data = (
        "Référence;Stade;Nom;Prénom;Commune;Téléphone;Date de naissance\r\n"
        "R1;Commandement de payer;Lefèvre;Zoé;Rezé;06 12 34 56 78;05/03/1990\r\n"
        "R2;inconnu;Martin;Léa;Nantes;;\r\n"
    ).encode("cp1252")
    results = [parse_row(row, line, today=date(2025, 1, 1)) for line, row in read_csv(data).rows]
    first, errors = results[0]
    assert errors == []
    assert first is not None
    assert (first.row_number, first.stade, first.telephone, first.date_naissance) == (
        2, Stage.COMMANDEMENT_DE_PAYER, "+33612345678", date(1990, 3, 5)
    )
    assert results[1][0] is None
    assert [(e.row_number, e.field) for e in results[1][1]] == [(3, "stade")]


def test_a_file_read_in_pieces_reads_as_the_whole_file() -> None:
    """Stored uploads are read back piece by piece (campaigns/intake/stored_files.py): pieces cut anywhere, even
    inside an accented letter or a quoted field, give the same rows, encoding and first bad line."""
    whole = ("reference;stade;prenom;commune\r\nR-1;impaye;Hélène;Nantes\r\n"
             'R-2;impaye;"Zoé\r\nAïcha";Rezé\r\n\r\nR-3;impaye;Loïc;Orvault\r\n').encode()
    for size in (1, 2, 3, 7):
        pieces = [whole[i:i + size] for i in range(0, len(whole), size)]
        content = read_csv(lambda pieces=pieces: iter(pieces))
        assert (content.encoding, list(content.rows)) == ("utf-8", list(read_csv(whole).rows))
    cp1252 = whole.decode().encode("cp1252")
    assert read_csv(lambda: iter([cp1252[:40], cp1252[40:]])).encoding == "cp1252"
    broken = whole.replace("Loïc".encode(), b"Lo\xefc")  # one row saved by another program
    with pytest.raises(CsvFileError, match="invalides ligne 6"):
        read_csv(lambda: iter([broken[i:i + 5] for i in range(0, len(broken), 5)]))
