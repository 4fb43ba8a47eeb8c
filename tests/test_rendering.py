"""Every template renders (full and sparse context), SMS fit 2 GSM-7 segments, filters format French-style."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from campaigns.messages.rendering import (
    Rendered,
    TemplateNotFoundError,
    format_date_fr,
    format_montant,
    list_templates,
    render,
)

FULL_CONTEXT: dict[str, object] = {
    "destinataire": "Madame Aïcha Benali",
    "expediteur": "DDETS de la Loire-Atlantique",
    "stade": "commandement_de_payer",
    "stade_libelle": "commandement de payer",
    "commune": "Nantes",
    "montant_dette": Decimal("12345.678"),
    "date_audience": date(2027, 1, 14),
    "date_envoi": date(2026, 11, 25),
    "reference": "DOS-2026-00042",
    "telephone_contact": "02 61 91 00 44",
    "fin_treve": "31 mars 2027",
}
SPARSE_CONTEXT: dict[str, object] = FULL_CONTEXT | {
    "montant_dette": None, "date_audience": None, "telephone_contact": None}

STAGES = [
    ("impaye", "impayé de loyer"),
    ("commandement_de_payer", "commandement de payer"),
    ("assignation", "assignation au tribunal"),
    ("jugement", "jugement"),
    ("commandement_de_quitter_les_lieux", "commandement de quitter les lieux"),
    ("requisition_force_publique", "réquisition du concours de la force publique"),
    ("octroi_force_publique", "octroi du concours de la force publique"),
    ("cloture", "dossier clôturé"),
]
# The longest sender name we expect on an SMS: the segment budget must hold with it.
LONG_SENDER = "Agence départementale d'information sur le logement de Loire-Atlantique"

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def gsm7_segments(text: str) -> int:
    """Segments needed in GSM-7; raises if a character would force UCS-2."""
    outside = sorted({c for c in text if c not in GSM7_BASIC | GSM7_EXTENSION})
    if outside:
        raise AssertionError(f"hors GSM-7 : {outside!r}")
    septets = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return 1 if septets <= 160 else -(-septets // 153)


ALL_TEMPLATES = list_templates()


def test_expected_templates_are_present() -> None:
    expected = {
        ("courrier", "mise_a_disposition", "fr", False),
        ("courrier", "mise_a_disposition", "fr", True),
        ("courrier", "information_etat", "fr", False),
        ("courrier", "information_etat", "fr", True),
        ("sms", "relance", "fr", False),
        ("sms", "relance", "fr", True),
        ("email", "relance", "fr", False),
    }
    assert expected <= set(ALL_TEMPLATES)


@pytest.mark.parametrize("context", [FULL_CONTEXT, SPARSE_CONTEXT], ids=["full", "sparse"])
@pytest.mark.parametrize(("channel", "slug", "locale", "falc"), ALL_TEMPLATES)
def test_every_template_renders(
    channel: str, slug: str, locale: str, falc: bool, context: dict[str, object]
) -> None:
    for stade, libelle in STAGES:
        rendered = render(
            channel,
            slug,
            locale=locale,
            falc=falc,
            context=context | {"stade": stade, "stade_libelle": libelle},
        )
        assert (rendered.locale, rendered.falc, rendered.fallback) == (locale, falc, False)
        assert "{{" not in rendered.body + rendered.html_body + rendered.subject
        assert "None" not in rendered.body + rendered.html_body + rendered.subject
        if channel == "sms":
            assert rendered.body.startswith("Bonjour,")
            assert not rendered.subject
            assert not rendered.html_body
        else:
            assert rendered.subject
            assert "\n" not in rendered.subject
            assert "</p>" in rendered.html_body
        if channel == "email":
            assert rendered.body


def test_optional_values_appear_only_when_given() -> None:
    full = render("courrier", "information_etat", locale="fr", falc=False, context=FULL_CONTEXT)
    sparse = render("courrier", "information_etat", locale="fr", falc=False, context=SPARSE_CONTEXT)
    assert "12\u202f345,68\u00a0€" in full.html_body
    assert "14 janvier 2027" in full.html_body
    assert "€" not in sparse.html_body
    assert "audience" not in sparse.html_body


@pytest.mark.parametrize("falc", [False, True])
@pytest.mark.parametrize("sender", ["ADIL 44", LONG_SENDER])
def test_sms_fit_two_gsm7_segments(falc: bool, sender: str) -> None:
    rendered = render("sms", "relance", locale="fr", falc=falc, context=FULL_CONTEXT | {"expediteur": sender})
    assert gsm7_segments(rendered.body) <= 2


def test_sms_carry_no_personal_data() -> None:
    for falc in (False, True):
        body = render("sms", "relance", locale="fr", falc=falc, context=FULL_CONTEXT).body
        for value in ("Benali", "Nantes", "DOS-2026-00042", "commandement", "janvier", "345"):
            assert value not in body


def test_falc_letters_keep_sentences_short() -> None:
    for slug in ("mise_a_disposition", "information_etat"):
        for stade, libelle in STAGES:
            context = FULL_CONTEXT | {"stade": stade, "stade_libelle": libelle}
            html = render("courrier", slug, locale="fr", falc=True, context=context).html_body
            text = re.sub(r"<[^>]+>", "\n", html).replace("&nbsp;", " ")
            for sentence in re.split(r"[.!?\n]+", text):
                assert len(sentence.split()) <= 15, sentence


def test_subject_keeps_no_break_spaces() -> None:
    subject = render("courrier", "information_etat", locale="fr", falc=False, context=FULL_CONTEXT).subject
    assert "payer)\u00a0: des solutions" in subject


def test_fallback_is_flagged() -> None:
    falc_en = render("sms", "relance", locale="en", falc=True, context=FULL_CONTEXT)
    assert (falc_en.locale, falc_en.falc, falc_en.fallback) == ("fr", True, True)
    # No FALC e-mail exists: the French standard one is used, and said so.
    email = render("email", "relance", locale="fr", falc=True, context=FULL_CONTEXT)
    assert (email.locale, email.falc, email.fallback) == ("fr", False, True)
    assert email.template_path == "email/relance/fr.html.j2"


def test_missing_template_raises() -> None:
    with pytest.raises(TemplateNotFoundError, match="inexistant"):
        render("sms", "inexistant", locale="fr", falc=False, context=FULL_CONTEXT)
    with pytest.raises(ValueError, match="canal"):
        render("fax", "relance", locale="fr", falc=False, context=FULL_CONTEXT)
    with pytest.raises(ValueError, match="invalide"):
        render("sms", "../relance", locale="fr", falc=False, context=FULL_CONTEXT)


def test_an_absent_value_prints_nothing_in_a_users_template() -> None:
    """Found by the owner's browser walk: « appelez-nous au {{ telephone_contact }} » printed « None »."""
    from campaigns.messages.rendering import sandbox

    text = sandbox(False).from_string("appelez le {{ telephone_contact }}.").render(telephone_contact=None)
    assert text == "appelez le ." and sandbox(True).from_string("<p>{{ x }}</p>").render(x=None) == "<p></p>"


def test_missing_variable_fails_loudly() -> None:
    context = {k: v for k, v in FULL_CONTEXT.items() if k != "expediteur"}
    with pytest.raises(Exception, match="expediteur"):
        render("sms", "relance", locale="fr", falc=False, context=context)


def test_autoescape_for_html_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "email" / "essai"
    folder.mkdir(parents=True)
    (folder / "fr.html.j2").write_text("<p>{{ nom }}</p>", encoding="utf-8")
    (folder / "fr.txt.j2").write_text("{{ nom }}", encoding="utf-8")
    (folder / "fr.subject.txt.j2").write_text("Objet {{ nom }}\n  suite", encoding="utf-8")
    monkeypatch.setenv("CHAINE_TEMPLATES_DIR", str(tmp_path))
    assert list_templates() == [("email", "essai", "fr", False)]
    rendered = render("email", "essai", locale="fr", falc=False, context={"nom": "Dupont & <Fils>"})
    assert rendered == Rendered(
        subject="Objet Dupont & <Fils> suite",
        body="Dupont & <Fils>",
        html_body="<p>Dupont &amp; &lt;Fils&gt;</p>",
        locale="fr",
        falc=False,
        template_path="email/essai/fr.html.j2",
        fallback=False,
        sources={"email/essai/fr.html.j2": "<p>{{ nom }}</p>", "email/essai/fr.txt.j2": "{{ nom }}",
                 "email/essai/fr.subject.txt.j2": "Objet {{ nom }}\n  suite"},
    )


def test_incomplete_variant_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "letters" / "essai"
    folder.mkdir(parents=True)
    (folder / "fr.html.j2").write_text("<p>x</p>", encoding="utf-8")
    monkeypatch.setenv("CHAINE_TEMPLATES_DIR", str(tmp_path))
    with pytest.raises(TemplateNotFoundError, match="subject"):
        render("courrier", "essai", locale="fr", falc=False, context={})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.56"), "1\u202f234,56\u00a0€"),
        (Decimal("1234567.5"), "1\u202f234\u202f567,50\u00a0€"),
        (12.005, "12,01\u00a0€"),
        (0, "0,00\u00a0€"),
        (Decimal("-950"), "-950,00\u00a0€"),
    ],
)
def test_montant(value: Decimal | float, expected: str) -> None:
    assert format_montant(value) == expected


def test_montant_rejects_none() -> None:
    with pytest.raises(TypeError):
        format_montant(None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 11, 25), "25 novembre 2026"),
        (date(2027, 2, 1), "1er février 2027"),
        (date(2027, 8, 15), "15 août 2027"),
    ],
)
def test_date_fr(value: date, expected: str) -> None:
    assert format_date_fr(value) == expected
