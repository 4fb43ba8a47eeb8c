"""Every message of a campaign's sequence, rendered for a sample household before activation: letters (a PDF is
built from the same rendering), SMS with their encoding and segment count, e-mails, and what a call or visit does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.campaign.validation import CHANNEL_LABELS, template_slugs
from campaigns.locale.clock import local_date
from campaigns.locale.labels import language_name
from campaigns.locale.sms_encoding import normalise_sms_typography, sms_info
from campaigns.messages.addressees import preview_recipient
from campaigns.messages.previews import preview
from campaigns.messages.rendering import CHANNEL_DIRS, StoredVariants, TemplateNotFoundError
from campaigns.messages.stored import published_variants
from campaigns.models import Campaign, Partner
from campaigns.models.stages import Stage
from campaigns.platform.errors import NotFoundError
from campaigns.queues.routing import campaign_queue


@dataclass(frozen=True, slots=True)
class MessagePreview:
    """One message of one step, for one stage, language and register."""

    step: int  # numbered from 1
    channel: str
    stage: Stage
    locale: str
    falc: bool
    template: str | None = None
    subject: str = ""
    text: str = ""
    # What was rendered when the wished variant does not exist (French standard, French FALC...).
    used_locale: str = ""
    used_falc: bool = False
    fallback: bool = False
    sms_encoding: str = ""
    sms_segments: int = 0
    sms_characters: int = 0
    sms_non_gsm: tuple[str, ...] = ()
    error: str = ""
    task: str = ""

    @property
    def title(self) -> str:
        what = CHANNEL_LABELS[self.channel]
        template = f" « {self.template} »" if self.template else ""
        register = ", FALC" if self.falc else ""
        return f"Étape n°{self.step} — {what}{template} ({self.stage.label}, {language_name(self.locale)}{register})"


def _variants(campaign: Campaign) -> list[tuple[str, bool]]:
    locales = campaign.languages or ["fr"]
    registers = {"toujours": [True], "jamais": [False]}.get(campaign.falc, [False, True])
    return [(locale, falc) for locale in locales for falc in registers]


def preview_sequence(session: Session, campaign: Campaign, *, now: datetime) -> list[MessagePreview]:
    """The messages in step order; a step naming "etape_{stade}" shows each covered stage's own message."""
    owner = session.get_one(Partner, campaign.owner_partner_id)
    queue = session.get_one(Partner, campaign_queue(campaign))
    stages = [Stage(s) for s in campaign.stages]
    out: list[MessagePreview] = []
    for step in campaign.steps:
        number = step.position + 1
        if step.channel not in CHANNEL_DIRS or not step.template:
            kind = "appel" if step.channel == "appel" else ("visite annoncée" if step.announced else "visite inopinée")
            task = (f"Tâche « {kind} » dans la file de {queue.name} (ou du référent du ménage s'il en a un)"
                    + (" ; ouvre la chaîne du DSF à l'assignation" if step.dsf else ""))
            out.append(MessagePreview(number, step.channel, stages[0], "fr", False, task=task))
            continue
        for stage, slug in template_slugs(step.template, stages):
            for locale, falc in _variants(campaign):
                base = MessagePreview(number, step.channel, stage or stages[0], locale, falc, template=slug)
                stored = published_variants(session, owner.id, step.channel, slug)
                out.append(_render(base, sender=owner.name, phone=owner.contact_phone, now=now, stored=stored))
    return out


def _render(base: MessagePreview, *, sender: str, phone: str | None, now: datetime,
            stored: StoredVariants) -> MessagePreview:
    channel = base.channel
    assert base.template is not None
    try:
        rendered = preview(channel, base.template, stage=base.stage, locale=base.locale, falc=base.falc,
                           sender=sender, phone=phone, now=now, stored=stored)
    except TemplateNotFoundError as exc:
        return replace(base, error=f"aucun modèle à montrer : {exc}")
    fields: dict[str, object] = {"subject": rendered.subject, "used_locale": rendered.locale,
                                 "used_falc": rendered.falc, "fallback": rendered.fallback}
    if channel == "sms":
        text = normalise_sms_typography(rendered.body)
        info = sms_info(text)
        fields.update(text=text, sms_encoding=info.encoding, sms_segments=info.segments,
                      sms_characters=info.characters, sms_non_gsm=tuple(info.non_gsm))
    elif channel == "email":
        fields["text"] = rendered.body
    return replace(base, **fields)  # type: ignore[arg-type]


def letter_preview_pdf(session: Session, campaign: Campaign, *, slug: str, stage: Stage, locale: str, falc: bool,
                       now: datetime, build_pdf: Callable[..., bytes]) -> bytes:
    """One of the campaign's letters as the PDF a sample household would get, from the campaign owner
    (`build_pdf`: Runtime.letter_pdf, the builder of the letters sent)."""
    stages = [Stage(s) for s in campaign.stages]
    used = {name for step in campaign.steps if step.channel == "courrier" and step.template
            for _stage, name in template_slugs(step.template, stages)}
    if slug not in used or stage not in stages:
        raise NotFoundError(f"la campagne n'envoie pas le courrier « {slug} » au stade « {stage.label} »")
    owner = session.get_one(Partner, campaign.owner_partner_id)
    try:
        rendered = preview("courrier", slug, stage=stage, locale=locale, falc=falc, sender=owner.name,
                           phone=owner.contact_phone, now=now,
                           stored=published_variants(session, owner.id, "courrier", slug))
    except TemplateNotFoundError as exc:
        raise NotFoundError(str(exc)) from None
    lines = [owner.name, *(line.strip() for line in (owner.contact_address or "").splitlines() if line.strip())]
    if owner.contact_phone:
        lines.append(f"Tél. : {owner.contact_phone}")
    return build_pdf(
        sender_name=owner.name, sender_lines=lines, recipient=preview_recipient(slug), subject=rendered.subject,
        html_body=rendered.html_body, letter_date=local_date(now), reference="EXEMPLE-0001",
        font_size=14 if rendered.falc else 11,
    )
