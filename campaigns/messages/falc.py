"""FALC checks (easy-to-read French) and the Kandel–Moles readability score."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from campaigns.messages import rendering
from campaigns.messages.readability import extract_html, html_to_text, kandel_moles, split_sentences, words
from campaigns.models.stages import Stage

__all__ = [
    "GLOSSARY", "FalcIssue", "TemplateReport", "TemplateRow", "check_falc", "check_letter_size",
    "check_templates", "glossary_for", "html_to_text", "kandel_moles",
]  # fmt: skip

MAX_WORDS_PER_SENTENCE = 15
MIN_LETTER_FONT_PT = 14.0
# composing.py asks the PDF builder for 14 pt whenever a FALC variant was rendered.
FALC_LETTER_FONT_PT = 14.0

RULE_LONG_SENTENCE = "phrase_longue"
RULE_ONE_SENTENCE_PER_LINE = "une_phrase_par_ligne"
RULE_SIGLE = "sigle_non_explique"
RULE_NUMBER_WORD = "nombre_en_lettres"
RULE_PERCENT = "pourcentage"
RULE_ROMAN = "chiffre_romain"
RULE_ITALIC = "italique"
RULE_FONT_SIZE = "taille_du_texte"

# Sigles a household may meet in our letters, explained in FALC so a letter can print them in a glossary box.
GLOSSARY: dict[str, str] = {
    "ADIL": "Agence départementale pour l’information sur le logement. Elle explique gratuitement vos droits.",
    "AL": "Allocation de logement. C’est de l’argent pour vous aider à payer le loyer.",
    "APL": "Aide personnalisée au logement. C’est de l’argent pour vous aider à payer le loyer.",
    "ASLL": "Accompagnement social lié au logement. Une personne vous aide pour votre logement.",
    "CAF": "Caisse d’allocations familiales. Elle vous donne des aides, par exemple pour le loyer.",
    "CCAPEX": "Commission qui cherche des solutions pour éviter que des personnes perdent leur logement.",
    "CCAS": "Centre communal d’action sociale. C’est le service social de votre mairie.",
    "CD": "Conseil départemental. Il s’occupe des services sociaux de votre département.",
    "CDP": "Commandement de payer. C’est une lettre qui vous demande de payer votre dette de loyer.",
    "CFP": "Concours de la force publique. C’est l’aide de la police pour faire partir quelqu’un d’un logement.",
    "CIAS": "Centre intercommunal d’action sociale. C’est le service social de plusieurs communes.",
    "CLIL": "Commission locale des impayés de loyers. Elle cherche une solution avec vous et votre bailleur.",
    "CQL": "Commandement de quitter les lieux. C’est une lettre qui vous demande de partir du logement.",
    "DALO": "Droit au logement opposable. C’est un recours pour avoir un logement si vous n’en trouvez pas.",
    "DDETS": "Direction départementale de l’emploi, du travail et des solidarités. C’est un service de l’État.",
    "DRIHL": "Direction régionale de l’hébergement et du logement. C’est un service de l’État en Île-de-France.",
    "DSF": "Diagnostic social et financier. C’est un rendez-vous pour parler de votre situation et de votre argent.",
    "EDS": "Espace départemental des solidarités. C’est un service social du département.",
    "FSL": "Fonds de solidarité pour le logement. Il peut vous aider à payer une dette de loyer.",
    "HLM": "Habitation à loyer modéré. C’est un logement social, avec un loyer moins cher.",
    "JEX": "Juge de l’exécution. Il peut vous donner plus de temps pour partir du logement.",
    "MDS": "Maison départementale des solidarités. C’est un service social du département.",
    "MDSF": "Maison départementale des solidarités et de la famille. C’est un service social du département.",
    "MSA": "Mutualité sociale agricole. Elle donne des aides aux personnes qui travaillent dans l’agriculture.",
    "RSA": "Revenu de solidarité active. C’est de l’argent pour les personnes qui ont peu de revenus.",
    "SIAO": "Service intégré d’accueil et d’orientation. Il aide à trouver un hébergement. Son numéro est le 115.",
    "SMS": "Message écrit envoyé sur un téléphone portable.",
    "UDAF": "Union départementale des associations familiales. Elle aide les familles.",
}

# Words written in capitals on purpose, neither sigles nor numerals: STOP is the opt-out keyword SMS operators
# require verbatim; MM. abbreviates "Messieurs" (MM would otherwise read as the Roman numeral 2000).
_CAPITAL_WORDS = frozenset({"STOP", "MM"})
_SIGLE = re.compile(r"[A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ]{2,}")
# Two numeral letters at least: a lone "I", "V" or "C" is far more often a letter or an initial than a number.
# An ordinal ending is allowed (XXIe siècle, IIIe République); "Me" (Maître) and "De" stay out.
_ROMAN = re.compile(
    r"(?=[MDCLXVI]{2})M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})(?:e|er|ère|ème|ᵉ)?s?"
)
_CARDINALS = {
    "zéro": 0, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9,
    "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20,
    "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100, "cents": 100,
    "mille": 1000,
}  # fmt: skip
# "un"/"une" are left out on purpose: they are articles far more often than numbers, and "premier" likewise.
_ORDINALS = {f"{stem}ième": value for stem, value in (
    ("deux", 2), ("trois", 3), ("quatr", 4), ("cinqu", 5), ("six", 6), ("sept", 7), ("huit", 8), ("neuv", 9),
    ("dix", 10), ("onz", 11), ("douz", 12), ("treiz", 13), ("quatorz", 14), ("quinz", 15), ("seiz", 16),
    ("vingt", 20), ("trent", 30), ("cent", 100), ("mill", 1000),
)}  # fmt: skip
# "neuf" is also "new" (un logement neuf, remis à neuf): it counts as a number only before a plural noun.
_NOT_NOUNS = frozenset({"dans", "sans", "sous", "vers", "mais", "puis", "plus", "moins", "très", "après", "depuis",
                        "alors", "aux", "des", "les", "ses", "mes", "tes", "vos", "nos", "ces", "leurs"})
_PERCENT = re.compile(r"%|\bpour[\s-]?cents?\b", re.IGNORECASE)
_TOKEN = re.compile(r"[\w’'-]+")
_ELISION = re.compile(r"^\w{1,6}['’]")  # l’ADIL, d’un, jusqu’à, qu’il


@dataclass(frozen=True)
class FalcIssue:
    """One breach of a FALC rule; `line` counts non-empty text lines from 1, 0 for the subject or the document."""

    rule: str
    line: int
    excerpt: str
    message: str


def _excerpt(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number_value(tokens: list[str], i: int) -> str | None:
    """The digits for tokens[i] if it is a number in words ("" for compounds like "dix-neuf"), else None."""
    word = tokens[i].lower()
    if "-" in word:
        return "" if any(p in _CARDINALS or p in _ORDINALS for p in word.split("-")) else None
    if word == "neuf":
        nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        return "9" if nxt[-1:] in ("s", "x") and nxt not in _NOT_NOUNS else None
    if word in ("cent", "cents") and i and tokens[i - 1].lower() == "pour":
        return None  # "pour cent" is reported once, as a percentage
    if word in _ORDINALS:
        return f"{_ORDINALS[word]}e"
    return str(_CARDINALS[word]) if word in _CARDINALS else None


def _token_issues(n: int, line: str) -> Iterator[FalcIssue]:
    tokens = [t for t in (_ELISION.sub("", t).strip("-’'") for t in _TOKEN.findall(line)) if t]
    for i, token in enumerate(tokens):
        if any(c.isdigit() for c in token):
            continue  # DOS-2026-00042, 1er, CD93: codes and numbers already in digits
        for part in token.split("-"):
            if part in _CAPITAL_WORDS or part in GLOSSARY:
                continue
            if _ROMAN.fullmatch(part):
                yield FalcIssue(RULE_ROMAN, n, part, f"« {part} » est un chiffre romain : écrivez le nombre en "
                                "chiffres (1, 2, 3…). Si c’est un sigle, ajoutez-le au glossaire.")
            elif _SIGLE.fullmatch(part):
                yield FalcIssue(RULE_SIGLE, n, part, f"Le sigle « {part} » n’est pas expliqué : ajoutez-le au "
                                "glossaire ou écrivez les mots en entier.")
        value = _number_value(tokens, i)
        if value is not None:
            hint = value or "ce nombre"
            yield FalcIssue(RULE_NUMBER_WORD, n, token, f"Nombre écrit en lettres « {token} » : écrivez {hint} "
                            "en chiffres.")


def _line_issues(n: int, line: str) -> Iterator[FalcIssue]:
    sentences = split_sentences(line)
    if len(sentences) > 1:
        yield FalcIssue(RULE_ONE_SENTENCE_PER_LINE, n, _excerpt(line), f"{len(sentences)} phrases sur la même "
                        "ligne : allez à la ligne après chaque phrase.")
    for sentence in sentences:
        count = len(words(sentence))
        if count > MAX_WORDS_PER_SENTENCE:
            yield FalcIssue(RULE_LONG_SENTENCE, n, _excerpt(sentence), f"Phrase de {count} mots : "
                            f"{MAX_WORDS_PER_SENTENCE} mots au maximum. Coupez-la en phrases plus courtes.")
    for match in _PERCENT.finditer(line):
        around = line[max(0, match.start() - 20) : match.end() + 10].strip()
        yield FalcIssue(RULE_PERCENT, n, around, "Pas de pourcentage : écrivez par exemple « 1 personne sur 4 » "
                        "ou la somme en euros.")
    yield from _token_issues(n, line)


def _lines(text: str, *, html: bool) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    if html:
        parsed = extract_html(text)
        return list(enumerate(parsed.lines, 1)), list(parsed.italics)
    # Plain text keeps its own line numbers (blank lines included), so they match what the reader sees.
    lines = [(n, " ".join(line.split())) for n, line in enumerate(text.splitlines(), 1)]
    return [(n, line) for n, line in lines if line], []


def check_falc(text: str, *, html: bool) -> list[FalcIssue]:
    """FALC problems of a rendered text (HTML when `html`), in reading order; an empty list means it passes.

    Lines are split at <br> and block elements in HTML (tags stripped, entities unescaped), at newlines in text.
    Rules: at most 15 words a sentence (a phone number or "1 234,56" is one word); one sentence a line; every
    sigle (2+ capitals) in GLOSSARY; numbers in digits ("un"/"une" are never flagged, "neuf" only before a
    plural noun); no percentage; no Roman numeral of 2+ letters unless in GLOSSARY (a lone "I" is not
    flagged: too often a letter or an initial); no italics. Tokens holding a digit are codes, never sigles.
    """
    lines, italics = _lines(text, html=html)
    issues = [issue for n, line in lines for issue in _line_issues(n, line)]
    issues += [FalcIssue(RULE_ITALIC, n, _excerpt(markup), "Pas d’italique : il est difficile à lire. Utilisez le "
                         "gras pour une idée importante.") for n, markup in italics]
    return sorted(issues, key=lambda issue: issue.line)


def check_letter_size(font_size: float) -> list[FalcIssue]:
    """A FALC letter is printed at 14 pt at least."""
    if font_size >= MIN_LETTER_FONT_PT:
        return []
    return [FalcIssue(RULE_FONT_SIZE, 0, f"{font_size:g} pt", f"Texte en {font_size:g} points : un courrier FALC "
                      f"s’imprime en {MIN_LETTER_FONT_PT:g} points au moins.")]


def glossary_for(text: str, *, html: bool) -> dict[str, str]:
    """The GLOSSARY entries for the sigles a text uses, in order of first use: what a glossary box should print."""
    lines, _ = _lines(text, html=html)
    found: dict[str, str] = {}
    for _, line in lines:
        for token in _TOKEN.findall(line):
            for part in _ELISION.sub("", token).split("-"):
                if part in GLOSSARY:
                    found.setdefault(part, GLOSSARY[part])
    return found


# Every variable the templates use; the sparse variant exercises their "{% if %}" branches.
SAMPLE_CONTEXT: Mapping[str, object] = {
    "destinataire": "Madame Aïcha Benali",
    "expediteur": "DDETS de la Loire-Atlantique",
    "commune": "Nantes",
    "montant_dette": Decimal("1234.56"),
    "date_audience": date(2027, 1, 14),
    "date_envoi": date(2026, 11, 25),
    "reference": "DOS-2026-00042",
    "telephone_contact": "02 61 91 00 44",
    "fin_treve": "31 mars 2027",
}
_SPARSE = {"montant_dette": None, "date_audience": None, "telephone_contact": None}


@dataclass(frozen=True)
class TemplateRow:
    """One template variant: its FALC problems (FALC variants only) and its mean Kandel–Moles score."""

    channel: str
    slug: str
    locale: str
    falc: bool
    issues: tuple[FalcIssue, ...]
    kandel_moles: float


def _fr(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


@dataclass(frozen=True)
class TemplateReport:
    """Readability and FALC check of every template on disk, rendered for every stage."""

    rows: tuple[TemplateRow, ...]

    @property
    def ok(self) -> bool:
        return not any(row.issues for row in self.rows if row.falc)

    def format_fr(self) -> str:
        """A French table: FALC and standard scores side by side, then the FALC problems."""
        scores: dict[tuple[str, str, str], dict[bool, float]] = {}
        for row in self.rows:
            scores.setdefault((row.channel, row.slug, row.locale), {})[row.falc] = row.kandel_moles
        header = ("Canal", "Modèle", "Langue", "FALC", "Standard", "Écart")
        table = [header]
        for (channel, slug, locale), pair in scores.items():
            falc, standard = pair.get(True), pair.get(False)
            gap = "—"
            if falc is not None and standard is not None:
                gap = f"{'+' if falc >= standard else ''}{_fr(falc - standard)}"
            table.append((channel, slug, locale, _fr(falc) if falc is not None else "—",
                          _fr(standard) if standard is not None else "—", gap))
        widths = [max(len(r[i]) for r in table) for i in range(len(header))]
        out = ["Lisibilité des modèles : score de Kandel–Moles (plus il est haut, plus le texte est facile à lire)", ""]
        for r in table:
            cells = [r[i].ljust(widths[i]) if i < 3 else r[i].rjust(widths[i]) for i in range(len(header))]
            out.append("  ".join(cells).rstrip())
        scale = "Repères : 80 et plus, facile ; 60 à 80, standard ; 50 à 60, assez difficile ; moins de 50, difficile."
        out += ["", scale, ""]
        problems = [(row, issue) for row in self.rows if row.falc for issue in row.issues]
        if not problems:
            out.append("Contrôle FALC : aucun problème.")
        else:
            out.append(f"Contrôle FALC : {len(problems)} problème{'s' if len(problems) > 1 else ''}")
            for row, issue in problems:
                where = "objet ou document" if issue.line == 0 else f"ligne {issue.line}"
                out.append(f"- {row.channel}/{row.slug}/{row.locale} (FALC), {where}, {issue.rule} : "
                           f"« {issue.excerpt} » — {issue.message}")
        return "\n".join(out)


def _contexts() -> Iterator[dict[str, object]]:
    for stage in Stage:
        full = {**SAMPLE_CONTEXT, "stade": stage.value, "stade_libelle": stage.label}
        yield full
        yield full | _SPARSE


def _rendered_issues(channel: str, rendered: rendering.Rendered) -> list[FalcIssue]:
    issues: list[FalcIssue] = []
    if rendered.html_body:
        issues += check_falc(rendered.html_body, html=True)
    if rendered.body:  # an e-mail has both parts: either may be what the reader sees
        issues += check_falc(rendered.body, html=False)
    # The subject is printed as the letter's "Objet" line: it is read too.
    issues += [replace(issue, line=0) for issue in check_falc(rendered.subject, html=False)]
    if channel == "courrier":
        issues += check_letter_size(FALC_LETTER_FONT_PT)
    return issues


def check_templates() -> TemplateReport:
    """Render every template for every stage (full and sparse context), FALC-check the FALC ones, score them all.

    A row's score is the mean over the stages with the full context; its issues are deduplicated across renders.
    """
    rows: list[TemplateRow] = []
    for channel, slug, locale, falc in rendering.list_templates():
        seen: dict[tuple[str, str, str], FalcIssue] = {}
        scores: list[float] = []
        for i, context in enumerate(_contexts()):
            rendered = rendering.render(channel, slug, locale=locale, falc=falc, context=context)
            if falc:
                for issue in _rendered_issues(channel, rendered):
                    seen.setdefault((issue.rule, issue.excerpt, issue.message), issue)
            if i % 2 == 0:
                scores.append(kandel_moles(html_to_text(rendered.html_body) if rendered.html_body else rendered.body))
        mean = round(sum(scores) / len(scores), 1)
        rows.append(TemplateRow(channel, slug, locale, falc, tuple(seen.values()), mean))
    return TemplateReport(tuple(rows))
