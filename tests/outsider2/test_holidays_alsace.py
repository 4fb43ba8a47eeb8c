"""Due times move into working hours, French public holidays excluded (campaigns.md; domain.md §5.3), here in the
Bas-Rhin, where Good Friday and 26 December are public holidays (local law of Alsace-Moselle)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.outsider.world import World
from tests.outsider2.helpers import DDETS, row, setup_partners

CAMPAIGN = f"""
campaigns:
  - name: "Information de l'État"
    owner: "{DDETS}"
    stages: [commandement_de_payer]
    steps:
      - {{channel: courrier, template: information_etat}}
"""


def _due(world: World, pushed_at: datetime, reference: str) -> str:
    world.clock.now = pushed_at
    world.push(DDETS, [row(reference, "Kieffer", prenom="Odile", date_stade=pushed_at.date().isoformat(),
                           date_naissance=f"19{50 + int(reference[-1])}-03-03",
                           adresse=f"{reference[-1]} rue des Juifs")])
    [contact] = world.case(DDETS, reference).json()["contacts"]
    return str(contact["prevu_le"])


def test_weekend_moves_to_monday_morning(world: World) -> None:
    setup_partners(world)
    world.load_campaigns(CAMPAIGN)
    # Saturday 28 November 2026, 11:00 Paris → Monday 30 November, 9:00 Paris (8:00 UTC)
    assert _due(world, datetime(2026, 11, 28, 10, 0, tzinfo=UTC), "AL-1").startswith("2026-11-30T08:00")
    # Thursday 24 December 2026, 19:00 Paris → Friday 25 is Christmas → Monday 28 December
    assert _due(world, datetime(2026, 12, 24, 18, 0, tzinfo=UTC), "AL-2").startswith("2026-12-28T08:00")


@pytest.mark.parametrize(("pushed", "expected"), [
    # Thursday 25 March 2027 after hours → Good Friday (Alsace-Moselle), Easter Monday → Tuesday 30 March
    (datetime(2027, 3, 25, 18, 0, tzinfo=UTC), "2027-03-30T07:00"),
    # Wednesday 24 December 2025 after hours → 25 (national), 26 (Alsace-Moselle) → Monday 29 December
    (datetime(2025, 12, 24, 18, 0, tzinfo=UTC), "2025-12-29T08:00"),
])
def test_alsace_moselle_holidays_are_not_working_days(world: World, pushed: datetime, expected: str) -> None:
    setup_partners(world)
    world.load_campaigns(CAMPAIGN)
    assert _due(world, pushed, "AL-3").startswith(expected)
