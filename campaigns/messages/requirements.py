"""Required content per message: declared once, checked on every rendered variant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from campaigns.locale.text import strip_accents
from campaigns.messages.readability import html_to_text
from campaigns.messages.rendering import Rendered

__all__ = ["REQUIRED_CHANNELS", "REQUIREMENTS", "Requirement", "check_rendered", "check_required_content", "fold"]

# The requirements describe regulatory letters; SMS and e-mails of the same slug are reminders, too short to carry them.
REQUIRED_CHANNELS = frozenset({"courrier"})


@dataclass(frozen=True)
class Requirement:
    """A content block a message must carry.

    It holds when one of the regular expressions declared for the text's locale matches the folded text (see
    `fold`), case-insensitively. Patterns are folded the same way, so they may be written with or without accents
    (and, in Arabic, with or without hamza and short vowels).
    """

    code: str
    description_fr: str
    patterns_by_locale: dict[str, tuple[str, ...]]


# --- State letter at impayé / commandement de payer (message M05, docs/domain.md §4; 002 L501–508) -----------------

_M05: tuple[Requirement, ...] = (
    Requirement(
        "contact_bailleur",
        "les coordonnées de la personne qui gère le dossier chez le bailleur (parc social)",
        {
            "fr": (
                r"(personne|conseiller|gestionnaire|charge\w* de clientele)[^.]{0,40}\b(gere|suit) votre dossier"
                r"[^.]{0,40}bailleur",
            ),
            "en": (
                r"(person|adviser|advisor|case manager|officer)[^.]{0,40}\b(manages|handles) your (file|case)"
                r"[^.]{0,40}landlord",
            ),
            "ar": (r"(الشخص|المستشار|المسؤول) المكلف بملفك لدى المؤجر",),
        },
    ),
    Requirement(
        "conditions_fsl",
        "les conditions d’accès au Fonds de solidarité pour le logement (FSL)",
        {
            "fr": (r"(fonds de solidarite pour le logement|\bfsl\b).{0,600}\b(conditions?|il faut)\b",),
            "en": (r"(housing solidarity fund|\bfsl\b).{0,600}\b(conditions?|you must)\b",),
            "ar": (r"(صندوق التضامن للسكن|\bfsl\b).{0,600}(شروط|يشترط)",),
        },
    ),
    Requirement(
        "contact_service_social",
        "les coordonnées du service social (EDS ou CCAS)",
        {
            "fr": (
                r"\beds\b",
                r"espace departemental des solidarites",
                r"\bccas\b",
                r"centre communal d'action sociale",
            ),
            "en": (r"\beds\b", r"\bccas\b"),
            "ar": (r"\beds\b", r"\bccas\b"),
        },
    ),
    Requirement(
        "contact_adil",
        "les coordonnées de l’ADIL et la démarche à effectuer",
        {
            "fr": (r"\badil\b.{0,400}(coordonnees|anil\.org)",),
            "en": (r"\badil\b.{0,400}(contact|anil\.org)",),
            "ar": (r"\badil\b.{0,400}(بيانات الاتصال|anil\.org)",),
        },
    ),
    Requirement(
        "secretariat_surendettement",
        "le secrétariat de la commission de surendettement (Banque de France)",
        {
            "fr": (r"commission de surendettement.{0,200}banque de france",),
            "en": (r"over-indebtedness commission.{0,200}banque de france",),
            "ar": (r"لجنة المديونية المفرطة.{0,200}(بنك فرنسا|banque de france)",),
        },
    ),
    Requirement(
        "conditions_logement_social",
        "les conditions d’accès au logement social",
        {
            "fr": (r"logement social.{0,300}\b(ressources|revenus|plafonds?)\b",),
            "en": (r"social housing.{0,300}\b(income|ceilings?)\b",),
            "ar": (r"السكن الاجتماعي.{0,300}(موارد|سقوف)",),
        },
    ),
    Requirement(
        "contingent_prefectoral",
        "les conditions d’inscription au contingent préfectoral des personnes prioritaires",
        {
            "fr": (r"contingent prefectoral.{0,400}\b(il faut|pour cela|pour y)\b",),
            "en": (r"(prefect's quota|contingent prefectoral).{0,400}\b(you need|to be registered|you must)\b",),
            "ar": (r"(حصة المحافظ|contingent prefectoral).{0,400}(يجب|يشترط|للتسجيل)",),
        },
    ),
    Requirement(
        "saisine_ccapex",
        "la phrase « Si les démarches sont restées sans effet, il sera proposé de saisir la CCAPEX. »",
        {
            "fr": (r"si les demarches sont restees sans effet, il sera propose de saisir la ccapex",),
            "en": (r"if these steps are unsuccessful, you will be offered a referral to the ccapex",),
            "ar": (r"إذا لم تسفر هذه المساعي عن نتيجة، فسيقترح عرض ملفك على لجنة ccapex",),
        },
    ),
)

# --- State letter at assignation (message M16, docs/domain.md §4; 002 L722, L1145, L1166) ---------------------------

_M16: tuple[Requirement, ...] = (
    Requirement(
        "enquete_dsf",
        "l’information sur l’enquête en cours (diagnostic social et financier)",
        {
            "fr": (r"diagnostic social et financier", r"enquete sociale"),
            "en": (r"social and financial assessment",),
            "ar": (r"التشخيص الاجتماعي والمالي", r"تشخيص اجتماعي ومالي"),
        },
    ),
    Requirement(
        "collaborer_dsf",
        "la demande de collaborer au diagnostic (rendez-vous du travailleur social)",
        {
            "fr": (
                r"demandons (d'y|de) (collaborer|participer)",
                r"(collaborer|participer) (a|au|a ce|a cette|a l')\s?(rendez-vous|diagnostic|enquete)",
            ),
            "en": (r"ask you to (cooperate|take part|participate)",),
            "ar": (r"نطلب منك (التعاون|المشاركة)",),
        },
    ),
    Requirement(
        "presence_audience",
        "l’importance de se présenter à l’audience",
        {
            "fr": (r"\b(important|essentiel|indispensable)[^.]{0,60}audience",),
            "en": (r"\b(important|essential)[^.]{0,60}(attend|go to) the hearing",),
            "ar": (r"(من المهم|من الضروري)[^.]{0,60}الجلسة",),
        },
    ),
    Requirement(
        "justificatifs",
        "l’invitation à se rendre à l’audience muni de ses justificatifs",
        {
            "fr": (r"(justificatifs|papiers)[^.]{0,60}audience", r"apportez[^.]{0,40}(justificatifs|papiers)"),
            "en": (r"(supporting documents|documents)[^.]{0,60}hearing",),
            "ar": (r"الوثائق الثبوتية[^.]{0,60}الجلسة",),
        },
    ),
    Requirement(
        "aide_juridictionnelle",
        "l’aide juridictionnelle pour être assisté d’un avocat",
        {
            "fr": (r"aide juridictionnelle",),
            "en": (r"legal aid",),
            "ar": (r"مساعدة القضائية",),  # also after the preposition: "للمساعدة"
        },
    ),
)

# --- State's notice to the social services when the concours de la force publique is granted (M24; 002 L840) ------

_M24: tuple[Requirement, ...] = (
    Requirement(
        "decision_concours",
        "la décision du préfet d’accorder le concours de la force publique",
        {"fr": (r"accord\w*[^.]{0,60}concours de la force publique",)},
    ),
    Requirement(
        "menage_concerne",
        "le ménage concerné et la référence de son dossier",
        {"fr": (r"menage concerne.{0,400}reference",)},
    ),
    Requirement(
        "preparer_relogement",
        "la demande de prendre contact avec le ménage pour préparer son hébergement ou son relogement",
        {"fr": (r"prendre contact[^.]{0,200}(hebergement|relogement)",)},
    ),
)

# Keyed by template slug. M05 applies at impayé and at commandement de payer alike [002 L501].
REQUIREMENTS: dict[str, list[Requirement]] = {
    "etape_impaye": list(_M05),
    "etape_commandement_de_payer": list(_M05),
    "etape_assignation": list(_M16),
    "information_services_sociaux": list(_M24),
}

_FOLD_TABLE = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "œ": "oe", "Œ": "OE", "\u0640": ""})  # \u0640: tatweel
_WHITESPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Text reduced for matching: accents, Arabic short vowels and hamza seats removed, ’ → ', spaces collapsed.

    NFKD splits "é" into "e" + accent and "أ" into "ا" + hamza; dropping the combining marks leaves the bare letters.
    No-break spaces become plain spaces, and every run of whitespace (line breaks included) one space.
    """
    return _WHITESPACE.sub(" ", strip_accents(text.translate(_FOLD_TABLE))).strip()


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(fold(pattern), re.IGNORECASE)


def _patterns_for(requirement: Requirement, locale: str) -> tuple[str, ...] | None:
    """The patterns for "fr-BE" are those of "fr-BE", else of "fr"; None when neither is declared."""
    for candidate in (locale, locale.split("-", 1)[0]):
        if candidate in requirement.patterns_by_locale:
            return requirement.patterns_by_locale[candidate]
    return None


def check_required_content(slug: str, locale: str, text: str) -> list[str]:
    """The French descriptions of the requirements of `slug` that `text` (plain text, in `locale`) does not meet.

    A slug without declared requirements has nothing to miss. A locale without patterns for a requirement fails it:
    a new translation must declare how its required content reads before it can pass.
    """
    folded = fold(text)
    missing: list[str] = []
    for requirement in REQUIREMENTS.get(slug, ()):
        patterns = _patterns_for(requirement, locale)
        if patterns is None:
            missing.append(f"{requirement.description_fr} (aucun motif déclaré pour la langue « {locale} »)")
        elif not any(_compiled(pattern).search(folded) for pattern in patterns):
            missing.append(requirement.description_fr)
    return missing


def check_rendered(channel: str, slug: str, rendered: Rendered) -> list[str]:
    """`check_required_content` on what the reader sees of a rendered message: its subject and visible body text."""
    if channel not in REQUIRED_CHANNELS:
        return []
    body = html_to_text(rendered.html_body) if rendered.html_body else rendered.body
    return check_required_content(slug, rendered.locale, f"{rendered.subject}\n{body}")


def check_all_variants(*, now: datetime) -> list[str]:
    """Every letter variant of a declared slug, rendered for a sample household at its stage: what is missing."""
    from campaigns.messages.previews import preview
    from campaigns.messages.rendering import list_templates
    from campaigns.models.stages import Stage

    problems = []
    for channel, slug, locale, falc in list_templates():
        if channel != "courrier" or slug not in REQUIREMENTS:
            continue
        stage = Stage(slug.removeprefix("etape_")) if slug.startswith("etape_") else Stage.COMMANDEMENT_DE_PAYER
        rendered = preview(channel, slug, stage=stage, locale=locale, falc=falc, sender="DDETS",
                           phone="02 61 91 00 01", now=now)
        variant = f"{slug}/{locale}{'.falc' if falc else ''}"
        problems += [f"{variant} : {missing}" for missing in check_rendered(channel, slug, rendered)]
    return problems
