"""The answer page in the household's language, and in FALC where the campaign sends FALC (docs/web.md): the
catalogue is complete for French, FALC, English and Arabic, its FALC passes the FALC checks, and three households
of one campaign (Arabic, English, FALC) each read their own page. SQLite, one tick."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from campaigns.answers.next_steps import NEXT_STEPS
from campaigns.answers.texts import FALC, FR, TEXTS, VARIANTS, error_text
from campaigns.links.tokens import LinkTarget, issue_link
from campaigns.messages.falc import check_falc
from campaigns.models import AnswerLink, Case
from campaigns.models.stages import Stage
from campaigns.runtime.root import Runtime
from tests.answer_world import csrf
from tests.conftest import new_partner
from tests.factories import campaign, signalement


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_has_every_text_and_next_steps(variant: str) -> None:
    assert set(TEXTS[variant]) == set(TEXTS[FR])
    assert all(TEXTS[variant][key].strip() for key in TEXTS[FR])
    assert TEXTS[variant]["reply_to"].format(sender="X")  # one placeholder, the sender
    for stage in Stage:
        if stage not in (Stage.CLOTURE,) and stage in NEXT_STEPS:
            assert NEXT_STEPS[stage][variant].strip()
    assert set(NEXT_STEPS) >= {Stage.IMPAYE, Stage.COMMANDEMENT_DE_PAYER, Stage.ASSIGNATION, Stage.JUGEMENT}


def test_the_falc_texts_pass_the_falc_checks() -> None:
    texts = {**{f"page.{k}": v for k, v in TEXTS[FALC].items()},
             **{f"etape.{stage}": steps[FALC] for stage, steps in NEXT_STEPS.items()}}
    issues = {name: [f"{i.rule}: {i.excerpt}" for i in check_falc(text, html=False)] for name, text in texts.items()}
    assert {name: found for name, found in issues.items() if found} == {}


def test_a_service_refusal_reads_in_the_page_language() -> None:
    french = TEXTS[FR]["error_phone"]
    assert error_text(french, "ar") == TEXTS["ar"]["error_phone"] and error_text(french, "en") != french
    assert error_text("Autre refus", "en") == "Autre refus"


def _tokens(runtime: Runtime) -> dict[str, str]:
    """A fresh link (random token) for each case's letter, tied like the one the letter printed."""
    with runtime.session_factory.begin() as session:
        tokens = {}
        for link in session.scalars(select(AnswerLink)):
            reference = session.get_one(Case, link.case_id).reference
            target = LinkTarget(household_id=link.household_id, case_id=link.case_id, partner_id=link.partner_id,
                                campaign_id=link.campaign_id, stage=link.stage, stage_entry_id=link.stage_entry_id,
                                channel=link.channel)
            tokens[reference] = issue_link(session, target, now=runtime.clock(), lifetime=timedelta(days=30))
        return tokens


def test_each_household_reads_the_page_in_its_language(sqlite_runtime: Runtime) -> None:
    from api.app import create_app

    runtime = sqlite_runtime
    with TestClient(create_app(runtime)) as client:
        new_partner(runtime, "DDETS 44", "etat")
        new_partner(runtime, "ADIL 44", "adil")
        _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
        campaign(runtime, owner="DDETS 44", steps=[{"channel": "courrier", "template": "etape_commandement_de_payer"}])
        rows = [signalement("R-AR", langue="ar"),
                signalement("R-EN", nom="Smith", prenom="John", date_naissance="01/02/1970", langue="en",
                            adresse="3 rue Haute", telephone="06 11 22 33 44", numero_allocataire="555"),
                signalement("R-FALC", nom="Morel", prenom="Luc", date_naissance="05/06/1990", falc="oui",
                            adresse="9 rue Basse", telephone="06 55 66 77 88", numero_allocataire="777")]
        assert client.post("/api/v1/signalements", headers=bailleur, json=rows).status_code == 200
        runtime.tick()
        tokens = _tokens(runtime)
        assert set(tokens) == {"R-AR", "R-EN", "R-FALC"}

        arabic = client.get(f"/r/{tokens['R-AR']}")
        page = html.unescape(arabic.text)
        assert arabic.status_code == 200 and 'lang="ar" dir="rtl"' in page
        assert TEXTS["ar"]["check_label"] in page and '<html lang="fr"' in page  # the DSFR frame stays French
        wrong = client.post(f"/r/{tokens['R-AR']}", data={"csrf_token": csrf(arabic.text), "reponse": "R-X"})
        assert wrong.status_code == 400 and TEXTS["ar"]["wrong_answer"] in html.unescape(wrong.text)
        right = client.post(f"/r/{tokens['R-AR']}", data={"csrf_token": csrf(arabic.text), "reponse": "R-AR"},
                            follow_redirects=False)
        assert right.status_code == 303
        home = html.unescape(client.get(f"/r/{tokens['R-AR']}").text)
        assert "الرد على DDETS 44" in home and NEXT_STEPS[Stage.COMMANDEMENT_DE_PAYER]["ar"] in home
        assert TEXTS["ar"]["role_adil"] in home and "من 9:00 إلى 12:00" in home
        bad_phone = client.post(f"/r/{tokens['R-AR']}/telephone", data={"csrf_token": csrf(home), "telephone": "12"})
        assert bad_phone.status_code == 400 and TEXTS["ar"]["error_phone"] in html.unescape(bad_phone.text)
        done = client.post(f"/r/{tokens['R-AR']}/recu", data={"csrf_token": csrf(home)})
        assert TEXTS["ar"]["done_recu"] in html.unescape(done.text)

        client.cookies.clear()
        english = client.get(f"/r/{tokens['R-EN']}")
        assert 'lang="en" dir="ltr"' in english.text and "Reply to your letter" in html.unescape(english.text)
        client.post(f"/r/{tokens['R-EN']}", data={"csrf_token": csrf(english.text), "reponse": "1970"})
        home = html.unescape(client.get(f"/r/{tokens['R-EN']}").text)
        assert "Reply to DDETS 44" in home and "What happens next?" in home and ", 9:00 to 12:00" in home

        client.cookies.clear()
        falc = client.get(f"/r/{tokens['R-FALC']}")
        assert 'lang="fr"' in falc.text and "Ici, vous pouvez répondre." in html.unescape(falc.text)
        client.post(f"/r/{tokens['R-FALC']}", data={"csrf_token": csrf(falc.text), "reponse": "1990"})
        home = html.unescape(client.get(f"/r/{tokens['R-FALC']}").text)
        assert "Vous avez 2 mois pour payer ou trouver un accord." in home and "Qui peut vous aider ?" in home
        assert "J'ai bien reçu la lettre" in home
