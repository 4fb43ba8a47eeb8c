"""Templates a campaign owner writes (docs/campaigns.md, "Templates written by the campaign owner"): a draft per
variant, reviewed (preview, FALC findings, mandatory blocks, SMS encoding), then published as a new version.

Published versions override the files of the code for the letters, SMS and e-mails of that owner's campaigns only:
each partner signs its own messages, and a DDETS rewording its letter must not change the ADIL's or the
Département's. Sends record the exact text they used (campaigns/messages/versions.py). Sources written by users are
rendered in Jinja2's sandbox (campaigns/messages/rendering.py). Services take a session and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.locale.clock import PARIS
from campaigns.locale.formats import format_date_fr
from campaigns.locale.sms_encoding import SmsInfo, normalise_sms_typography, sms_info
from campaigns.messages import rendering
from campaigns.messages.falc import FalcIssue, check_falc
from campaigns.messages.markup import refused_markup
from campaigns.messages.previews import sample_context
from campaigns.messages.requirements import REQUIRED_CHANNELS, REQUIREMENTS, check_rendered
from campaigns.models import StoredTemplate
from campaigns.models.stages import OPEN_STAGES, Stage
from campaigns.platform.memo import memoised

MAX_SOURCE = 50_000
# What the editor calls each part of a variant.
PART_LABELS = {"subject": "Objet", "html_body": "Texte (HTML)", "body": "Texte"}


class TemplateEditError(ValueError):
    """A draft that cannot be saved, previewed or published; the message is French, for the person who wrote it."""


@dataclass(frozen=True, slots=True)
class Variant:
    channel: str
    slug: str
    locale: str
    falc: bool

    @property
    def label(self) -> str:
        return f"{self.slug} ({self.locale}{', FALC' if self.falc else ''})"


@dataclass(frozen=True, slots=True)
class Review:
    """A draft rendered for the sample household, and what the checkers found in it."""

    rendered: rendering.Rendered
    missing_blocks: tuple[str, ...]
    falc: tuple[FalcIssue, ...]
    sms: SmsInfo | None
    sms_text: str


def when_fr(at: datetime) -> str:
    """"6 décembre 2026 à 14 h 05", Paris time: when a version was written or published."""
    local = at.astimezone(PARIS)
    return f"{format_date_fr(local.date())} à {local.hour} h {local.minute:02d}"


def editable_slugs() -> list[tuple[str, str]]:
    """(channel, slug) pairs that can be edited: those the code ships a template for."""
    return sorted({(channel, slug) for channel, slug, _, _ in rendering.list_templates()})


def _check_variant(variant: Variant) -> None:
    if (variant.channel, variant.slug) not in editable_slugs():
        raise TemplateEditError(f"modèle inconnu : {variant.channel}/{variant.slug}")
    if not rendering.valid_locale(variant.locale):
        raise TemplateEditError(f"langue invalide : « {variant.locale} »")


def file_sources(variant: Variant) -> dict[str, str]:
    """The sources of the variant as shipped with the code ({} when the code has none for this variant)."""
    root = rendering.templates_dir()
    stem = f"{rendering.CHANNEL_DIRS[variant.channel]}/{variant.slug}/{variant.locale}{'.falc' if variant.falc else ''}"
    files = {name: root / f"{stem}{suffix}" for name, suffix in rendering.parts_of(variant.channel).items()}
    if not all(path.is_file() for path in files.values()):
        return {}
    return {name: path.read_text("utf-8") for name, path in files.items()}


def _rows(session: Session, owner_id: int, variant: Variant) -> list[StoredTemplate]:
    return list(session.scalars(select(StoredTemplate).where(
        StoredTemplate.owner_partner_id == owner_id, StoredTemplate.channel == variant.channel,
        StoredTemplate.slug == variant.slug, StoredTemplate.locale == variant.locale,
        StoredTemplate.falc == variant.falc)))


def draft_of(session: Session, owner_id: int, variant: Variant) -> StoredTemplate | None:
    return next((row for row in _rows(session, owner_id, variant) if row.version is None), None)


def versions_of(session: Session, owner_id: int, variant: Variant) -> list[StoredTemplate]:
    """The published versions, newest first."""
    published = [row for row in _rows(session, owner_id, variant) if row.version is not None]
    return sorted(published, key=lambda row: row.version or 0, reverse=True)


def current_sources(session: Session, owner_id: int, variant: Variant) -> dict[str, str]:
    """What the owner's sends use today: its latest published version, else the code's file."""
    versions = versions_of(session, owner_id, variant)
    return dict(versions[0].files) if versions else file_sources(variant)


def published_variants(session: Session, owner_id: int, channel: str, slug: str
                       ) -> dict[tuple[str, bool], dict[str, str]]:
    """The latest published version of each variant of an owner's template, for rendering.render(stored=...);
    read once per batch of deliveries (campaigns/platform/memo.py)."""
    return memoised(("published_variants", owner_id, channel, slug),
                    lambda: _published_variants(session, owner_id, channel, slug))


def _published_variants(session: Session, owner_id: int, channel: str, slug: str
                        ) -> dict[tuple[str, bool], dict[str, str]]:
    latest = (select(StoredTemplate.locale, StoredTemplate.falc, func.max(StoredTemplate.version).label("version"))
              .where(StoredTemplate.owner_partner_id == owner_id, StoredTemplate.channel == channel,
                     StoredTemplate.slug == slug, StoredTemplate.version.is_not(None))
              .group_by(StoredTemplate.locale, StoredTemplate.falc).subquery())
    rows = session.scalars(select(StoredTemplate).join(latest, (StoredTemplate.locale == latest.c.locale)
                                                        & (StoredTemplate.falc == latest.c.falc)
                                                        & (StoredTemplate.version == latest.c.version))
                           .where(StoredTemplate.owner_partner_id == owner_id, StoredTemplate.channel == channel,
                                  StoredTemplate.slug == slug))
    return {(row.locale, row.falc): dict(row.files) for row in rows}


def _validated(variant: Variant, files: Mapping[str, str]) -> dict[str, str]:
    parts = rendering.parts_of(variant.channel)
    unknown = sorted(set(files) - set(parts))
    if unknown:
        raise TemplateEditError(f"partie inconnue pour ce canal : {', '.join(unknown)}")
    cleaned = {name: files.get(name, "").replace("\r\n", "\n") for name in parts}
    for name, source in cleaned.items():
        label = PART_LABELS[name]
        if not source.strip():
            raise TemplateEditError(f"« {label} » est vide")
        if len(source) > MAX_SOURCE:
            raise TemplateEditError(f"« {label} » dépasse {MAX_SOURCE:_} caractères".replace("_", "\u202f"))
        try:
            rendering.sandbox(name == "html_body").parse(source)
        except TemplateSyntaxError as exc:
            raise TemplateEditError(f"« {label} », ligne {exc.lineno} : erreur de syntaxe ({exc.message})") from None
        # Every branch of the template, not only the one the sample household renders.
        refused = refused_markup(variant.channel, source, source=True) if name == "html_body" else []
        if refused:
            raise TemplateEditError(f"« {label} » : " + " ; ".join(refused[:5]))
    return cleaned


def save_draft(session: Session, owner_id: int, variant: Variant, files: Mapping[str, str], *, author: str,
               now: datetime) -> StoredTemplate:
    """Creates or replaces the owner's draft of this variant; sends keep using the published text."""
    _check_variant(variant)
    cleaned = _validated(variant, files)
    draft = draft_of(session, owner_id, variant)
    if draft is None:
        draft = StoredTemplate(owner_partner_id=owner_id, channel=variant.channel, slug=variant.slug,
                               locale=variant.locale, falc=variant.falc, version=None, files=cleaned, author=author,
                               updated_at=now)
        session.add(draft)
    else:
        draft.files, draft.author, draft.updated_at = cleaned, author, now
    session.flush()
    return draft


def stages_for(slug: str) -> list[Stage]:
    """The stages a template is checked at: a stage's own letter at its stage, a generic one at every open stage."""
    if slug.startswith("etape_") and slug.removeprefix("etape_") in {s.value for s in Stage}:
        return [Stage(slug.removeprefix("etape_"))]
    return sorted(OPEN_STAGES, key=lambda stage: stage.rank)


def review(variant: Variant, files: Mapping[str, str], *, stage: Stage, sender: str, phone: str | None,
           now: datetime) -> Review:
    """The draft rendered for the sample household at `stage`, with the checkers' findings."""
    _check_variant(variant)
    cleaned = _validated(variant, files)
    context = sample_context(stage, sender=sender, phone=phone, now=now, slug=variant.slug)
    context["langue"] = variant.locale
    try:
        rendered = rendering.render(variant.channel, variant.slug, locale=variant.locale, falc=variant.falc,
                                    context=context, stored={(variant.locale, variant.falc): cleaned})
    except UndefinedError as exc:
        raise TemplateEditError(f"variable inconnue dans le modèle : {exc.message}") from None
    except SecurityError:
        raise TemplateEditError("instruction interdite dans un modèle (accès hors des variables proposées)") from None
    except TemplateError as exc:
        raise TemplateEditError(f"le modèle ne peut pas être affiché : {exc.message}") from None
    refused = refused_markup(variant.channel, rendered.html_body)
    if refused:
        raise TemplateEditError(f"« {PART_LABELS['html_body']} » : " + " ; ".join(refused[:5]))
    html = bool(rendered.html_body)
    falc = tuple(check_falc(rendered.html_body if html else rendered.body, html=html)) if variant.falc else ()
    missing = tuple(check_rendered(variant.channel, variant.slug, rendered))
    sms = sms_text = None
    if variant.channel == "sms":
        sms_text = normalise_sms_typography(rendered.body)
        sms = sms_info(sms_text)
    return Review(rendered, missing, falc, sms, sms_text or "")


def mandatory_blocks(variant: Variant) -> list[str]:
    """The descriptions of the blocks this variant must carry (docs/domain.md §4)."""
    if variant.channel not in REQUIRED_CHANNELS:
        return []
    return [requirement.description_fr for requirement in REQUIREMENTS.get(variant.slug, ())]


def publish(session: Session, owner_id: int, variant: Variant, *, author: str, sender: str, phone: str | None,
            now: datetime) -> StoredTemplate:
    """The draft becomes the next version; refused, with the blocks named, when a mandatory block is missing at
    any stage the template is used at."""
    draft = draft_of(session, owner_id, variant)
    if draft is None:
        raise TemplateEditError("aucun brouillon à publier pour ce modèle")
    for stage in stages_for(variant.slug):
        found = review(variant, draft.files, stage=stage, sender=sender, phone=phone, now=now)
        if found.missing_blocks:
            blocks = " ; ".join(f"« {block} »" for block in found.missing_blocks)
            what = "le bloc obligatoire" if len(found.missing_blocks) == 1 else "les blocs obligatoires"
            raise TemplateEditError(f"Publication refusée : il manque {what} {blocks} (stade « {stage.label} »)")
    latest = versions_of(session, owner_id, variant)
    draft.version = (latest[0].version or 0) + 1 if latest else 1
    draft.author, draft.published_at, draft.updated_at = author, now, now
    session.flush()
    return draft
