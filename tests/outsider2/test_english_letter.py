"""An English letter (campaigns.md: English for the commandement de payer) should read in English throughout."""

from __future__ import annotations

from tests.outsider.world import World
from tests.outsider2.helpers import DDETS, letters_for, row, setup_partners

CAMPAIGN = f"""
campaigns:
  - name: "Courrier de l'État"
    owner: "{DDETS}"
    stages: [commandement_de_payer]
    languages: [fr, en]
    steps:
      - {{channel: courrier, template: etape_commandement_de_payer, regulatory: true}}
"""


def test_english_letter_has_no_french_frame(world: World) -> None:
    setup_partners(world)
    world.load_campaigns(CAMPAIGN)
    world.push(DDETS, [row("EN-1", "Smith", prenom="John", langue="en", adresse="7 rue Kuhn")])
    world.send()
    [(_, text)] = letters_for(world, "SMITH")
    assert "Dear Sir or Madam" in text
    assert "novembre" not in text and "Référence" not in text, text[:1200]
