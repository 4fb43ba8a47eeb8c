"""Pins what every text folding returns: the linkage's stored blocking keys are hashes of folded names and
addresses, and campaigns store folded communes, so any change of these outputs would change stored data.

The expected values were taken from the code before the foldings moved to `campaigns.locale.text`."""

from __future__ import annotations

from datetime import date

from campaigns.delivery.print_batches import partner_slug
from campaigns.intake.csv_files import _column_name
from campaigns.intake.fields import _stage
from campaigns.linkage.blocking import PersonRecord, hashed_keys
from campaigns.linkage.names import folded_tokens, name_tokens
from campaigns.locale.addresses import normalise_commune, normalise_street
from campaigns.locale.text import fold, normalise_text
from campaigns.messages.requirements import fold as requirement_fold
from campaigns.models.stages import Stage
from channels.sms_twilio import is_stop_keyword
from tests.conftest import FIXED_KEYRING

# Accents, apostrophes (typographic and straight), hyphens, ligatures (œ, æ, ﬁ), ß, compatibility forms (Ⅻ, ½)
# and non-Latin scripts (Cyrillic, Arabic, Han).
SAMPLES = ["Hélène d’Œuf", "Le Hénaff-d’Arc", "Lætitia Cœur", "Straße", "Ñúñez", "Ōsaka", "Åström", "Иванов",
           "محمد", "李", "N'Diaye", "  Saint-Étienne-du-Rouvray ", "ﬁnance", "Ⅻ", "", "½ étage"]


def test_name_fold() -> None:
    assert [fold(v) for v in SAMPLES] == [
        "HELENE D'OEUF", "LE HENAFF-D'ARC", "LAETITIA COEUR", "STRASSE", "NUNEZ", "OSAKA", "ASTROM", "", "", "",
        "N'DIAYE", "  SAINT-ETIENNE-DU-ROUVRAY ", "FINANCE", "XII", "", "12 ETAGE"]


def test_name_tokens() -> None:
    assert [name_tokens(v) for v in SAMPLES] == [
        ("HELENE", "D", "OEUF"), ("LE", "HENAFF", "D", "ARC"), ("LAETITIA", "COEUR"), ("STRASSE",), ("NUNEZ",),
        ("OSAKA",), ("ASTROM",), (), (), (), ("NDIAYE",), ("SAINT", "ETIENNE", "DU", "ROUVRAY"), ("FINANCE",),
        ("XII",), (), ("12", "ETAGE")]



def test_name_tokens_of_folded_words_as_the_general_rule() -> None:
    """A value made of capitals, digits and spaces only takes a short path: the same tokens as folding it."""
    folded = ["MARTIN", "LE GOFF", "ST PIERRE", "STE  CROIX", " DE LA FONTAINE ", "MARTIN 12", "L ARC", "D", "X1 Y2"]
    folded += [" ".join(name_tokens(v)) for v in SAMPLES]
    assert [name_tokens(v) for v in folded] == [folded_tokens(v) for v in folded]
    assert name_tokens("ST PIERRE") == ("SAINT", "PIERRE")
    """Ligatures that NFKD keeps (œ, æ) are dropped as punctuation: campaigns store communes folded this way."""
    assert [normalise_text(v) for v in SAMPLES] == [
        "HELENE D UF", "LE HENAFF D ARC", "L TITIA C UR", "STRASSE", "NUNEZ", "OSAKA", "ASTROM", "", "", "",
        "N DIAYE", "SAINT ETIENNE DU ROUVRAY", "FINANCE", "XII", "", "1 2 ETAGE"]
    assert normalise_text(None) == ""


def test_requirement_fold() -> None:
    assert [requirement_fold(v) for v in SAMPLES] == [
        "Helene d'OEuf", "Le Henaff-d'Arc", "Lætitia Coeur", "Straße", "Nunez", "Osaka", "Astrom", "Иванов", "محمد",
        "李", "N'Diaye", "Saint-Etienne-du-Rouvray", "finance", "XII", "", "1⁄2 etage"]
    assert requirement_fold("l’aide\u00a0juridictionnelle\n  أ\u0640ب") == "l'aide juridictionnelle اب"


def test_slugs_headers_stages_and_stop_words() -> None:
    assert [partner_slug(v) for v in SAMPLES] == [
        "helene-duf", "le-henaff-darc", "ltitia-cur", "strae", "nunez", "osaka", "astrom", "partenaire",
        "partenaire", "partenaire", "n-diaye", "saint-etienne-du-rouvray", "finance", "xii", "partenaire", "12-etage"]
    assert [_column_name(v) for v in ("Date de naissance", "Téléphone", "Code-Postal ", "Cœur", "Straße")] == [
        "date_naissance", "telephone", "code_postal", "cœur", "straße"]
    assert _stage("Commandement de payer") == Stage.COMMANDEMENT_DE_PAYER
    assert _stage("Impayé") == Stage.IMPAYE
    assert [is_stop_keyword(v) for v in ("STOP", "ARRÊT", "« Arret. »", "Straße")] == [True, True, True, False]


def test_communes_and_streets_fold_alike() -> None:
    assert normalise_commune("St-Étienne-du-Rouvray") == normalise_commune("SAINT ETIENNE DU ROUVRAY")
    assert normalise_street("12, rue de l’Œuvre").key == normalise_street("12 RUE DE L OEUVRE").key


def test_stored_blocking_keys_do_not_change() -> None:
    """The hashes written to block_keys for rows with accents, ligatures, ß, an apostrophe and hyphens."""
    first = PersonRecord(nom="Le Hénaff-d’Arc", prenom="Lætitia", date_naissance=date(1984, 2, 29),
                         adresse="12, rue de l’Œuvre", code_postal="76800", commune="Saint-Étienne-du-Rouvray",
                         telephone="06 12 34 56 78", nom_cotitulaire="Straße", prenom_cotitulaire="Zoë",
                         date_naissance_cotitulaire=date(1990, 1, 2))
    second = PersonRecord(nom="Œrsted", prenom="Ñúñez", date_naissance=date(1970, 5, 6),
                          adresse="3 bis, allée des Peupliers", code_postal="13001", commune="Marseille")
    # Issue 17 changed the scheme (address + one name prefix at a time, rebuilt by migration a9c4e2f7b1d3; then birth
    # date + one name, rebuilt by migration c5a9e3d7f1b2; then the street's longest word cut to three letters,
    # rebuilt by migration f3b7d9a1c5e8), and issue 16 keyed the hashes (HMAC under the blind index key, migration
    # f1a7c3e9b5d2): pinned under a fixed key. A change here needs a migration that rebuilds the keys.
    assert sorted(hashed_keys(first, FIXED_KEYRING).items()) == [
        (-1516815953, 1), (-1269353859, 2), (-645866130, 1), (-556197302, 2), (244769661, 1), (329431427, 1),
        (425056093, 1), (931039751, 1), (1165922957, 1), (1647430347, 1), (1810641360, 1), (1873235202, 1),
        (1957519017, 1)]
    assert sorted(hashed_keys(second, FIXED_KEYRING).items()) == [
        (-1771157499, 1), (-1613514825, 2), (-1604912624, 1), (-236776084, 2), (810008120, 1), (1360084051, 1),
        (1448658720, 1)]
