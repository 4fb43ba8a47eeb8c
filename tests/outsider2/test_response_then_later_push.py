"""A household answers by SMS (domain.md §7.2 "a response stops everyone"), then another partner pushes it later
at the same stage: nothing more goes to the household at that stage, the regulatory letter already went."""

from __future__ import annotations

from datetime import timedelta

from tests.outsider.world import World
from tests.outsider2.helpers import BAILLEUR, CCAS, CCAS_CAMPAIGN, STATE_AND_BAILLEUR, letters_for, row, setup_partners


def test_sms_answer_then_another_partner_pushes_later(world: World) -> None:
    setup_partners(world)
    world.partner(CCAS, "ccas", "--adresse", "1 place de l'Étoile|67000 Strasbourg")
    world.load_campaigns(STATE_AND_BAILLEUR)
    household = row("AN-1", "Le Goff", prenom="Gwénaëlle", telephone="0699887766", date_naissance="1982-02-14")
    world.push(BAILLEUR, [household])
    world.send()
    assert len(letters_for(world, "Le Goff")) == 1
    world.clock.advance(days=1)
    answer = world.client.post("/api/v1/reponses", headers=world.keys[BAILLEUR], json={
        "reference": "AN-1", "canal": "sms", "nature": "sms", "motif_menage": "appel_du_menage"})
    assert answer.status_code == 201, answer.text
    case = world.case(BAILLEUR, "AN-1").json()
    assert case["reponse_recue_au_stade_actuel"] is True, case
    sms_steps = [c for c in case["contacts"] if c["canal"] == "sms"]
    assert sms_steps and all(c["statut"] == "cancelled" and c["motif"] == "responded" for c in sms_steps), case
    # later: the CCAS starts its own campaign and pushes the same household at the same stage
    world.load_campaigns(CCAS_CAMPAIGN)
    world.clock.advance(days=2)
    world.push(CCAS, [dict(household, reference="CCAS-77")])
    world.send()
    world.send(world.clock.now + timedelta(days=9))
    assert len(letters_for(world, "Le Goff")) == 1, "a letter went after the household answered at this stage"
    assert world.sms() == [], [p.read_text() for p in world.sms()]
    ccas_case = world.case(CCAS, "CCAS-77").json()
    assert all(c["statut"] != "delivered" for c in ccas_case["contacts"]), ccas_case
