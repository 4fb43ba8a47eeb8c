"""Builds the OutboundMessage of a Dispatch: who it goes to, from whom, rendered from its template."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from html import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.links.tokens import LinkPolicy, LinkTarget, issue_link
from campaigns.locale.clock import local_date
from campaigns.messages import rendering
from campaigns.messages.address_block import PostalAddress
from campaigns.messages.addressees import (
    accepted_move,
    household_block,
    household_recipient,
    is_partner_letter,
    is_structure_notice,
    landlord_of,
    mandataire_recipient,
    partner_recipient,
    protected_case,
)
from campaigns.messages.falc import glossary_for
from campaigns.messages.notices import NoStructureError, addressed_structures, household_summary
from campaigns.messages.sources import best_case, letter_cases
from campaigns.messages.stored import published_variants
from campaigns.messages.variables import appointment_variables, household_contacts, message_context
from campaigns.models import (
    APPOINTMENT_REMINDER,
    Campaign,
    Case,
    ChannelKind,
    Dispatch,
    Partner,
)
from campaigns.platform.ports import OutboundMessage, Recipient


class NoChannelError(Exception):
    """The household cannot be reached on this step's channel (no mobile, no e-mail, no address)."""


class ConditionNotMetError(NoChannelError):
    """The channel reaches the household, but a condition of the step is not met (reason `condition_not_met`)."""


@dataclass(frozen=True, slots=True)
class Composed:
    """The message; for a rendered one, the variant asked (language, FALC), and the structures a notice to the
    social services is addressed to (campaigns/messages/notices.py)."""

    message: OutboundMessage
    rendered: rendering.Rendered | None = None
    asked: tuple[str, bool] | None = None
    structures: tuple[int, ...] = ()
    # The case a message to the household was written with (its address, number, language): recorded on the
    # dispatch when it is sent (campaigns.messages.versions.record_composed). None for a letter to a partner.
    source_case: Case | None = None
    # A letter sent to an address the household proposed and a structure accepted, not the case's own: the address
    # recorded on the dispatch (a returned letter invalidates this one).
    moved_to: PostalAddress | None = None


@dataclass(frozen=True, slots=True)
class _Addressee:
    recipient: Recipient
    to_partner: bool = False  # a letter to the landlord or to the social services, not to the household
    copies: tuple[Recipient, ...] = ()
    structures: tuple[int, ...] = ()
    moved_to: PostalAddress | None = None


def is_mobile(phone: str | None) -> bool:
    """French mobiles are +336/+337; a foreign number is assumed able to receive SMS."""
    if not phone:
        return False
    return phone.startswith(("+336", "+337")) or not phone.startswith("+33")


def reference_case(session: Session, dispatch: Dispatch, owner_id: int) -> Case:
    """The case a message of this campaign uses (best_case among letter_cases)."""
    case = best_case(letter_cases(session, dispatch.household_id, owner_id), owner_id)
    if case is None:
        raise NoChannelError("has_address")
    return case


@dataclass(frozen=True, slots=True)
class Reached:
    """The case a message will use and whom it goes to, as `reach` found them (handed to `compose` in the same
    transaction, so that they are not looked up twice)."""

    case: Case
    addressee: _Addressee


def reach(session: Session, dispatch: Dispatch) -> Reached:
    """The case the message will use and its addressee; raises NoChannelError when this step cannot reach the
    household."""
    campaign = session.get_one(Campaign, dispatch.campaign_id)
    case = reference_case(session, dispatch, campaign.owner_partner_id)
    return Reached(case, _addressee(session, dispatch, case))


def ensure_reachable(session: Session, dispatch: Dispatch) -> Case:
    """The case the message will use; raises NoChannelError when this step cannot reach the household."""
    return reach(session, dispatch).case


def _addressee(session: Session, dispatch: Dispatch, case: Case) -> _Addressee:
    """Whom the message goes to: the household; or for a letter to the landlord (docs/domain.md §4, M17 and M20),
    the landlord's address, never the tenant's; or for a notice to the social services (M24), the competent
    structures. Raises NoChannelError when it cannot be reached."""
    if not (dispatch.channel == ChannelKind.COURRIER and is_partner_letter(dispatch.template)):
        check_reachable(dispatch.channel, case, list(dispatch.conditions))
        if dispatch.channel != ChannelKind.COURRIER:
            return _Addressee(household_recipient(case))
        owner_id = session.get_one(Campaign, dispatch.campaign_id).owner_partner_id
        moved_to = accepted_move(session, case, owner_id)
        return _Addressee(household_recipient(case, moved_to), moved_to=moved_to)
    check_reachable("", case, list(dispatch.conditions))  # the step's conditions still hold on the household
    if is_structure_notice(dispatch.template):
        try:
            addressed = addressed_structures(session, dispatch.household_id, case.commune)
        except NoStructureError as exc:
            raise NoChannelError(str(exc)) from exc
        return _Addressee(addressed.recipients[0], True, addressed.recipients[1:], addressed.partner_ids)
    landlord = landlord_of(session, dispatch.household_id)
    found = partner_recipient(landlord) if landlord is not None else None
    if found is None:
        raise NoChannelError("has_landlord_address")
    return _Addressee(found, True)


def wanted_variant(campaign: Campaign, case: Case) -> tuple[str, bool]:
    """The household's language if the campaign writes in it (else French), and the campaign's FALC policy."""
    locale = case.langue if not campaign.languages or case.langue in campaign.languages else "fr"
    falc = {"toujours": True, "jamais": False}.get(campaign.falc, case.falc)
    return locale, falc


def _sender_lines(owner: Partner) -> list[str]:
    lines = [owner.name]
    if owner.contact_address:
        lines.extend(line.strip() for line in owner.contact_address.splitlines() if line.strip())
    if owner.contact_phone:
        lines.append(f"Tél. : {owner.contact_phone}")
    return lines


def address_lines(case: Case) -> tuple[str, ...]:
    """The household's whole address block, name first, by the postal rule of campaigns/messages/address_block.py."""
    return household_block(case)


def check_reachable(channel: str, case: Case, conditions: list[str]) -> None:
    """Raises NoChannelError when the step's channel cannot reach the household (reason `no_channel`), else
    ConditionNotMetError when one of the step's own conditions is not met (reason `condition_not_met`)."""
    needs: set[str] = set()
    if channel == ChannelKind.SMS:
        needs.add("has_mobile")
    elif channel == ChannelKind.EMAIL:
        needs.add("has_email")
    elif channel in (ChannelKind.COURRIER, ChannelKind.VISITE):
        needs.add("has_address")
    elif channel == ChannelKind.APPEL:
        needs.add("has_phone")
    # A number a worker found wrong (faux_numero) counts as no number at all.
    phone = None if case.telephone_invalide else case.telephone
    # Each evaluated only when the channel or a condition asks for it (the address block is the costly one).
    available: dict[str, Callable[[], bool]] = {
        "has_phone": lambda: bool(phone),
        "has_mobile": lambda: is_mobile(phone),
        "has_email": lambda: bool(case.email),
        "has_address": lambda: bool(address_lines(case)),
        # "Si absence de coordonnées téléphoniques, le référent envoie un courrier" (001, docs/domain.md §5.2 P2).
        "no_phone": lambda: not phone,
    }
    missing = sorted(n for n in needs if n in available and not available[n]())
    if missing:
        raise NoChannelError(", ".join(missing))
    unmet = sorted(c for c in conditions if c in available and not available[c]())
    if unmet:
        raise ConditionNotMetError(", ".join(unmet))


def compose(session: Session, dispatch: Dispatch, *, now: datetime, links: LinkPolicy | None = None,
            case: Case | None = None, reached: Reached | None = None) -> Composed:
    """The message of a dispatch. With `links`, a letter, SMS or e-mail to the household carries its own answer
    link (template variable `lien_reponse`, metadata `link_url` for the letter's QR code; docs/web.md). `case`: its
    reference case when the caller has just read it (ensure_reachable, same transaction); `reached`: its case and
    addressee when the caller has just found them (`reach`, same transaction)."""
    campaign = session.get_one(Campaign, dispatch.campaign_id)
    owner = session.get_one(Partner, campaign.owner_partner_id)
    if reached is not None:
        case, addressee = reached.case, reached.addressee
    else:
        case = reference_case(session, dispatch, owner.id) if case is None else case
        addressee = _addressee(session, dispatch, case)
    recipient = addressee.recipient
    metadata = {
        "date": local_date(now).isoformat(),
        "reference": case.reference,
        "household_id": str(dispatch.household_id),
        "queue_partner_id": str(owner.id),
        "stage": dispatch.stage,
        "due_at": dispatch.due_at.isoformat(),
        "sent_at": now.isoformat(),
        "sender_lines": "\n".join(_sender_lines(owner)),
    }
    source_case = None if addressee.to_partner else case
    if dispatch.channel in (ChannelKind.APPEL, ChannelKind.VISITE) or not dispatch.template:
        message = OutboundMessage(
            idempotency_key=dispatch.dedup_key,
            channel=dispatch.channel,
            recipient=recipient,
            sender_name=owner.name,
            dispatch_id=dispatch.id,
            metadata=metadata,
        )
        return Composed(message, source_case=source_case)
    context = message_context(dispatch, owner, case, recipient, now=now,
                              contacts=household_contacts(session, case, owner.id))
    if dispatch.template == APPOINTMENT_REMINDER:
        appointment = appointment_variables(session, dispatch.id)
        if appointment is None:
            raise NoChannelError("rendez-vous introuvable")
        context |= appointment
    if is_structure_notice(dispatch.template):
        context |= household_summary(case, letter_cases(session, dispatch.household_id, owner.id))
    if links is not None and not addressee.to_partner:
        target = LinkTarget(household_id=dispatch.household_id, case_id=case.id, partner_id=owner.id,
                            campaign_id=campaign.id, stage=dispatch.stage, stage_entry_id=dispatch.stage_entry_id,
                            channel=dispatch.channel, dispatch_id=dispatch.id)
        context["lien_reponse"] = metadata["link_url"] = links.url(
            issue_link(session, target, now=now, lifetime=links.lifetime))
    # A letter to a partner is written in French, standard: it asks for nothing else, so it is never a fallback.
    locale, falc = ("fr", False) if addressee.to_partner else wanted_variant(campaign, case)
    asked = (locale, falc) if addressee.to_partner else (case.langue, falc)
    rendered = rendering.render(
        dispatch.channel, dispatch.template, locale=locale, falc=falc, context=context,
        register_first=campaign.falc == "toujours",
        order=None if addressee.to_partner else campaign.fallback_order or None,
        # What the owner published in the template editor replaces the code's file (campaigns/messages/stored.py).
        stored=published_variants(session, owner.id, dispatch.channel, dispatch.template),
    )
    if (rendered.locale, rendered.falc) != asked:
        # What the household asked for is not what it gets: recorded as a fallback, never silent.
        rendered = replace(rendered, fallback=True)
    html_body = rendered.html_body
    if dispatch.channel == ChannelKind.COURRIER and not addressee.to_partner:
        # Other partners' blocks are written to the household: a landlord letter never carries them.
        variant = (rendered.locale, rendered.falc)
        html_body += _merged_blocks(session, dispatch, case, recipient, now=now, variant=variant)
    metadata["locale"] = rendered.locale
    if rendered.falc:
        metadata["font_size"] = "14"
        # FALC: every sigle the letter uses is explained in a box at its end.
        metadata["glossary"] = json.dumps(list(glossary_for(html_body, html=True).items()), ensure_ascii=False)
    message = OutboundMessage(
        idempotency_key=dispatch.dedup_key,
        channel=dispatch.channel,
        recipient=recipient,
        copies=addressee.copies if addressee.to_partner else _mandataire_copies(session, dispatch, owner.id)
        if dispatch.channel == ChannelKind.COURRIER else (),
        sender_name=owner.name,
        subject=rendered.subject,
        body=rendered.body,
        html_body=html_body,
        dispatch_id=dispatch.id,
        metadata=metadata,
    )
    return Composed(message, rendered, asked, addressee.structures, source_case, addressee.moved_to)


def _mandataire_copies(session: Session, dispatch: Dispatch, owner_id: int) -> tuple[Recipient, ...]:
    """A household under curatelle, tutelle or habilitation familiale: its letter also goes to the mandataire,
    addressed to the person "aux bons soins de" the mandataire (docs/domain.md §10.2, scenario 11). Only a measure
    this campaign may read (letter_cases: a bailleur's campaign its own cases) counts."""
    case = protected_case(letter_cases(session, dispatch.household_id, owner_id))
    copy = mandataire_recipient(case) if case is not None else None
    return (copy,) if copy is not None else ()


def _merged_blocks(
    session: Session, dispatch: Dispatch, case: Case, recipient: Recipient, *, now: datetime, variant: tuple[str, bool]
) -> str:
    """One block per partner whose letter was folded into this one: its message and its contact."""
    blocks = []
    merged = session.scalars(
        select(Dispatch).where(Dispatch.merged_into_id == dispatch.id).order_by(Dispatch.id)
    ).all()
    for other in merged:
        if not other.template:
            continue
        partner = session.get_one(Partner, session.get_one(Campaign, other.campaign_id).owner_partner_id)
        rendered = rendering.render(
            # Blocks follow the letter they are part of: one language and one register per envelope.
            "courrier", other.template, locale=variant[0], falc=variant[1],
            context=message_context(other, partner, case, recipient, now=now,
                                    contacts=household_contacts(session, case, partner.id)),
            stored=published_variants(session, partner.id, "courrier", other.template),
        )
        contact = f" (tél. {escape(partner.contact_phone)})" if partner.contact_phone else ""
        blocks.append(f"<p><strong>Message de {escape(partner.name)}{contact}</strong></p>{rendered.html_body}")
    return "".join(blocks)
