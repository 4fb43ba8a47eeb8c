"""The household answers through the link of its SMS or letter (web.md « Le lien de réponse »): every campaign's
pending steps at the stage stop, a partner pushing later sends nothing more; the call-back slots leave out the
public holidays of the household's département."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.outsider.world import World, pdf_text
from tests.outsider2.helpers import (
    BAILLEUR,
    CCAS,
    CCAS_CAMPAIGN,
    DDETS,
    STATE_AND_BAILLEUR,
    letters_for,
    row,
    setup_partners,
)


def _open_link(world: World, token: str, check: str) -> str:
    page = world.client.get(f"/r/{token}")
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, page.text
    after = world.client.post(f"/r/{token}", data={"csrf_token": csrf.group(1), "reponse": check})
    assert after.status_code == 200 and "/recu" in after.text, after.text[-2000:]
    return str(after.text)


def test_household_answers_by_sms_link_then_another_partner_pushes(world: World) -> None:
    setup_partners(world)
    world.partner(CCAS, "ccas", "--adresse", "1 place de l'Étoile|67000 Strasbourg")
    world.load_campaigns(STATE_AND_BAILLEUR)
    household = row("LK-1", "Le Goff", prenom="Yann", telephone="0699887700", date_naissance="1982-02-14")
    world.push(BAILLEUR, [household])
    world.send()
    world.clock.advance(days=7)
    world.send()
    [sms] = world.sms()
    token = re.search(r"/r/([\w-]+)", sms.read_text(encoding="utf-8"))
    assert token, sms.read_text(encoding="utf-8")
    page = _open_link(world, token.group(1), "1982")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    done = world.client.post(f"/r/{token.group(1)}/recu", data={"csrf_token": csrf.group(1)})
    assert done.status_code in (200, 303), done.text
    assert world.case(BAILLEUR, "LK-1").json()["reponse_recue_au_stade_actuel"] is True
    world.load_campaigns(CCAS_CAMPAIGN)
    world.clock.advance(days=1)
    world.push(CCAS, [dict(household, reference="CCAS-LK")])
    world.send()
    world.send(world.clock.now + timedelta(days=3))
    assert len(letters_for(world, "Le Goff")) == 1
    assert len(world.sms()) == 1
    assert all(c["statut"] != "delivered" for c in world.case(CCAS, "CCAS-LK").json()["contacts"])


CAMPAIGN = f"""
campaigns:
  - name: "Information de l'État"
    owner: "{DDETS}"
    stages: [commandement_de_payer]
    steps:
      - {{channel: courrier, template: information_etat}}
"""


def _slots_after_letter(world: World, pushed: datetime, opened: datetime) -> list[str]:
    setup_partners(world)
    world.load_campaigns(CAMPAIGN)
    world.clock.now = pushed
    world.push(DDETS, [row("SL-1", "Kuntz", prenom="Albert", date_stade=pushed.date().isoformat())])
    world.send()
    [path] = world.letters()
    token = re.search(r"/r/([\w-]+)", pdf_text(path).replace("\n", ""))
    assert token
    world.clock.now = opened
    page = _open_link(world, token.group(1), "SL-1")
    return re.findall(r'<label class="fr-label" for="creneau-\d+">([^<]+)</label>', page)


def test_call_back_slots_skip_weekend_and_national_holiday(world: World) -> None:
    # Tuesday 10 November 2026 after hours → Wednesday 11 (Armistice) left out: Thursday 12, Friday 13, Monday 16
    slots = _slots_after_letter(world, datetime(2026, 11, 10, 9, 30, tzinfo=UTC),
                                datetime(2026, 11, 10, 17, 30, tzinfo=UTC))
    days = {s.split(",")[0] for s in slots}
    assert days == {"jeudi 12 novembre", "vendredi 13 novembre", "lundi 16 novembre"}, slots


def test_call_back_slots_skip_good_friday_in_bas_rhin(world: World) -> None:
    slots = _slots_after_letter(world, datetime(2027, 3, 24, 9, 30, tzinfo=UTC),
                                datetime(2027, 3, 25, 17, 30, tzinfo=UTC))
    days = {s.split(",")[0] for s in slots}
    assert days == {"mardi 30 mars", "mercredi 31 mars", "jeudi 1er avril"}, slots
