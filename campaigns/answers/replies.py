"""What the household says through its link, after the check (docs/web.md, « Le lien de réponse »).

Each answer is a response on the channel "lien" against the link's case and stage, with the household's own action
as evidence (campaigns/planning/authority.py, rule 2): it stops the stage's pending steps of every campaign, never a
regulatory letter nor the DSF tasks. It is audited under the link's partner. Nothing here writes to a case: new
contact details are proposals the structure checks (`LinkAnswer`), so a link never changes a partner's data.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.accounts import audit
from campaigns.answers.slots import Slot, callback_slots, find_slot, structure_hours
from campaigns.answers.texts import FR, TEXTS
from campaigns.delivery.link_opt_outs import SANS_SMS, cancel_partner_sms
from campaigns.delivery.sms_events import record_inbound
from campaigns.locale.clock import departement_of
from campaigns.messages.address_block import parse_postal_lines
from campaigns.models import AnswerLink, Case, Household, HumanTask, LinkAnswer, Partner, TaskKind, TaskStatus
from campaigns.models.authority import trusted_cases
from campaigns.planning.authority import Evidence
from campaigns.planning.responses import record_response
from campaigns.planning.standing import visible_hearing
from campaigns.platform.errors import ValidationError
from campaigns.platform.ports import Channel, OutboundMessage, Recipient
from campaigns.queues.referents import STRUCTURE_KINDS
from campaigns.queues.routing import task_priority

CHANNEL = "lien"
CODE_LIFETIME = timedelta(minutes=15)
MAX_CODE_ATTEMPTS = 5
MAX_CODES_PER_LINK = 3
FRENCH = TEXTS[FR]


class Nature(StrEnum):
    """The kind of each answer, as stored in `responses.nature` and `link_answers.kind`."""

    RECU = "recu"
    RAPPEL = "rappel"
    TELEPHONE = "telephone"
    ADRESSE = "adresse"
    ACCOMPAGNE = "accompagne"
    SANS_SMS = SANS_SMS


def _respond(session: Session, link: AnswerLink, nature: Nature, *, now: datetime, **answer: object) -> LinkAnswer:
    partner = session.get_one(Partner, link.partner_id)
    case = session.get_one(Case, link.case_id)
    # The household's own action stops everyone's steps only through a link written with a case with authority
    # over it: a partner that pushed a name and a birth date with its own e-mail, and answers its own link, stops
    # its own campaigns' steps only (docs/security.md, rule 2).
    trusted = link_is_trusted(session, link)
    # The response goes on the case only when it is the link partner's own (rule 1: never on another's case).
    response, _ = record_response(
        session, household_id=link.household_id, partner=partner, channel=CHANNEL, nature=nature.value,
        responded_at=now, now=now, case_id=case.id if case.partner_id == partner.id else None,
        evidence=Evidence.HOUSEHOLD_ACTION if trusted else None, stay=(link.stage, link.stage_entry_id))
    row = LinkAnswer(link_id=link.id, household_id=link.household_id, kind=nature.value,
                     status=str(answer.pop("status", "enregistre")), response_id=response.id, code_attempts=0,
                     created_at=now, updated_at=now, **answer)
    session.add(row)
    session.flush()
    audit.record(session, actor=audit.Actor(audit.ActorKind.HOUSEHOLD, partner_id=link.partner_id),
                 action=audit.AuditAction.CHANGE, purpose=f"réponse du ménage par son lien : {nature.value}",
                 household_ids=[link.household_id], now=now)
    return row


def link_is_trusted(session: Session, link: AnswerLink) -> bool:
    """Whether the link was written with a case with authority over the household (campaigns.models.authority): only
    then is an answer through it the household's own action, routed to the household's referent and shown with it
    (docs/security.md, rules 1 and 2)."""
    household_cases = list(session.scalars(select(Case).where(Case.household_id == link.household_id)))
    return link.case_id in {c.id for c in trusted_cases(session, household_cases)}


def acknowledge(session: Session, link: AnswerLink, *, now: datetime) -> LinkAnswer:
    """« J'ai bien reçu ce courrier »."""
    return _respond(session, link, Nature.RECU, now=now)


def referent_queue(session: Session, link: AnswerLink) -> int:
    """The structure that follows the household (its referent) when the link was written with a case with
    authority over it, else the partner whose message carried the link: a partner that mails its own link to its
    own mailbox gets what it would on an empty base (docs/security.md, rule 1)."""
    household = session.get_one(Household, link.household_id)
    referent = household.referent_partner_id if link_is_trusted(session, link) else None
    return referent or link.partner_id


def _territory(session: Session, link: AnswerLink) -> str | None:
    return departement_of(session.get_one(Case, link.case_id).code_postal)


def callback_offer(session: Session, link: AnswerLink, *, now: datetime) -> list[Slot]:
    """The slots the page offers: the opening hours of the structure that will call (the household's referent,
    else the link's partner), on its next open days, public holidays of the household's département left out."""
    structure = session.get_one(Partner, referent_queue(session, link))
    return callback_slots(now, _territory(session, link), structure_hours(structure.opening_hours))


def chosen_slot(session: Session, link: AnswerLink, key: str, *, now: datetime) -> Slot | None:
    """The offered slot the form named, or None (a forged or stale value)."""
    structure = session.get_one(Partner, referent_queue(session, link))
    return find_slot(key, now, _territory(session, link), structure_hours(structure.opening_hours))


def request_callback(session: Session, link: AnswerLink, slot: Slot, *, now: datetime) -> LinkAnswer:
    """« Je veux être rappelé(e) »: a call task in the referent structure's queue carrying the chosen slot
    (`callback_from`, `callback_until`), shown from the slot's start and due by its end. Created after the
    response, which cancels the stage's other pending tasks."""
    answer = _respond(session, link, Nature.RAPPEL, now=now, slot_start=slot.start)
    queue = referent_queue(session, link)
    # Ranked by the hearing date the queue's partner may know (campaigns/planning/standing.py): the priority shows.
    task = HumanTask(
        household_id=link.household_id, queue_partner_id=queue, kind=TaskKind.APPEL.value,
        stage=link.stage, status=TaskStatus.PENDING.value, dedup_key=f"lien-{answer.id}",
        priority=task_priority(visible_hearing(session, session.get_one(Household, link.household_id), queue),
                               link.stage), version=1,
        note=f"Rappel demandé par le ménage, créneau du {slot.label}.", due_at=slot.start, sla_due_at=slot.end,
        callback_from=slot.start, callback_until=slot.end, created_at=now, updated_at=now)
    session.add(task)
    session.flush()
    answer.task_id = task.id
    return answer


def normalised_phone(text: str) -> str:
    """A French or international number as +33…; raises ValidationError in French when it is not a number."""
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(FRENCH["error_phone"]) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(FRENCH["error_phone"])
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _code_hash(link: AnswerLink, code: str) -> str:
    return hashlib.sha256(f"{link.token_hash}:{code}".encode()).hexdigest()


def start_phone_change(session: Session, link: AnswerLink, phone: str, sms: Channel, *, now: datetime) -> LinkAnswer:
    """« Mes coordonnées ont changé », new phone: a six-digit code goes to it by SMS; the number counts once the
    household types the code back (`confirm_phone`)."""
    number = normalised_phone(phone)
    sent = session.scalar(select(LinkAnswer.id).where(
        LinkAnswer.link_id == link.id, LinkAnswer.kind == Nature.TELEPHONE.value).order_by(LinkAnswer.id.desc())
        .offset(MAX_CODES_PER_LINK - 1).limit(1))
    if sent is not None:
        raise ValidationError(FRENCH["error_codes"])
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = LinkAnswer(link_id=link.id, household_id=link.household_id, kind=Nature.TELEPHONE.value,
                     status="code_envoye", detail=number, code_hash=_code_hash(link, code),
                     code_expires_at=now + CODE_LIFETIME, code_attempts=0, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    sms.send(OutboundMessage(
        idempotency_key=f"lien-code-{row.id}", channel="sms", recipient=Recipient(display_name="", phone=number),
        sender_name="chaîne", body=f"Votre code de confirmation : {code}. Il est valable 15 minutes.",
        metadata={"date": now.date().isoformat(), "sent_at": now.isoformat()}))
    return row


def confirm_phone(session: Session, link: AnswerLink, code: str, *, now: datetime) -> LinkAnswer | None:
    """The code sent to the new number: right, the number is recorded as confirmed (a response); None otherwise."""
    row = session.scalar(select(LinkAnswer).where(
        LinkAnswer.link_id == link.id, LinkAnswer.kind == Nature.TELEPHONE.value,
        LinkAnswer.status == "code_envoye").order_by(LinkAnswer.id.desc()).limit(1))
    if row is None or row.code_hash is None or row.code_expires_at is None or row.code_expires_at <= now:
        return None
    if row.code_attempts >= MAX_CODE_ATTEMPTS:
        return None
    if not hmac.compare_digest(row.code_hash, _code_hash(link, code.strip())):
        row.code_attempts += 1
        return None
    confirmed = _respond(session, link, Nature.TELEPHONE, now=now, status="confirme", detail=row.detail)
    row.status, row.code_hash, row.updated_at = "remplace", None, now
    return confirmed


def propose_address(session: Session, link: AnswerLink, address: str, *, now: datetime) -> LinkAnswer:
    """A new address: kept as a proposal that the household's referent structure (else the link's partner) checks
    before any letter uses it (campaigns/answers/proposals.py)."""
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    if not lines or len(lines) > 6 or any(len(line) > 100 for line in lines):
        raise ValidationError(FRENCH["error_address_lines"])
    if parse_postal_lines(lines) is None:
        raise ValidationError(FRENCH["error_address_postal"])
    return _respond(session, link, Nature.ADRESSE, now=now, status="a_verifier", detail="\n".join(lines),
                    reviewer_partner_id=referent_queue(session, link))


def structures(session: Session) -> list[Partner]:
    """The directory the household picks from: the structures that follow households (CCAS, Département, CAF,
    ADIL, associations)."""
    return list(session.scalars(select(Partner).where(Partner.kind.in_(sorted(STRUCTURE_KINDS)))
                                .order_by(Partner.name)))


def already_followed(session: Session, link: AnswerLink, partner_id: int, *, now: datetime) -> LinkAnswer:
    """« Je suis déjà accompagné(e) par … »: a structure of the directory (the structure checks it)."""
    if partner_id not in {p.id for p in structures(session)}:
        raise ValidationError(FRENCH["error_structure"])
    return _respond(session, link, Nature.ACCOMPAGNE, now=now, partner_id=partner_id)


def stop_sms(session: Session, link: AnswerLink, *, now: datetime) -> LinkAnswer:
    """« Je ne veux plus de SMS »: through a link written with a case with authority over the household, the case's
    number is opted out of every campaign, as a STOP reply would; through any other, the household is opted out of
    the link partner's own campaigns' SMS only (campaigns/delivery/link_opt_outs.py, docs/security.md rule 2)."""
    case = session.get_one(Case, link.case_id)
    if not link_is_trusted(session, link):
        cancel_partner_sms(session, household_id=link.household_id, partner_id=link.partner_id, now=now)
    elif case.telephone:
        record_inbound(session, phone=case.telephone, is_stop=True, now=now)
    return _respond(session, link, Nature.SANS_SMS, now=now)
