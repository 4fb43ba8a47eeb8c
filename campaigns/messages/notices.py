"""Notices to the social services about a household (docs/domain.md §4, M24): when the préfet grants the concours
de la force publique, the State informs the competent EDS (the Département's social services) and the CCAS of the
commune, so that they prepare a solution of accommodation or rehousing with the household before the expulsion.

A campaign step names the notice's template (`information_services_sociaux`); the letter goes to the structures,
never to the household: to the first one found, and a copy in its own envelope to the other. Which structures:

1. the household's referent (campaigns/queues/referents.py), when it is the Département or a CCAS;
2. otherwise, for the Département: the Département partner named after the household's commune ("EDS Nantes Est"),
   else the only Département partner;
3. otherwise, for the CCAS: the CCAS partner named after the commune ("CCAS de Nantes"); a CCAS of another commune
   is never competent.

Only structures with a postal contact address can be written to; without any, the step is skipped (`no_channel`).
The letter carries the minimum the structures need to act: the household's name, address and phone, the date the
stage was reported, the sender's reference, and the mandataire to involve when a protection measure names one (never
its kind, and never to a landlord: these letters go to the social services only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from campaigns.locale.formats import format_phone_fr
from campaigns.locale.text import normalise_text
from campaigns.messages.address_block import Addressee, person_line
from campaigns.messages.addressees import household_block, partner_recipient, protected_case
from campaigns.models import Case, Household, NoticeRecipient, Partner, PartnerKind
from campaigns.platform.ports import Recipient

# In the order the letter is addressed: the Département's social services first, then the commune's CCAS.
SOCIAL_SERVICE_KINDS = (PartnerKind.DEPARTEMENT.value, PartnerKind.CCAS.value)


class NoStructureError(Exception):
    """No competent social service with a postal address: the notice cannot be written."""


@dataclass(frozen=True, slots=True)
class Addressed:
    """The structures a notice goes to, in order (the first is the letter's addressee, the others get copies)."""

    partner_ids: tuple[int, ...]
    recipients: tuple[Recipient, ...]


def _named_after(partners: Sequence[Partner], commune: str | None) -> list[Partner]:
    wanted = f" {normalise_text(commune)} "
    if not wanted.strip():
        return []
    return [p for p in partners if wanted in f" {normalise_text(p.name)} "]


def competent_structures(session: Session, household_id: int, commune: str | None) -> list[Partner]:
    """The Département's social services and the CCAS competent for the household (see the module's rules)."""
    household = session.get_one(Household, household_id)
    referent = session.get(Partner, household.referent_partner_id) if household.referent_partner_id else None
    partners = list(session.scalars(select(Partner).where(Partner.kind.in_(SOCIAL_SERVICE_KINDS))
                                    .order_by(Partner.id)))
    found: list[Partner] = []
    for kind in SOCIAL_SERVICE_KINDS:
        if referent is not None and referent.kind == kind:
            found.append(referent)
            continue
        of_kind = [p for p in partners if p.kind == kind]
        local = _named_after(of_kind, commune)
        if local:
            found.append(local[0])
        elif kind == PartnerKind.DEPARTEMENT.value and len(of_kind) == 1:
            found.append(of_kind[0])
    return found


def addressed_structures(session: Session, household_id: int, commune: str | None) -> Addressed:
    """The competent structures a letter can reach; raises NoStructureError when there is none."""
    pairs = [(partner.id, recipient) for partner in competent_structures(session, household_id, commune)
             if (recipient := partner_recipient(partner)) is not None]
    if not pairs:
        raise NoStructureError("has_structure_address")
    return Addressed(tuple(i for i, _ in pairs), tuple(r for _, r in pairs))


def mandataire_line(cases: Sequence[Case]) -> str | None:
    """The mandataire to involve ("UDAF de Loire-Atlantique, tél. 02 51 72 44 00"), never the measure's kind."""
    case = protected_case(cases)
    if case is None or not case.mandataire_nom:
        return None
    phone = f", tél. {format_phone_fr(case.mandataire_telephone)}" if case.mandataire_telephone else ""
    return f"{case.mandataire_nom}{phone}"


def household_summary(case: Case, cases: Sequence[Case]) -> dict[str, object]:
    """The template variables of a notice: who the household is, where it lives, how to reach it."""
    block = household_block(case)
    name = block[0] if block else person_line(Addressee(last_name=case.nom or "", first_name=case.prenom or ""))
    usable_phone = case.telephone if case.telephone and not case.telephone_invalide else None
    return {
        "menage": name,
        "menage_adresse": ", ".join(block[1:]) or None,
        "menage_telephone": format_phone_fr(usable_phone) if usable_phone else None,
        "mandataire": mandataire_line(cases),
        "date_stade": case.date_stade,
    }


def record_recipients(session: Session, dispatch_id: int, partner_ids: Sequence[int]) -> None:
    """Who a notice is addressed to, as composed for this attempt (a retry composes it again)."""
    session.execute(delete(NoticeRecipient).where(NoticeRecipient.dispatch_id == dispatch_id))
    session.add_all(NoticeRecipient(dispatch_id=dispatch_id, partner_id=partner_id)
                    for partner_id in dict.fromkeys(partner_ids))
