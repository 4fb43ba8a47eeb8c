"""What the answer page shows after the check: who wrote, the useful contacts of the stage and what happens next,
in plain words (FALC when the campaign writes FALC to this household). Nothing of another partner's case: the
contacts are public services, the sender is the one printed on the message (docs/web.md)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.messages.composing import wanted_variant
from campaigns.models import AnswerLink, Campaign, Case, Household, Partner, PartnerKind
from campaigns.models.stages import Stage

# What happens next, per stage: standard French, then FALC (short sentences, one idea each, no sigle unexplained).
NEXT_STEPS: dict[str, tuple[str, str]] = {
    Stage.IMPAYE: (
        "Un accord avec votre bailleur reste possible, et des aides existent. Si rien ne change, votre bailleur "
        "pourra vous faire remettre un commandement de payer par un commissaire de justice.",
        "Vous pouvez encore trouver un accord avec votre bailleur. Des aides existent. Si rien ne change, "
        "vous recevrez une lettre officielle pour payer."),
    Stage.COMMANDEMENT_DE_PAYER: (
        "Vous avez deux mois pour payer la dette ou trouver un accord. Après ce délai, votre bailleur peut "
        "demander au juge de mettre fin à votre bail.",
        "Vous avez 2 mois pour payer ou trouver un accord. Après, votre bailleur peut aller voir le juge."),
    Stage.ASSIGNATION: (
        "Le juge va examiner votre situation à l'audience. Allez-y, même si vous avez trouvé un accord : vous "
        "pouvez y demander des délais de paiement. Un travailleur social va vous proposer un rendez-vous.",
        "Le juge va regarder votre situation. Allez au rendez-vous chez le juge. Un travailleur social va "
        "aussi vous proposer un rendez-vous."),
    Stage.JUGEMENT: (
        "Le juge a rendu sa décision. Elle peut vous accorder des délais : l'ADIL peut vous l'expliquer "
        "gratuitement.",
        "Le juge a pris une décision. L'ADIL peut vous l'expliquer. C'est gratuit."),
    Stage.COMMANDEMENT_DE_QUITTER_LES_LIEUX: (
        "Un commissaire de justice vous a demandé de quitter le logement, en général dans un délai de deux mois. "
        "Des délais ou un relogement restent possibles : appelez vite l'un des contacts ci-dessous.",
        "On vous demande de quitter le logement. Vous avez en général 2 mois. Appelez vite un des contacts "
        "ci-dessous."),
    Stage.REQUISITION_FORCE_PUBLIQUE: (
        "Votre bailleur a demandé l'aide de la police pour l'expulsion. La préfecture va étudier votre "
        "situation : faites-vous aider dès maintenant.",
        "Votre bailleur a demandé l'aide de la police. La préfecture va regarder votre situation. "
        "Demandez de l'aide maintenant."),
    Stage.OCTROI_FORCE_PUBLIQUE: (
        "La préfecture a accordé l'aide de la police : l'expulsion peut avoir lieu bientôt. Appelez vite l'un des "
        "contacts ci-dessous pour préparer un relogement.",
        "La police peut venir bientôt pour l'expulsion. Appelez vite un des contacts ci-dessous."),
}


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


def _contact(role: str, partner: Partner | None) -> Contact | None:
    if partner is None:
        return None
    address = ", ".join(line.strip() for line in (partner.contact_address or "").splitlines() if line.strip())
    return Contact(role, partner.name, partner.contact_phone, address or None)


def _first(session: Session, kind: PartnerKind) -> Partner | None:
    return session.scalars(select(Partner).where(Partner.kind == kind.value).order_by(
        Partner.contact_phone.is_(None), Partner.id).limit(1)).first()


def page_view(session: Session, link: AnswerLink) -> PageView:
    campaign = session.get_one(Campaign, link.campaign_id)
    case = session.get_one(Case, link.case_id)
    _, falc = wanted_variant(campaign, case)
    sender = session.get_one(Partner, link.partner_id)
    household = session.get_one(Household, link.household_id)
    referent = session.get(Partner, household.referent_partner_id) if household.referent_partner_id else None
    found = [
        _contact("Conseils gratuits sur vos droits et la procédure" if not falc
                 else "Des conseils gratuits sur vos droits", _first(session, PartnerKind.ADIL)),
        _contact("La structure qui vous accompagne" if not falc else "Les personnes qui vous aident",
                 referent or sender),
        _contact("La CCAPEX, commission de prévention des expulsions, par la préfecture" if not falc
                 else "La CCAPEX : des services qui cherchent une solution avec vous",
                 _first(session, PartnerKind.ETAT)),
    ]
    standard, simple = NEXT_STEPS.get(link.stage, ("", ""))
    return PageView(sender=sender.name, stage_label=Stage(link.stage).label, next_steps=simple if falc else standard,
                    contacts=tuple(c for c in found if c is not None), falc=falc)
