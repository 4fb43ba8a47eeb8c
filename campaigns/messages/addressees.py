"""Whom a letter is addressed to: the household (its address block from its case) or, for the letters written to
the landlord (docs/domain.md §4, M17 and M20), the landlord itself, never the tenant; the notices to the social
services (M24, campaigns/messages/notices.py) go to the structures.

A landlord letter asks for the landlord's observations: it never carries the household's social diagnosis, nor
the blocks of other partners' letters to the household (docs/domain.md §6: the DSF is never sent to the landlord).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from campaigns.messages.address_block import Addressee, PostalAddress, address_block, parse_postal_lines, person_line
from campaigns.models import STRUCTURE_NOTICES, AnswerLink, Case, LinkAnswer, Partner, PartnerKind
from campaigns.models.authority import case_sources, ruling_cases, trusted_cases
from campaigns.platform.memo import memoised
from campaigns.platform.ports import Recipient

# Templates written to the landlord of the household (docs/campaigns.md).
LANDLORD_TEMPLATES: frozenset[str] = frozenset({"courrier_bailleur"})
# Letters written to a partner about the household, not to the household: the landlord's, the social services'.
# They are in French and standard whatever the household reads, carry no answer link, and stay outside the
# household's coordination (no merge, no cap).
PARTNER_LETTERS: frozenset[str] = LANDLORD_TEMPLATES | frozenset(STRUCTURE_NOTICES)
LANDLORD_KINDS = (PartnerKind.BAILLEUR_SOCIAL.value, PartnerKind.BAILLEUR_PRIVE.value)
# Measures under which the mandataire receives the household's mail ("aux bons soins de"): the curator, the tutor
# or the family member acts for the person. Under a sauvegarde de justice the person keeps acting alone.
CARE_OF_MEASURES: frozenset[str] = frozenset({"curatelle", "curatelle_renforcee", "tutelle", "habilitation_familiale"})


def is_landlord_letter(template: str | None) -> bool:
    return template is not None and template in LANDLORD_TEMPLATES


def is_structure_notice(template: str | None) -> bool:
    return template is not None and template in STRUCTURE_NOTICES


def is_partner_letter(template: str | None) -> bool:
    return template is not None and template in PARTNER_LETTERS


def household_block(case: Case, moved_to: PostalAddress | None = None) -> tuple[str, ...]:
    """The address block of the household's case; empty when the address is missing or came back NPAI. `moved_to`:
    an address the household gave through its answer link and a structure accepted (`accepted_move`)."""
    if moved_to is None and (not (case.adresse and case.code_postal) or case.adresse_invalide):
        return ()
    holder = Addressee(last_name=case.nom or "", first_name=case.prenom or "")
    co_holder = None
    if case.prenom_cotitulaire or case.nom_cotitulaire:
        co_holder = Addressee(last_name=case.nom_cotitulaire or case.nom or "",
                              first_name=case.prenom_cotitulaire or "")
    complements = tuple(line for line in (case.complement_adresse or "").splitlines() if line.strip())
    address = moved_to or PostalAddress(street=case.adresse or "", postcode=case.code_postal or "",
                                        commune=case.commune, complements=complements)
    return address_block(holder, address, co_holder=co_holder)


def household_recipient(case: Case, moved_to: PostalAddress | None = None) -> Recipient:
    """The first line of the block is the name (printed once), the others the postal lines."""
    block = household_block(case, moved_to)
    holder = block[0] if block else person_line(Addressee(last_name=case.nom or "", first_name=case.prenom or ""))
    return Recipient(display_name=holder, address_lines=block[1:],
                     phone=case.telephone, email=case.email)


def accepted_move(session: Session, case: Case, owner_id: int) -> PostalAddress | None:
    """The newest address the household proposed through its answer link and a structure accepted after `case` was
    last pushed (campaigns/answers/proposals.py), when the campaign owner may use it: a pilot's or a structure's
    campaign (it reads every case of the household anyway, `letter_cases`), a landlord's only when it checked the
    address itself (docs/security.md, rule 4). None otherwise."""
    kind = memoised(("partner_kind", owner_id),  # never changes: once per batch (campaigns/platform/memo.py)
                    lambda: session.scalar(select(Partner.kind).where(Partner.id == owner_id)))
    query = select(LinkAnswer).where(
        LinkAnswer.household_id == case.household_id, LinkAnswer.kind == "adresse",
        LinkAnswer.status == "acceptee", LinkAnswer.reviewed_at >= case.updated_at)
    if kind in (PartnerKind.BAILLEUR_SOCIAL, PartnerKind.BAILLEUR_PRIVE):
        query = query.where(LinkAnswer.reviewer_partner_id == owner_id)
    else:
        # Another's acceptance counts only for a link written with a case with authority over the household: a
        # partner that pushed a name and a birth date, mailed its own link to itself and accepted its own proposal
        # never moves a pilot's letters (docs/security.md, rules 4 and 5).
        household_cases = list(session.scalars(select(Case).where(Case.household_id == case.household_id)))
        trusted = sorted(c.id for c in trusted_cases(session, household_cases))
        query = query.join(AnswerLink, AnswerLink.id == LinkAnswer.link_id).where(
            or_(LinkAnswer.reviewer_partner_id == owner_id, AnswerLink.case_id.in_(trusted)))
    accepted = session.scalars(query.order_by(LinkAnswer.reviewed_at.desc(), LinkAnswer.id.desc()).limit(1)).first()
    return parse_postal_lines((accepted.detail or "").splitlines()) if accepted is not None else None


def protected_case(cases: Iterable[Case]) -> Case | None:
    """The case that states a measure under which the mandataire receives the mail, with the mandataire's postal
    address; the freshest when several do."""
    found = [case for case in cases if case.mesure_protection in CARE_OF_MEASURES and case.mandataire_nom
             and case.mandataire_adresse and case.mandataire_code_postal]
    return max(found, key=lambda c: (c.date_stade, c.updated_at)) if found else None


def mandataire_recipient(case: Case) -> Recipient | None:
    """The second letter of a protected adult: the household's name, "aux bons soins de" its mandataire, at the
    mandataire's address (NF Z10-011 line 2); None when the case states no such measure."""
    if protected_case([case]) is None:
        return None
    holder = Addressee(last_name=case.nom or "", first_name=case.prenom or "")
    address = PostalAddress(street=case.mandataire_adresse or "", postcode=case.mandataire_code_postal or "",
                            commune=case.mandataire_commune or "")
    block = address_block(holder, address, care_of=case.mandataire_nom or "")
    return Recipient(display_name=block[0], address_lines=block[1:], phone=case.mandataire_telephone)


def landlord_of(session: Session, household_id: int) -> Partner | None:
    """The household's landlord: the partner of its bailleur case with authority over it (docs/security.md, rule 6:
    the first bailleur, or one the State vouches for). A bailleur that pushed a name and a birth date never
    receives the State's request for observations about the household."""
    ruling = ruling_cases(session, case_sources(session, [household_id]))
    return session.scalars(
        select(Partner).join(Case, Case.partner_id == Partner.id)
        .where(Case.household_id == household_id, Partner.kind.in_(LANDLORD_KINDS),
               Case.id.in_(sorted(ruling)))
        .order_by(Case.date_stade.desc(), Case.id.desc()).limit(1)
    ).first()


def partner_recipient(partner: Partner) -> Recipient | None:
    """A partner's postal block (a landlord, a social service) from its contact address; None when it has none a
    letter can use."""
    address = parse_postal_lines((partner.contact_address or "").splitlines())
    if address is None:
        return None
    block = address_block(partner.name, address)
    return Recipient(display_name=block[0], address_lines=block[1:], phone=partner.contact_phone)


def sample_block() -> tuple[str, ...]:
    """The sample household of previews, laid out by the same rule as real letters."""
    return address_block(Addressee(last_name="Exemple", first_name="Camille"), PostalAddress(
        street="12 rue de l'Exemple", postcode="44000", commune="Nantes",
        complements=("Bâtiment B, appartement 12",)), co_holder=Addressee(last_name="Exemple", first_name="Dominique"))


def sample_landlord_block() -> tuple[str, ...]:
    return address_block("SCI Les Tilleuls", PostalAddress(
        street="8 avenue des Acacias", postcode="44100", commune="Nantes"))


def sample_structure_block() -> tuple[str, ...]:
    return address_block("EDS Nantes Est", PostalAddress(
        street="3 rue de l'Exemple", postcode="44300", commune="Nantes"))


def preview_recipient(template: str) -> Recipient:
    """The addressee of a preview: a sample landlord for a landlord letter, a sample social service for a notice to
    the social services, else the sample household."""
    block = (sample_landlord_block() if is_landlord_letter(template)
             else sample_structure_block() if is_structure_notice(template) else sample_block())
    return Recipient(display_name=block[0], address_lines=block[1:], phone="+33612345678",
                     email="camille.exemple@exemple.fr")
