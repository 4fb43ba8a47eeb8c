"""Every household template carries the answer link when it has one (docs/web.md, « Le lien de réponse »), and the
SMS still fit: GSM-7 within 3 segments (CHAINE_SMS_MAX_SEGMENTS) for French and English, 3 UCS-2 segments for
Arabic, with the longest sender and a link of a realistic length."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaigns.locale.sms_encoding import GSM7, UCS2, sms_info
from campaigns.messages.addressees import PARTNER_LETTERS
from campaigns.messages.previews import sample_context
from campaigns.messages.rendering import list_templates, render
from campaigns.models.stages import Stage
from tests.test_stage_templates import FULL, LONG_SENDER, SPARSE

LINK = "https://chaine.exemple.gouv.fr/r/AbCdEfGhIjKlMnOpQrStUv"
# The letters to a partner (the landlord's, the social services') never carry the household's link; the appointment
# reminder (a worker's task, issue 18) is left to its owner.
HOUSEHOLD = [t for t in list_templates() if t[1] not in PARTNER_LETTERS | {"rappel_rendez_vous"}]
SAMPLE = sample_context(Stage.ASSIGNATION, sender="DDETS 44", phone="02 40 08 00 00",
                        now=datetime(2026, 11, 25, 9, 30, tzinfo=UTC))


@pytest.mark.parametrize("variant", HOUSEHOLD, ids=lambda v: "-".join(map(str, v)))
def test_every_household_template_shows_the_link(variant: tuple[str, str, str, bool]) -> None:
    channel, slug, locale, falc = variant
    rendered = render(channel, slug, locale=locale, falc=falc, context=FULL | SAMPLE | {"lien_reponse": LINK})
    assert LINK in (rendered.body + rendered.html_body)
    without = render(channel, slug, locale=locale, falc=falc, context=FULL | SAMPLE | {"lien_reponse": None})
    assert "/r/" not in (without.body + without.html_body)


@pytest.mark.parametrize("context", [FULL, SPARSE], ids=["full", "sparse"])
@pytest.mark.parametrize("variant", [t for t in HOUSEHOLD if t[0] == "sms"], ids=lambda v: "-".join(map(str, v)))
def test_sms_with_the_link_fit_their_budget(variant: tuple[str, str, str, bool], context: dict[str, object]) -> None:
    _, slug, locale, falc = variant
    body = render("sms", slug, locale=locale, falc=falc,
                  context=context | {"expediteur": LONG_SENDER, "lien_reponse": LINK}).body
    info = sms_info(body)
    assert info.segments <= 3
    assert info.encoding == (UCS2 if locale == "ar" else GSM7), info.non_gsm
