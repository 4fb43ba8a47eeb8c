"""Stage templates: every variant renders, carries its required content, fits its SMS budget and passes FALC."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from campaigns.locale.sms_encoding import GSM7, UCS2, sms_info
from campaigns.messages.falc import check_falc
from campaigns.messages.readability import html_to_text
from campaigns.messages.rendering import Rendered, list_templates, render
from campaigns.messages.requirements import (
    REQUIREMENTS,
    check_rendered,
    check_required_content,
    fold,
)
from campaigns.models.stages import OPEN_STAGES, Stage

# The longest sender name we expect on an SMS (71 characters): the segment budgets must hold with it.
LONG_SENDER = "Agence départementale d'information sur le logement de Loire-Atlantique"
CONTACTS = {
    "adil": "ADIL 44 — 02 40 89 30 15",
    "services_sociaux": "EDS de Nantes Nord — 02 40 99 00 00",
    "bailleur": "Nantes Métropole Habitat, Mme Leroy — 02 40 67 00 00",
}
FULL: dict[str, object] = {
    "destinataire": "Madame Aïcha Benali",
    "expediteur": "DDETS de la Loire-Atlantique",
    "commune": "Nantes",
    "montant_dette": Decimal("12345.678"),
    "date_audience": date(2027, 1, 14),
    "date_envoi": date(2026, 11, 25),
    "reference": "DOS-2026-00042",
    "telephone_contact": "02 61 91 00 44",
    "fin_treve": "31 mars 2027",
    "contacts": CONTACTS,
    "langue": "fr",
}
SPARSE: dict[str, object] = FULL | {
    "montant_dette": None,
    "date_audience": None,
    "telephone_contact": None,
    "contacts": dict.fromkeys(CONTACTS),
}
CONTEXTS = {"full": FULL, "sparse": SPARSE}

STAGE_SLUGS = {f"etape_{stage.value}": stage for stage in sorted(OPEN_STAGES, key=lambda s: s.rank)}
TRANSLATED = ("etape_commandement_de_payer", "etape_assignation")
EXPECTED: set[tuple[str, str, str, bool]] = (
    {("courrier", slug, "fr", falc) for slug in STAGE_SLUGS for falc in (False, True)}
    | {("sms", slug, "fr", falc) for slug in STAGE_SLUGS for falc in (False, True)}
    | {("email", slug, "fr", False) for slug in STAGE_SLUGS}
    | {
        (channel, slug, locale, False)
        for channel in ("courrier", "sms")
        for slug in TRANSLATED
        for locale in ("en", "ar")
    }
    | {("courrier", "courrier_bailleur", "fr", False)}
)
VARIANTS = sorted(t for t in list_templates() if t[1] in STAGE_SLUGS or t[1] == "courrier_bailleur")


def variant_id(variant: tuple[str, str, str, bool]) -> str:
    channel, slug, locale, falc = variant
    return f"{channel}/{slug}/{locale}{'.falc' if falc else ''}"


def context_for(slug: str, base: dict[str, object], **extra: object) -> dict[str, object]:
    stage = STAGE_SLUGS.get(slug, Stage.ASSIGNATION)  # the landlord's letter is sent at assignation
    return base | {"stade": stage.value, "stade_libelle": stage.label, "langue": "fr"} | extra


def do_render(variant: tuple[str, str, str, bool], context: dict[str, object]) -> Rendered:
    channel, slug, locale, falc = variant
    return render(channel, slug, locale=locale, falc=falc, context=context_for(slug, context, langue=locale))


def visible_text(rendered: Rendered) -> str:
    return html_to_text(rendered.html_body) if rendered.html_body else rendered.body


def test_every_expected_variant_exists() -> None:
    assert set(VARIANTS) == EXPECTED


# --- rendering -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("context_name", list(CONTEXTS))
@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_variant_renders(variant: tuple[str, str, str, bool], context_name: str) -> None:
    channel, slug, locale, falc = variant
    rendered = do_render(variant, CONTEXTS[context_name])
    assert (rendered.locale, rendered.falc, rendered.fallback) == (locale, falc, False)
    everything = rendered.subject + rendered.body + rendered.html_body
    assert "{{" not in everything and "{%" not in everything
    assert "None" not in everything
    if channel == "sms":
        assert rendered.body.startswith("Bonjour,")
        assert not rendered.subject and not rendered.html_body
        return
    assert rendered.subject and "\n" not in rendered.subject
    assert "</p>" in rendered.html_body
    assert rendered.body if channel == "email" else not rendered.body
    if context_name == "full" and channel == "courrier":
        # The landlord's own letter has no use for the landlord's contact.
        expected = [v for k, v in CONTACTS.items() if not (slug == "courrier_bailleur" and k == "bailleur")]
        assert all(value in rendered.html_body for value in expected)


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_variant_renders_without_contacts_or_langue(variant: tuple[str, str, str, bool]) -> None:
    """Until the composer passes `contacts` and `langue`, the templates fall back to their generic wording."""
    channel, slug, locale, falc = variant
    context = {k: v for k, v in context_for(slug, SPARSE).items() if k not in ("contacts", "langue")}
    rendered = render(channel, slug, locale=locale, falc=falc, context=context)
    assert not rendered.fallback
    assert "None" not in rendered.subject + rendered.body + rendered.html_body


def test_optional_values_appear_only_when_given() -> None:
    variant = ("courrier", "etape_assignation", "fr", False)
    full, sparse = do_render(variant, FULL).html_body, do_render(variant, SPARSE).html_body
    assert "14 janvier 2027" in full and "janvier" not in sparse
    assert "12\u202f345,68\u00a0€" in full and "€" not in sparse
    assert "02 61 91 00 44" in full and "02 61 91 00 44" not in sparse
    assert "EDS de Nantes Nord" in full and "EDS de Nantes Nord" not in sparse
    english = do_render(("courrier", "etape_assignation", "en", False), FULL).html_body
    assert "14 January 2027" in english
    arabic = do_render(("courrier", "etape_assignation", "ar", False), FULL).html_body
    assert "14/01/2027" in arabic


@pytest.mark.parametrize(("slug", "locale"), [(slug, locale) for slug in TRANSLATED for locale in ("en", "ar")])
def test_translations_point_to_the_french_version(slug: str, locale: str) -> None:
    html = do_render(("courrier", slug, locale, False), FULL).html_body
    marker = {"en": "The French version is available from", "ar": "النسخة الفرنسية"}[locale]
    assert marker in html and "DDETS de la Loire-Atlantique" in html


def test_letters_use_only_tags_the_pdf_builder_supports() -> None:
    for variant in VARIANTS:
        if variant[0] == "courrier":
            tags = set(re.findall(r"</?\s*([a-zA-Z0-9]+)", do_render(variant, FULL).html_body))
            assert tags <= {"p", "br", "strong", "ul", "li"}, (variant, tags)


# --- required content ------------------------------------------------------------------------------------------

REQUIRED_VARIANTS = [v for v in VARIANTS if v[0] == "courrier" and v[1] in REQUIREMENTS]


def test_declared_slugs_have_every_variant_checked() -> None:
    assert {"etape_commandement_de_payer", "etape_assignation"} <= set(REQUIREMENTS)
    for slug in TRANSLATED:
        assert {(v[2], v[3]) for v in REQUIRED_VARIANTS if v[1] == slug} == {
            ("fr", False),
            ("fr", True),
            ("en", False),
            ("ar", False),
        }
        for requirement in REQUIREMENTS[slug]:
            assert set(requirement.patterns_by_locale) >= {"fr", "en", "ar"}, requirement.code
    codes = {r.code for r in REQUIREMENTS["etape_commandement_de_payer"]}
    assert codes >= {
        "contact_bailleur",
        "conditions_fsl",
        "contact_service_social",
        "contact_adil",
        "secretariat_surendettement",
        "conditions_logement_social",
        "contingent_prefectoral",
        "saisine_ccapex",
    }
    assert {r.code for r in REQUIREMENTS["etape_assignation"]} >= {"enquete_dsf", "collaborer_dsf", "presence_audience"}


@pytest.mark.parametrize("context_name", list(CONTEXTS))
@pytest.mark.parametrize("variant", REQUIRED_VARIANTS, ids=variant_id)
def test_required_content_holds(variant: tuple[str, str, str, bool], context_name: str) -> None:
    rendered = do_render(variant, CONTEXTS[context_name])
    assert check_rendered(variant[0], variant[1], rendered) == []


def test_ccapex_sentence_is_verbatim_in_french() -> None:
    sentence = "Si les démarches sont restées sans effet, il sera proposé de saisir la CCAPEX."
    for falc in (False, True):
        text = visible_text(do_render(("courrier", "etape_commandement_de_payer", "fr", falc), SPARSE))
        assert sentence in text.replace("\u00a0", " ")


def test_missing_item_is_reported() -> None:
    rendered = do_render(("courrier", "etape_commandement_de_payer", "fr", False), FULL)
    text = visible_text(rendered)
    assert check_required_content("etape_commandement_de_payer", "fr", text) == []
    without_ccapex = text.replace("il sera proposé de saisir la CCAPEX", "nous vous recontacterons")
    assert check_required_content("etape_commandement_de_payer", "fr", without_ccapex) == [
        "la phrase « Si les démarches sont restées sans effet, il sera proposé de saisir la CCAPEX. »"
    ]
    without_dsf = re.sub(
        r"diagnostic social et financier|enquête sociale",
        "rendez-vous",
        visible_text(do_render(("courrier", "etape_assignation", "fr", True), FULL)),
    )
    assert check_required_content("etape_assignation", "fr", without_dsf) == [
        "l’information sur l’enquête en cours (diagnostic social et financier)"
    ]


def test_check_is_accent_and_apostrophe_insensitive() -> None:
    plain = "Il est tres important de vous presenter a l'audience."
    typographic = "Il est très important de vous présenter à l’audience."
    assert fold(typographic) == plain
    for text in (plain, typographic, typographic.upper()):
        assert "l’importance de se présenter à l’audience" not in check_required_content(
            "etape_assignation", "fr", text
        )


def test_locale_without_patterns_fails_and_regional_locale_falls_back() -> None:
    text = visible_text(do_render(("courrier", "etape_assignation", "fr", False), FULL))
    missing = check_required_content("etape_assignation", "es", text)
    assert len(missing) == len(REQUIREMENTS["etape_assignation"])
    assert all("aucun motif déclaré pour la langue « es »" in m for m in missing)
    assert check_required_content("etape_assignation", "fr-BE", text) == []


def test_undeclared_slug_and_other_channels_have_no_requirement() -> None:
    assert check_required_content("relance", "fr", "") == []
    sms = do_render(("sms", "etape_commandement_de_payer", "fr", False), FULL)
    assert check_rendered("sms", "etape_commandement_de_payer", sms) == []
    assert check_rendered("courrier", "etape_commandement_de_payer", sms)  # a letter this short would fail


# --- SMS budgets and discretion --------------------------------------------------------------------------------

SMS_VARIANTS = [v for v in VARIANTS if v[0] == "sms"]


@pytest.mark.parametrize("context_name", list(CONTEXTS))
@pytest.mark.parametrize("variant", SMS_VARIANTS, ids=variant_id)
def test_sms_fit_their_budget_with_the_longest_sender(variant: tuple[str, str, str, bool], context_name: str) -> None:
    assert len(LONG_SENDER) == 71
    info = sms_info(do_render(variant, CONTEXTS[context_name] | {"expediteur": LONG_SENDER}).body)
    if variant[2] == "ar":
        assert info.encoding == UCS2
        assert info.characters <= 201 and info.segments <= 3
    else:
        assert info.encoding == GSM7, info.non_gsm
        assert info.characters <= 306 and info.segments <= 2


@pytest.mark.parametrize("variant", SMS_VARIANTS, ids=variant_id)
def test_sms_carry_no_personal_or_procedural_detail(variant: tuple[str, str, str, bool]) -> None:
    body = do_render(variant, FULL).body
    for value in ("Benali", "Aïcha", "Nantes", "DOS-2026-00042", "345", "janvier", "2027", "ADIL 44", "Leroy"):
        assert value not in body
    for word in ("commandement", "expulsion", "tribunal", "juge", "huissier", "police", "dette"):
        assert word not in body.lower()
    assert "STOP" in body


# --- FALC ------------------------------------------------------------------------------------------------------

FALC_VARIANTS = [v for v in VARIANTS if v[3]]


@pytest.mark.parametrize("context_name", list(CONTEXTS))
@pytest.mark.parametrize("variant", FALC_VARIANTS, ids=variant_id)
def test_falc_variants_pass_the_falc_check(variant: tuple[str, str, str, bool], context_name: str) -> None:
    rendered = do_render(variant, CONTEXTS[context_name] | {"expediteur": LONG_SENDER})
    issues = check_falc(rendered.subject, html=False)
    if rendered.html_body:
        issues += check_falc(rendered.html_body, html=True)
    if rendered.body:
        issues += check_falc(rendered.body, html=False)
    assert issues == [], [(i.rule, i.line, i.excerpt) for i in issues]


def test_every_stage_slug_has_a_falc_letter_and_sms() -> None:
    for slug in STAGE_SLUGS:
        assert ("courrier", slug, "fr", True) in FALC_VARIANTS
        assert ("sms", slug, "fr", True) in FALC_VARIANTS
