"""What the answer page shows after the check: who wrote, the useful contacts of the stage and what happens next,
in plain words, in the household's language and in FALC when the campaign writes FALC to it
(campaigns/answers/texts.py). Nothing of another partner's case: the contacts are public services, the sender is
the one printed on the message (docs/web.md)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.answers.next_steps import NEXT_STEPS
from campaigns.answers.replies import referent_queue
from campaigns.answers.texts import TEXTS, variant_of
from campaigns.messages.composing import wanted_variant
from campaigns.models import AnswerLink, Campaign, Case, Partner, PartnerKind
from campaigns.models.stages import Stage


@dataclass(frozen=True, slots=True)
class Contact:
    role: str  # what it does for the household, in plain words
    name: str
    phone: str | None
    address: str | None


@dataclass(frozen=True, slots=True)
class PageView:
    sender: str
    stage_label: str
    next_steps: str
    contacts: tuple[Contact, ...]
    falc: bool
    variant: str  # campaigns/answers/texts.py: fr, fr-falc, en, ar


def _contact(role: str, partner: Partner | None) -> Contact | None:
    if partner is None:
        return None
    address = ", ".join(line.strip() for line in (partner.contact_address or "").splitlines() if line.strip())
    return Contact(role, partner.name, partner.contact_phone, address or None)


def _first(session: Session, kind: PartnerKind) -> Partner | None:
    return session.scalars(select(Partner).where(Partner.kind == kind.value).order_by(
        Partner.contact_phone.is_(None), Partner.id).limit(1)).first()


def page_variant(session: Session, link: AnswerLink) -> str:
    """The page's language and register: those the link's campaign writes to the household in."""
    locale, falc = wanted_variant(session.get_one(Campaign, link.campaign_id), session.get_one(Case, link.case_id))
    return variant_of(locale, falc)


def page_view(session: Session, link: AnswerLink) -> PageView:
    variant = page_variant(session, link)
    texts = TEXTS[variant]
    sender = session.get_one(Partner, link.partner_id)
    # The household's referent only through a link written with a case with authority over it: a partner's own
    # link to its own mailbox names that partner, as on an empty base (docs/security.md, rule 1).
    follows = session.get_one(Partner, referent_queue(session, link))
    found = [
        _contact(texts["role_adil"], _first(session, PartnerKind.ADIL)),
        _contact(texts["role_referent"], follows),
        _contact(texts["role_ccapex"], _first(session, PartnerKind.ETAT)),
    ]
    return PageView(sender=sender.name, stage_label=Stage(link.stage).label,
                    next_steps=NEXT_STEPS.get(link.stage, {}).get(variant, ""),
                    contacts=tuple(c for c in found if c is not None), falc=variant == "fr-falc", variant=variant)
