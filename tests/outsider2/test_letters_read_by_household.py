"""What the addressee reads: particles, compound names, two co-tenants, Mayotte, no phone (campaigns.md, address
block; domain.md §7.2 one letter per household per stage)."""

from __future__ import annotations

import re

from tests.outsider.world import World
from tests.outsider2.helpers import BAILLEUR, ENGLISH, STATE_AND_BAILLEUR, letters_for, row, setup_partners

HOUSEHOLDS = [
    row("HI-101", "de La Fontaine", prenom="Marie-Thérèse", telephone="0612345678"),
    row("HI-102", "N'Diaye-Le Gall", prenom="Aïssatou", nom_cotitulaire="Le Gall", prenom_cotitulaire="Éric"),
    row("HI-103", "Abdallah", prenom="Zaïnaba", adresse="Rue du Commerce", complement_adresse="Quartier Cavani",
        code_postal="97600", commune="Mamoudzou"),
    row("HI-104", "d'Harcourt", prenom="Louis", adresse="3 place de l'Église", code_postal="67220",
        commune="Sainte-Croix-aux-Mines", telephone=None),
]


def _address_block(text: str) -> str:
    """The lines before the date line (sender, QR caption and the recipient block)."""
    return text.split("Le ", 1)[0] if re.search(r"\n\s*Le \d", text) else text[:800]


def test_each_household_reads_one_letter_with_its_name_once(world: World) -> None:
    setup_partners(world)
    world.load_campaigns(STATE_AND_BAILLEUR)
    report = world.push(BAILLEUR, HOUSEHOLDS)
    assert report, report
    world.send()
    expected = {
        "HI-101": ("LA FONTAINE", "67000 STRASBOURG"),
        "HI-102": ("DIAYE", "67000 STRASBOURG"),
        "HI-103": ("ABDALLAH", "97600 MAMOUDZOU"),
        "HI-104": ("HARCOURT", "67220 SAINTE CROIX AUX MINES"),
    }
    for reference, (surname, last_line) in expected.items():
        found = letters_for(world, f"Référence : {reference}\n")
        assert len(found) == 1, (reference, [p.name for p, _ in found])  # one coordinated letter (merged)
        _, text = found[0]
        first_page = text.split("Page 1 /")[0]
        assert first_page.upper().count(surname) == 1, (reference, first_page[:900])
        assert last_line in first_page, (reference, first_page[:900])
        assert re.search(r"Le 25 novembre 2026", text), text[:900]
        assert not ENGLISH.search(text), ENGLISH.search(text)
        assert "None" not in text and "{{" not in text
        # no internal household or contact ids: only the sender's reference is printed
        assert not re.search(r"(ménage|menage|household|contact)\s*(n°|#|id)\s*\d", text, re.I)


def test_two_co_tenants_are_both_named_in_the_address_block(world: World) -> None:
    setup_partners(world)
    world.load_campaigns(STATE_AND_BAILLEUR)
    world.push(BAILLEUR, HOUSEHOLDS[1:2])
    world.send()
    [(_, text)] = letters_for(world, "Référence : HI-102\n")
    block = text.split("Référence : HI-102")[0]
    assert "Aïssatou" in block or "A. " in block, block
    assert "Éric" in block or "É. " in block or "E. " in block, block
    assert block.upper().count("LE GALL") >= 1, block
