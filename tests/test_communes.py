"""Commune names from the code officiel géographique (Etalab's dataset installed by npm): pages show « Saint-Étienne »
for a case's « ST ETIENNE », letters keep the postal norm; postcodes map to their communes; the campaign form's list
is Insee codes, its names and postcodes read from the dataset."""

from __future__ import annotations

import yaml

from campaigns.campaign.communes import REFERENCE_FILE, reference_communes
from campaigns.messages.address_block import postcode_line
from campaigns.platform.communes import (
    commune_by_code,
    commune_label,
    communes_of_postcode,
    name_key,
    official_commune,
)
from campaigns.platform.resources import cog_communes_file


def test_names_as_the_cog_writes_them_whatever_the_case_wrote() -> None:
    assert cog_communes_file().is_file(), "run scripts/setup.sh (npm ci in web/)"
    for written, postcode, official in (("ST ETIENNE", "42000", "Saint-Étienne"), ("saint-etienne", "42100",
                                        "Saint-Étienne"), ("REZE", "44400", "Rezé"), ("Couëron", "44220", "Couëron"),
                                        ("STE LUCE SUR LOIRE", "44980", "Sainte-Luce-sur-Loire"),
                                        ("LES SABLES D OLONNE", "85100", "Les Sables-d'Olonne"),
                                        ("evry courcouronnes", "91000", "Évry-Courcouronnes")):
        assert commune_label(written, postcode) == official, written
    assert name_key("St-Étienne") == name_key("SAINT ETIENNE") == "SAINT ETIENNE"
    # Without a postcode: the only current commune of that name, none when several share it.
    assert commune_label("CHATEAUBRIANT") == "Châteaubriant"
    assert official_commune("Saint-Martin") is None
    # Not the commune of that postcode, or unknown: the name as received (never another commune's).
    assert commune_label("NANTES", "42000") == "NANTES"
    assert commune_label("Ville-Inconnue", "44000") == "Ville-Inconnue" and commune_label(None, "44000") == ""


def test_postcodes_map_to_their_communes() -> None:
    assert {c.name for c in communes_of_postcode("44150")} >= {"Ancenis-Saint-Géréon"}
    nantes = commune_by_code("44109")
    assert nantes is not None and nantes.name == "Nantes" and nantes.departement == "44"
    assert {"44000", "44100", "44200", "44300"} <= set(nantes.postcodes)
    assert [c.name for c in communes_of_postcode("44400")] == ["Rezé"]
    assert communes_of_postcode("4440") == () and communes_of_postcode(None) == ()


def test_letters_keep_the_postal_norm_while_pages_show_accents() -> None:
    shown = commune_label("ST ETIENNE", "42000")
    assert shown == "Saint-Étienne"
    assert postcode_line("42000", shown) == "42000 SAINT ETIENNE"
    assert postcode_line("85100", commune_label("les sables d'olonne", "85100")) == "85100 LES SABLES D OLONNE"


def test_the_forms_communes_are_insee_codes_named_by_the_dataset() -> None:
    listed = yaml.safe_load(REFERENCE_FILE.read_text("utf-8"))["communes"]
    codes = [str(code) for codes in listed.values() for code in codes]
    assert all(len(code) == 5 and code[:2] == dep for dep, items in listed.items() for code in map(str, items))
    choices = reference_communes()
    assert len(choices) == len(codes) == 34  # every code found in the dataset
    names = {c.name: (c.postcode, c.departement) for c in choices}
    assert names["Rezé"] == ("44400", "44") and names["Étampes"] == ("91150", "91")
    assert names["Les Sables-d'Olonne"] == ("85100", "85")
