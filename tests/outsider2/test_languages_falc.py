"""Languages and FALC (domain.md §12, §13.7; campaigns.md fallbacks; api.md `langue_demandee`, `repli_langue`)."""

from __future__ import annotations

from tests.outsider.world import World
from tests.outsider2.helpers import DDETS, ENGLISH, letters_for, row, setup_partners

CAMPAIGN = f"""
campaigns:
  - name: "Information de l'État en FALC"
    owner: "{DDETS}"
    stages: [commandement_de_payer]
    languages: [fr, ar]
    falc: toujours
    steps:
      - {{channel: courrier, template: information_etat}}
"""


def test_arabic_asked_french_falc_sent_and_recorded(world: World) -> None:
    setup_partners(world)
    world.load_campaigns(CAMPAIGN)
    world.push(DDETS, [
        row("LG-1", "Benali", prenom="Fatima", langue="ar", date_naissance="1968-01-30",
            adresse="4 rue du Jeu-des-Enfants"),
        row("LG-2", "Yılmaz", prenom="Ayşe", langue="tr", date_naissance="1990-07-07",
            adresse="9 rue de la Division-Leclerc"),
    ])
    world.send()
    for reference, asked in (("LG-1", "ar"), ("LG-2", "tr")):
        case = world.case(DDETS, reference).json()
        [sent] = [c for c in case["contacts"] if c["canal"] == "courrier"]
        assert sent["statut"] == "delivered", sent
        assert sent["langue_demandee"] == asked and sent["langue"] == "fr", sent
        assert sent["falc"] is True and sent["repli_langue"] is True, sent
    for surname in ("BENALI", "YILMAZ"):
        found = letters_for(world, surname)
        assert len(found) == 1, surname
        text = found[0][1]
        assert not ENGLISH.search(text), ENGLISH.search(text)
        # FALC: glossary of the sigles at the end (campaigns.md, letters), no percentages, short lines
        assert "Glossaire" in text or "glossaire" in text or "Les mots" in text, text[-1500:]
        assert "%" not in text
    evaluation = world.client.get("/api/v1/evaluation", headers=world.keys[DDETS],
                                  params={"debut": "2026-11-01", "fin": "2026-11-30"})
    assert evaluation.status_code == 200, evaluation.text
    lines = evaluation.json()["sections"]["replis_langue"]["lignes"]
    assert any("arabe" in str(line.get("langue", "")) for line in lines), lines
    # 1 household per language: small cells, never the count itself
    assert all(line.get("envois") in ("< 5", None, "secret") for line in lines), lines
