"""Every letter as printed, read back from its PDF: the address block of every template × stage × locale (and FALC
variant) is the norm's (name once, ≤ 6 lines of ≤ 38 characters, postcode line in capitals without accents, inside
the window), landlord letters go to the landlord; and the French the templates produce agrees in number."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from campaigns.messages.addressees import LANDLORD_TEMPLATES, preview_recipient
from campaigns.messages.previews import preview, sample_context
from campaigns.messages.rendering import list_templates, render
from campaigns.models.stages import OPEN_STAGES, Stage
from channels.letter import pdf as letter_pdf

MM = 72 / 25.4
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SENDER = "DDETS de la Loire-Atlantique"
SENDER_LINES = ("Service prévention des expulsions", "6 rue René Viviani", "44200 Nantes", "Tél. : 02 40 00 00 00")
STAGE_OF = {f"etape_{stage.value}": stage for stage in Stage}
LETTERS = sorted(t for t in list_templates() if t[0] == "courrier")


def _combinations() -> list[tuple[str, str, bool, Stage]]:
    """Stage letters at their own stage; the generic letters at every open stage."""
    out = []
    for _channel, slug, locale, falc in LETTERS:
        stages = [STAGE_OF[slug]] if slug in STAGE_OF else sorted(OPEN_STAGES, key=lambda s: s.rank)
        out.extend((slug, locale, falc, stage) for stage in stages)
    return out


def _block(pdf: bytes) -> list[str]:
    """The lines printed inside the envelope window, top to bottom."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    height = float(page.mediabox.height)
    found: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        x, top = (tm[4] + cm[4]) / MM, (height - tm[5] - cm[5]) / MM
        inside = letter_pdf.WINDOW_X_MM <= x <= letter_pdf.WINDOW_X_MM + letter_pdf.WINDOW_W_MM
        if text.strip() and inside and letter_pdf.WINDOW_Y_MM <= top <= letter_pdf.WINDOW_Y_MM + letter_pdf.WINDOW_H_MM:
            found.append((top, text.strip()))

    page.extract_text(visitor_text=visit)
    return [text for _, text in sorted(found)]


@pytest.mark.parametrize(("slug", "locale", "falc", "stage"), _combinations(),
                         ids=lambda v: v.value if isinstance(v, Stage) else str(v))
def test_address_block_of_every_letter(slug: str, locale: str, falc: bool, stage: Stage) -> None:
    rendered = preview("courrier", slug, stage=stage, locale=locale, falc=falc, sender=SENDER,
                       phone="02 40 00 00 00", now=NOW)
    recipient = preview_recipient(slug)
    pdf = letter_pdf.build_letter_pdf(
        sender_name=SENDER, sender_lines=SENDER_LINES, recipient=recipient, subject=rendered.subject,
        html_body=rendered.html_body, letter_date=NOW.date(), reference="EXEMPLE-0001",
        font_size=14 if rendered.falc else 11, locale=rendered.locale)
    block = _block(pdf)
    assert block == [recipient.display_name, *recipient.address_lines]
    assert len(block) <= 6 and all(len(line) <= 38 for line in block), block
    assert len({line.casefold() for line in block}) == len(block), f"repeated line in {block}"
    assert re.fullmatch(r"\d{5} [A-Z0-9 ]+", block[-1]), block[-1]
    if slug in LANDLORD_TEMPLATES:
        # Addressed to the landlord, never to the tenant, and nothing of the tenant's social diagnosis.
        assert not any("EXEMPLE" in line for line in block)
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        assert "Camille" not in text and "ressources du ménage" not in text.lower()


def test_every_letter_was_checked() -> None:
    slugs = {slug for slug, *_ in _combinations()}
    assert {"courrier_bailleur", "information_etat", "mise_a_disposition", "etape_assignation"} <= slugs
    assert any(falc for _, _, falc, _ in _combinations()) and any(loc == "ar" for _, loc, _, _ in _combinations())


# --- Plural agreement ------------------------------------------------------------------------------------------------

# Words that end in s or x in the singular too.
_INVARIABLE = frozenset({"mois", "fois", "pas", "dans", "sous", "sans", "plus", "moins", "vous", "nous", "temps",
                         "cas", "avis", "prix", "choix", "dès", "après", "près", "très", "alors", "depuis", "hors",
                         "puis", "mais", "jusqu"})
_NUMBER_WORD = re.compile(r"(?<![\d,.\u202f\u00a0])\b(\d+) ([a-zà-ÿ]+)\b")
# Nouns a number counts in these letters: after 2 and more they take an s.
_COUNTED = frozenset({"dossier", "jour", "semaine", "an", "année", "euro", "lettre", "courrier", "message", "appel",
                      "visite", "personne", "enfant", "loyer", "échéance", "heure", "minute", "étape", "mensualité"})


def plural_mistakes(text: str) -> list[str]:
    """"1 dossiers", "0 jours", "2 dossier": a number and the noun after it disagree."""
    mistakes = []
    for number, word in _NUMBER_WORD.findall(text):
        value = int(number)
        if value < 2 and word.endswith(("s", "x")) and word not in _INVARIABLE and len(word) > 2:
            mistakes.append(f"{number} {word}")
        if value >= 2 and word in _COUNTED:
            mistakes.append(f"{number} {word}")
    return mistakes


def test_the_plural_checker_finds_what_it_should() -> None:
    assert plural_mistakes("Vous avez 1 dossiers, 2 dossier et 0 jours.") == ["1 dossiers", "2 dossier", "0 jours"]
    assert plural_mistakes("Sous 2 mois, 1 fois, 1 dossier, 2 dossiers, 3 semaines, 0 euro.") == []


FRENCH = sorted(t for t in list_templates() if t[2] == "fr")


@pytest.mark.parametrize("count", [0, 1, 2])
@pytest.mark.parametrize(("channel", "slug", "locale", "falc"), FRENCH, ids=str)
def test_french_texts_agree_in_number(channel: str, slug: str, locale: str, falc: bool, count: int) -> None:
    stage = STAGE_OF.get(slug, Stage.ASSIGNATION)
    context = sample_context(stage, sender=SENDER, phone="02 40 00 00 00", now=NOW, slug=slug)
    context["montant_dette"] = Decimal(count)
    rendered = render(channel, slug, locale=locale, falc=falc, context=context)
    text = re.sub(r"<[^>]+>", " ", " ".join((rendered.subject, rendered.body, rendered.html_body)))
    assert plural_mistakes(text.replace("&nbsp;", " ")) == []
