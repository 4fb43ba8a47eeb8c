"""Other partners pushing in other orders (domain.md §7.2, §8: a household is not one person; README: one
coordinated letter per household and stage across all partners)."""

from __future__ import annotations

import csv
import io

from tests.outsider.world import World
from tests.outsider2.helpers import BAILLEUR, DDETS, STATE_AND_BAILLEUR, letters_for, row, setup_partners


def test_state_first_then_bailleur_a_day_later_one_letter(world: World) -> None:
    setup_partners(world)
    world.load_campaigns(STATE_AND_BAILLEUR)
    household = row("ST-1", "Da Silva Pereira", prenom="João", date_naissance="1979-12-24", adresse="2 rue du Dôme")
    world.push(DDETS, [household])
    world.send()
    world.clock.advance(days=1)
    world.push(BAILLEUR, [dict(household, reference="BX-1")])
    world.send()
    found = letters_for(world, "DA SILVA PEREIRA")
    assert len(found) == 1, [p.name for p, _ in found]
    contacts = world.case(BAILLEUR, "BX-1").json()["contacts"]
    letters = [c for c in contacts if c["canal"] == "courrier"]
    assert letters and all(c["statut"] == "cancelled" and c["motif"] == "duplicate" for c in letters), contacts


def test_co_tenants_pushed_in_swapped_order_are_one_household(world: World) -> None:
    setup_partners(world)
    world.load_campaigns(STATE_AND_BAILLEUR)
    world.push(BAILLEUR, [row("CT-1", "Koç", prenom="Elif", date_naissance="1988-04-12", nom_cotitulaire="Roth",
                              prenom_cotitulaire="Mathis", date_naissance_cotitulaire="1986-10-01",
                              adresse="21 rue de l'Écurie", telephone="0677001122")])
    # the State's file names the other co-holder first
    world.push(DDETS, [row("EC-1", "Roth", prenom="Mathis", date_naissance="1986-10-01", nom_cotitulaire="Koç",
                           prenom_cotitulaire="Elif", date_naissance_cotitulaire="1988-04-12",
                           adresse="21 rue de l'Écurie")])
    grouping = world.client.get("/api/v1/admin/menages.csv", headers=world.keys[DDETS])
    assert grouping.status_code == 200, grouping.text
    rows = list(csv.reader(io.StringIO(grouping.text), delimiter=";" if ";" in grouping.text.splitlines()[0] else ","))
    ids = {r[1]: r[2] for r in rows[1:] if len(r) > 2}
    assert ids.get("CT-1") == ids.get("EC-1"), rows
    world.send()
    both = [t for _, t in letters_for(world, "ROTH") if "KO" in t.upper()]
    assert len(both) == 1, len(both)
