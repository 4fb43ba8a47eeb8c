"""The winter truce as data by year, and the end date the letters state for the year they are sent (issue 18)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from campaigns.locale.clock import PARIS
from campaigns.locale.truce import in_truce, next_truce_end, truce_end
from campaigns.messages.previews import sample_context
from campaigns.messages.rendering import render
from campaigns.models.stages import Stage


def test_truce_ends_by_year() -> None:
    assert truce_end(2019) == date(2019, 3, 31)
    assert truce_end(2020) == date(2020, 7, 10)
    assert truce_end(2021) == date(2021, 5, 31)
    assert truce_end(2027) == date(2027, 3, 31)


@pytest.mark.parametrize(("day", "inside"), [
    (date(2020, 6, 30), True), (date(2020, 7, 11), False), (date(2021, 5, 31), True), (date(2021, 6, 1), False),
    (date(2026, 10, 31), False), (date(2026, 11, 1), True), (date(2027, 3, 31), True), (date(2027, 4, 1), False),
])
def test_in_truce(day: date, inside: bool) -> None:
    assert in_truce(day) is inside


@pytest.mark.parametrize(("sent", "end"), [
    (date(2021, 3, 20), date(2021, 5, 31)),  # scenario 11: octroi du CFP on 20 March 2021
    (date(2020, 5, 2), date(2020, 7, 10)),
    (date(2020, 11, 15), date(2021, 5, 31)),
    (date(2026, 6, 1), date(2027, 3, 31)),
    (date(2026, 12, 1), date(2027, 3, 31)),
])
def test_the_end_a_message_states(sent: date, end: date) -> None:
    assert next_truce_end(sent) == end


@pytest.mark.parametrize(("channel", "slug"), [
    ("courrier", "etape_octroi_force_publique"), ("courrier", "etape_commandement_de_quitter_les_lieux"),
    ("email", "etape_octroi_force_publique"),
])
def test_letters_state_the_extended_end_in_2021(channel: str, slug: str) -> None:
    now = datetime(2021, 3, 20, 10, tzinfo=PARIS)
    context = sample_context(Stage.OCTROI_FORCE_PUBLIQUE, sender="DDETS 44", phone=None, now=now)
    rendered = render(channel, slug, locale="fr", falc=False, context=context)
    text = rendered.html_body or rendered.body
    assert "du 1er novembre au 31 mai 2021" in text and "31 mars" not in text
    later = sample_context(Stage.OCTROI_FORCE_PUBLIQUE, sender="DDETS 44", phone=None,
                           now=datetime(2026, 12, 2, 10, tzinfo=PARIS))
    assert "du 1er novembre au 31 mars 2027" in render(channel, slug, locale="fr", falc=False, context=later).html_body
