"""Pushing the same file again changes nothing (api.md, CSV files): nothing is sent twice."""

from __future__ import annotations

from datetime import timedelta

from tests.outsider.world import World
from tests.outsider2.helpers import BAILLEUR, DDETS, STATE_AND_BAILLEUR, row, setup_partners

ROWS = [row(f"RP-{n}", name, prenom=first, telephone=f"061122334{n}" if n % 2 else None,
           date_naissance=f"19{60 + n}-0{n}-1{n}", adresse=f"{n} rue de la Nuée-Bleue")
        for n, (name, first) in enumerate([("Muller", "Anne"), ("Schmitt", "Léon"), ("Weiß", "Jürgen"),
                                           ("Van der Berg", "Inès")], start=1)]


def _sent(world: World) -> int:
    return len(world.letters()) + len(world.sms()) + len(world.emails())


def test_same_rows_pushed_three_times_send_nothing_twice(world: World) -> None:
    setup_partners(world)
    world.load_campaigns(STATE_AND_BAILLEUR)
    first = world.push(BAILLEUR, ROWS)
    second = world.push(BAILLEUR, ROWS)
    assert second.get("inchanges") == len(ROWS), second
    assert not second.get("crees") and not second.get("mis_a_jour"), second
    world.send()
    after_first_round = _sent(world)
    assert after_first_round == len(ROWS), (first, after_first_round)
    world.clock.advance(days=1)
    third = world.push(BAILLEUR, ROWS)
    assert third.get("inchanges") == len(ROWS), third
    # the State pushes the same households too, as the pilot's own file: still one letter per household and stage
    world.push(DDETS, [dict(r, reference="E-" + r["reference"]) for r in ROWS])
    world.send()
    world.send(world.clock.now + timedelta(days=8))
    letters = world.letters()
    assert len(letters) == len(ROWS), [p.name for p in letters]
    # the SMS relance goes once to each household with a mobile, even after three pushes
    assert len(world.sms()) == 2, [p.read_text() for p in world.sms()]
