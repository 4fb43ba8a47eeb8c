"""The postal address block (NF Z10-011, La Poste): name once, ≤ 6 lines of ≤ 38 characters, last line in capitals
without accents, long names shortened properly, co-holder, mandataire, CEDEX."""

from __future__ import annotations

import pytest

from campaigns.messages.address_block import (
    MAX_LINE_LENGTH,
    MAX_LINES,
    Addressee,
    PostalAddress,
    address_block,
    parse_postal_lines,
    postcode_line,
)

NANTES = PostalAddress(street="12 rue des Lilas", postcode="44000", commune="Nantes")


def _check(block: tuple[str, ...]) -> None:
    assert 2 <= len(block) <= MAX_LINES
    assert all(0 < len(line) <= MAX_LINE_LENGTH for line in block), block
    assert len({line.casefold() for line in block}) == len(block), block


def test_the_name_is_printed_once() -> None:
    block = address_block(Addressee("Diallo", "Mamadou"), PostalAddress(
        street="47 rue de la Paix", postcode="44000", commune="Nantes", complements=("Bât. C, appt 47",)))
    assert block == ("Mamadou DIALLO", "Bât. C, appt 47", "47 rue de la Paix", "44000 NANTES")


def test_civility_abbreviated_and_co_holder_of_the_same_name_on_one_line() -> None:
    assert address_block(Addressee("Benali", "Aïcha", "Madame"), NANTES)[0] == "Mme Aïcha BENALI"
    same = address_block(Addressee("Diallo", "Mamadou"), NANTES, co_holder=Addressee("Diallo", "Awa"))
    assert same[0] == "Mamadou et Awa DIALLO"
    other = address_block(Addressee("Martin", "Léa", "Madame"), NANTES, co_holder=Addressee("Roux", "Paul", "M."))
    assert other[0] == "Mme Léa MARTIN et M. Paul ROUX"


def test_co_holder_on_the_next_line_when_one_line_is_too_long() -> None:
    block = address_block(Addressee("Diallo", "Mamadou"), NANTES, co_holder=Addressee("Traoré-Kouyaté", "Awa-Marie"))
    assert block[:2] == ("Mamadou DIALLO", "et Awa-Marie TRAORÉ-KOUYATÉ")
    _check(block)


def test_long_names_lose_their_first_names_before_their_family_name() -> None:
    block = address_block(Addressee("de La Rochefoucauld-Montmorency", "Marie-Christine Alexandra", "Madame"), NANTES)
    assert block[0] == "Mme DE LA ROCHEFOUCAULD-MONTMORENCY"
    initials = address_block(Addressee("Rochefoucauld-Montmorency", "Jean-Pierre Alexandre"), NANTES)
    assert initials[0] == "J.-P. A. ROCHEFOUCAULD-MONTMORENCY"
    endless = address_block(Addressee("Abcdefghijklmnopqrstuvwxyz-Abcdefghijklmnopqrstuvwxyz", "Jo"), NANTES)
    assert endless[0] == "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # cut at the hyphen, not in the middle of a word
    _check(endless)


def test_long_street_uses_la_postes_abbreviations() -> None:
    block = address_block(Addressee("Roux", "Paul"), PostalAddress(
        street="112 boulevard du Maréchal de Lattre de Tassigny", postcode="44000", commune="Nantes"))
    assert block[1] == "112 BD du MAL de Lattre de Tassigny"
    _check(block)


def test_mandataire_complements_and_lieu_dit_within_six_lines() -> None:
    address = PostalAddress(street="3 chemin des Prés", postcode="44850", commune="Le Cellier",
                            complements=("Résidence Les Tilleuls", "Bâtiment B, appartement 12"),
                            lieu_dit="La Gautellerie")
    block = address_block(Addressee("Diallo", "Mamadou"), address, co_holder=Addressee("Traoré", "Awa"),
                          care_of="UDAF de Loire-Atlantique")
    _check(block)
    assert block[0] == "Mamadou DIALLO et Awa TRAORÉ"
    assert block[1] == "a/s de UDAF de Loire-Atlantique"  # "Aux bons soins de" would not fit in 38 characters
    short = address_block(Addressee("Roux", "Paul"), NANTES, care_of="Mme Anne Lebrun")
    assert short[1] == "Aux bons soins de Mme Anne Lebrun"
    # Seven lines wanted: the two complements share one line, the postal lines all stay.
    assert block[2] == "RES Les Tilleuls BAT B, APT 12"
    assert block[-3:] == ("3 chemin des Prés", "La Gautellerie", "44850 LE CELLIER")


def test_without_room_the_co_holder_shares_the_line_or_is_left_to_the_salutation() -> None:
    address = PostalAddress(street="3 chemin des Prés", postcode="44850", commune="Le Cellier",
                            complements=("Résidence Les Tilleuls",), lieu_dit="La Gautellerie")
    block = address_block(Addressee("Diallo-Kouyaté", "Mamadou-Ibrahima"), address,
                          co_holder=Addressee("Traoré-Sissoko", "Awa-Mariama"), care_of="UDAF 44")
    _check(block)
    # No room for a second name line: both family names share the first one, first names left out.
    assert len(block) == MAX_LINES and block[0] == "DIALLO-KOUYATÉ et TRAORÉ-SISSOKO"
    longer = address_block(Addressee("Diallo-Kouyaté-Keita", "Mamadou"), address,
                           co_holder=Addressee("Traoré-Sissoko-Coulibaly", "Awa"), care_of="UDAF 44")
    _check(longer)
    assert longer[0] == "Mamadou DIALLO-KOUYATÉ-KEITA" and "TRAORÉ" not in " ".join(longer)


@pytest.mark.parametrize(("commune", "cedex", "expected"), [
    ("Saint-Herblain", "", "44400 SAINT HERBLAIN"),
    ("Rezé", "", "44400 REZE"),
    ("L'Île-d'Yeu", "", "44400 L ILE D YEU"),
    ("Nantes", "cedex 1", "44400 NANTES CEDEX 1"),
    ("Saint-Étienne-de-Montluc-sur-Loire-et-Environs", "CEDEX 9", "44400 ST ETIENNE DE MONTLUC CEDEX 9"),
])
def test_last_line_in_capitals_without_accents(commune: str, cedex: str, expected: str) -> None:
    line = postcode_line("44400", commune, cedex)
    assert line == expected and len(line) <= MAX_LINE_LENGTH


def test_accents_are_removed_in_the_last_line_only() -> None:
    block = address_block(Addressee("Hélène", "Éléonore"), PostalAddress(
        street="5 allée des Érables", postcode="44400", commune="Rezé", complements=("Bâtiment É",)))
    assert block == ("Éléonore HÉLÈNE", "Bâtiment É", "5 allée des Érables", "44400 REZE")


def test_an_organisation_and_a_free_address_with_a_cedex() -> None:
    address = parse_postal_lines(["Service contentieux", "3 rue Alfred Riom", "BP 123", "44035 Nantes Cedex 1"])
    assert address is not None
    block = address_block("Habitat 44", address)
    assert block == ("Habitat 44", "Service contentieux", "3 rue Alfred Riom", "BP 123", "44035 NANTES CEDEX 1")
    assert parse_postal_lines(["3 rue Alfred Riom"]) is None
    assert parse_postal_lines(["3 rue Alfred Riom", "Nantes"]) is None


def test_a_line_repeating_the_name_is_dropped() -> None:
    block = address_block(Addressee("Diallo", "Mamadou"), PostalAddress(
        street="4 rue Basse", postcode="44000", commune="Nantes", complements=("Mamadou DIALLO",)))
    assert block == ("Mamadou DIALLO", "4 rue Basse", "44000 NANTES")


def test_holder_without_first_name_is_addressed_by_civility_and_family_name() -> None:
    """Issue 17: the first name is optional at intake. A civility when known ("Mme DUPONT", "M. DUPONT"), else the
    usual "M. ou Mme DUPONT": never the bare family name, "None" or a double space."""
    assert address_block(Addressee("Dupont", "", "Madame"), NANTES)[0] == "Mme DUPONT"
    assert address_block(Addressee("Dupont", "", "Monsieur"), NANTES)[0] == "M. DUPONT"
    assert address_block(Addressee("Dupont"), NANTES) == ("M. ou Mme DUPONT", "12 rue des Lilas", "44000 NANTES")
    assert address_block(Addressee("Dupont", "  "), NANTES)[0] == "M. ou Mme DUPONT"
    # With a co-holder of the same name, each person is written whole ("M. ou Mme et Paul DUPONT" would not read).
    couple = address_block(Addressee("Dupont"), NANTES, co_holder=Addressee("Dupont", "Paul"))
    assert couple[0] == "M. ou Mme DUPONT et Paul DUPONT"
    # A family name too long with "M. ou Mme" is written alone rather than cut.
    long_name = address_block(Addressee("de La Rochefoucauld-Montmorency"), NANTES)
    assert long_name[0] == "DE LA ROCHEFOUCAULD-MONTMORENCY"
    for block in (couple, long_name):
        _check(block)
        assert not any("None" in line or "  " in line for line in block)
