"""FALC rules on small examples, Kandel–Moles and syllables, and every FALC template in the repository."""

from __future__ import annotations

import pytest

from campaigns.messages.falc import (
    GLOSSARY,
    SAMPLE_CONTEXT,
    FalcIssue,
    TemplateReport,
    TemplateRow,
    check_falc,
    check_letter_size,
    check_templates,
    glossary_for,
    kandel_moles,
)
from campaigns.messages.readability import html_to_text, split_sentences, syllables, words
from campaigns.messages.rendering import list_templates, render
from campaigns.models.stages import Stage


def rules(text: str, *, html: bool = False) -> list[str]:
    return [issue.rule for issue in check_falc(text, html=html)]


# --- sentence length -------------------------------------------------------------------------------------------

FIFTEEN = "Nous pouvons vous aider à payer votre loyer et votre dette chaque mois avec lui."


def test_fifteen_words_pass_sixteen_fail() -> None:
    assert len(words(FIFTEEN)) == 15
    assert rules(FIFTEEN) == []
    issues = check_falc(FIFTEEN.replace("Nous", "Oui, nous"), html=False)
    assert [(i.rule, i.line) for i in issues] == [("phrase_longue", 1)]
    assert "16 mots" in issues[0].message


def test_numbers_split_by_spaces_count_as_one_word() -> None:
    assert words("Appelez le 02 61 91 00 44.") == ["Appelez", "le", "0261910044."]
    assert len(words("Vous devez 12\u202f345,68\u00a0€.")) == 3  # the € sign alone is no word


# --- one sentence per line -------------------------------------------------------------------------------------


def test_two_sentences_on_one_line_fail() -> None:
    assert rules("Il pleut. Il vente.") == ["une_phrase_par_ligne"]
    assert rules("<p>Il pleut. Il vente.</p>", html=True) == ["une_phrase_par_ligne"]
    # &nbsp; before the question mark is unescaped and still ends the sentence.
    assert rules("<p>Ce montant est faux&nbsp;? Dites-le.</p>", html=True) == ["une_phrase_par_ligne"]


def test_line_breaks_and_blocks_separate_lines() -> None:
    assert rules("Il pleut.\nIl vente.") == []
    assert rules("<p>Il pleut.<br>Il vente.</p>", html=True) == []
    assert rules("<p>Il pleut.</p><ul><li>Il vente.</li><li>Il neige.</li></ul><h2>Bonjour.</h2>", html=True) == []
    # Raw newlines inside a paragraph are only spaces in HTML.
    assert rules("<p>Il pleut.\nIl vente.</p>", html=True) == ["une_phrase_par_ligne"]


def test_abbreviations_and_decimals_do_not_end_sentences() -> None:
    assert split_sentences("M. Dupont et J. Martin viennent. Le taux est 1.5 ici") == [
        "M. Dupont et J. Martin viennent.",
        "Le taux est 1.5 ici",
    ]
    assert rules("Bonjour,") == []  # a fragment without a full stop is one sentence


def test_line_numbers() -> None:
    html = "<p>Bonjour,</p>\n<p>Vous avez une dette.<br>Il pleut. Il vente.</p>"
    assert [i.line for i in check_falc(html, html=True)] == [3]
    assert [i.line for i in check_falc("Bonjour,\n\nIl pleut. Il vente.", html=False)] == [3]


# --- sigles ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Appelez la CAF.",
        "Allez voir l’ADIL.",
        "Demandez une aide au FSL et au CCAS.",
        "Votre numéro de dossier : DOS-2026-00042.",  # a reference mixing letters and digits is no sigle
        "Pour ne plus avoir de SMS, répondez STOP.",
        "Madame, Monsieur,",
    ],
)
def test_explained_sigles_and_codes_pass(text: str) -> None:
    assert rules(text) == []


def test_unexplained_sigles_fail() -> None:
    issues = check_falc("Allez au PIMMS ou voyez l’UNPI.", html=False)
    assert [(i.rule, i.excerpt) for i in issues] == [("sigle_non_explique", "PIMMS"), ("sigle_non_explique", "UNPI")]
    assert "glossaire" in issues[0].message


def test_domain_sigles_are_in_the_glossary() -> None:
    for sigle in ("CAF", "CCAPEX", "FSL", "DSF", "ADIL", "APL", "CCAS", "EDS", "MDSF", "SIAO", "DALO", "RSA", "CQL",
                  "CDP", "DDETS"):
        assert sigle in GLOSSARY


def test_glossary_explanations_are_falc_themselves() -> None:
    for sigle, explanation in GLOSSARY.items():
        assert check_falc(explanation.replace(". ", ".\n"), html=False) == [], sigle


def test_glossary_for_lists_the_sigles_used_in_order() -> None:
    html = "<p>Appelez l’ADIL.</p><p>La CAF et l’ADIL peuvent aider.</p>"
    assert list(glossary_for(html, html=True)) == ["ADIL", "CAF"]


# --- numbers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "excerpt", "digits"),
    [
        ("Vous avez deux mois pour partir.", "deux", "2"),
        ("Trois personnes peuvent vous aider.", "Trois", "3"),
        ("Il vous reste neuf mois.", "neuf", "9"),
        ("C’est la deuxième lettre.", "deuxième", "2e"),
        ("Vous avez dix-huit jours.", "dix-huit", "ce nombre"),
        ("La dette est de mille euros.", "mille", "1000"),
    ],
)
def test_numbers_in_words_fail(text: str, excerpt: str, digits: str) -> None:
    issues = check_falc(text, html=False)
    assert [(i.rule, i.excerpt) for i in issues] == [("nombre_en_lettres", excerpt)]
    assert f"écrivez {digits} en chiffres" in issues[0].message


@pytest.mark.parametrize(
    "text",
    [
        "Vous avez 2 mois pour partir.",
        "Un commissaire de justice vous a donné une lettre.",  # articles, not numbers
        "Vous avez un logement neuf.",  # "neuf" meaning new
        "Le logement est remis à neuf dans le quartier.",
        "Du 1er novembre au 31 mars.",
    ],
)
def test_numbers_in_digits_and_articles_pass(text: str) -> None:
    assert rules(text) == []


# --- percentages -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["La CAF paie 50 % du loyer.", "Elle paie 50\u00a0% du loyer.", "Il a 30 pour cent."])
def test_percentages_fail(text: str) -> None:
    assert rules(text) == ["pourcentage"]


def test_fractions_in_plain_words_pass() -> None:
    assert rules("La CAF paie 1 euro sur 2.") == []
    assert rules("Ce pourcentage est faible.") == []  # the word itself is no percentage


# --- Roman numerals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "excerpt"), [("Lisez le chapitre IV.", "IV"), ("Au XXIe siècle.", "XXIe"),
                                               ("La loi du titre III.", "III"), ("Envoyez un CV.", "CV")])
def test_roman_numerals_fail(text: str, excerpt: str) -> None:
    issues = check_falc(text, html=False)
    assert [(i.rule, i.excerpt) for i in issues] == [("chiffre_romain", excerpt)]


@pytest.mark.parametrize(
    "text",
    [
        "Voyez le CD de votre département.",  # "CD" parses as 400 but is an explained sigle
        "Il a la lettre I sur sa porte.",  # a lone I is not flagged
        "Me Dupont est votre avocat.",  # Maître
        "MM. Dupont et Martin vous aideront.",
        "Chapitre 4.",
    ],
)
def test_non_roman_capitals_pass(text: str) -> None:
    assert rules(text) == []


def test_sigle_made_of_numeral_letters_is_a_sigle() -> None:
    assert rules("Voyez le CDC.") == ["sigle_non_explique"]  # C-D-C is no valid Roman numeral


# --- italics ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<p>Vous devez <em>payer</em>.</p>",
        "<p>Vous devez <i>payer</i>.</p>",
        '<p>Vous devez <span style="font-style: italic">payer</span>.</p>',
        "<style>p { font-style:italic; }</style><p>Vous devez payer.</p>",
    ],
)
def test_italics_fail(html: str) -> None:
    assert rules(html, html=True) == ["italique"]


def test_bold_and_text_pass() -> None:
    assert rules("<p>Vous devez <strong>payer</strong>.</p>", html=True) == []
    assert rules("Vous devez *payer*.") == []


# --- HTML extraction, letter size ------------------------------------------------------------------------------


def test_html_is_stripped_and_unescaped() -> None:
    html = "<html><head><title>Titre</title></head><body><p>Loyer&nbsp;: 5&amp;6 &lt;b&gt;</p><br></body></html>"
    assert html_to_text(html) == "Loyer\u00a0: 5&6 <b>"


def test_letter_size() -> None:
    assert check_letter_size(14) == []
    assert check_letter_size(16.5) == []
    assert [i.rule for i in check_letter_size(12)] == ["taille_du_texte"]
    assert "14 points" in check_letter_size(13.5)[0].message


# --- syllables and Kandel–Moles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("chat", 1), ("le", 1), ("aide", 1), ("aident", 1), ("pages", 1), ("partie", 2), ("année", 2),
        ("loyer", 2), ("quatre", 1), ("réunion", 3), ("naïf", 2), ("paiement", 2), ("argent", 2),
        ("l’étape", 2), ("Loire-Atlantique", 4), ("solidarité", 5), ("jusqu’à", 2), ("2027", 0),
    ],
)  # fmt: skip
def test_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


def test_kandel_moles_hand_computed() -> None:
    # 6 words, 2 sentences, 6 syllables: 207 - 1.015 * 3 - 73.6 * 1 = 130.355
    assert kandel_moles("Le chat dort. Il fait beau.") == 130.4
    # vous(1) a-vez(2) des(1) loy-ers(2) en(1) re-tard(2): 6 words, 9 syllables, 1 sentence
    # 207 - 1.015 * 6 - 73.6 * 1.5 = 90.51
    assert kandel_moles("Vous avez des loyers en retard.") == 90.5


def test_simple_text_scores_higher_than_complex_text() -> None:
    simple = "Vous avez des loyers en retard.\nNous pouvons vous aider.\nAppelez-nous."
    complex_ = (
        "Les services de l’État sont informés qu’une procédure pour loyers impayés concerne votre logement, "
        "laquelle nécessite une mobilisation concertée des dispositifs d’accompagnement sociojuridique."
    )
    assert kandel_moles(simple) > kandel_moles(complex_) + 40


def test_kandel_moles_needs_words() -> None:
    with pytest.raises(ValueError, match="sans mots"):
        kandel_moles("  \n 42 ")


# --- templates -------------------------------------------------------------------------------------------------

FALC_TEMPLATES = [t for t in list_templates() if t[3]]
SPARSE = {"montant_dette": None, "date_audience": None, "telephone_contact": None}


def test_falc_templates_exist() -> None:
    assert {(channel, slug) for channel, slug, _, _ in FALC_TEMPLATES} >= {
        ("courrier", "information_etat"), ("courrier", "mise_a_disposition"), ("sms", "relance")}


@pytest.mark.parametrize(("channel", "slug", "locale", "falc"), FALC_TEMPLATES)
@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("sparse", [False, True])
def test_every_falc_template_passes(channel: str, slug: str, locale: str, falc: bool, stage: Stage,
                                    sparse: bool) -> None:
    context = {**SAMPLE_CONTEXT, "stade": stage.value, "stade_libelle": stage.label} | (SPARSE if sparse else {})
    rendered = render(channel, slug, locale=locale, falc=falc, context=context)
    assert not rendered.fallback
    if rendered.html_body:
        assert check_falc(rendered.html_body, html=True) == []
    if rendered.body:
        assert check_falc(rendered.body, html=False) == []
    assert check_falc(rendered.subject, html=False) == []


def test_check_templates_is_ok() -> None:
    report = check_templates()
    assert report.ok, report.format_fr()
    assert {(r.channel, r.slug, r.locale, r.falc) for r in report.rows} == set(list_templates())
    by_key = {(r.channel, r.slug, r.falc): r.kandel_moles for r in report.rows}
    # The FALC variants must read more easily than their standard counterparts.
    for channel, slug in (("courrier", "information_etat"), ("courrier", "mise_a_disposition"), ("sms", "relance")):
        assert by_key[channel, slug, True] > by_key[channel, slug, False]
    table = report.format_fr()
    assert "Contrôle FALC : aucun problème." in table
    assert "information_etat" in table and "Standard" in table


def test_report_lists_issues_and_is_not_ok() -> None:
    issue = FalcIssue("phrase_longue", 3, "Une phrase…", "Phrase de 20 mots.")
    report = TemplateReport((
        TemplateRow("courrier", "essai", "fr", True, (issue,), 80.0),
        TemplateRow("courrier", "essai", "fr", False, (), 60.5),
        TemplateRow("email", "essai", "fr", False, (issue,), 50.0),  # standard variants are not FALC-checked
    ))
    assert not report.ok
    table = report.format_fr()
    assert "80,0" in table and "60,5" in table and "+19,5" in table
    assert "Contrôle FALC : 1 problème\n" in table + "\n"
    assert "courrier/essai/fr (FALC), ligne 3, phrase_longue" in table
    assert TemplateReport((TemplateRow("email", "essai", "fr", False, (issue,), 50.0),)).ok
