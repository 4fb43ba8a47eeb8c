"""Returned mail (NPAI): the address the letter carried is invalid for the household when a partner that vouches for
it reported it (a pilot, the referent, a case with authority), for the reporter's own cases otherwise, and no other
address is touched (docs/security.md, rule 4); someone goes looking for the household. A letter written to
the household's landlord that comes back says nothing of the household's address: it is only marked returned."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.messages.addressees import is_landlord_letter
from campaigns.messages.sources import best_case, letter_cases
from campaigns.models import (
    STRUCTURE_NOTICES,
    Campaign,
    Case,
    ChannelKind,
    Dispatch,
    DispatchStatus,
    Household,
    HumanTask,
    TaskStatus,
)
from campaigns.models.stages import Stage
from campaigns.planning.standing import dwelling_cases, visible_stage
from campaigns.platform.dialect import insert_ignoring_conflicts
from campaigns.platform.errors import NotFoundError, ValidationError

# How an address is normalised (campaigns.locale.addresses.address_key, passed in by the caller: planning sits
# below linkage).
AddressKey = Callable[[str | None, str | None], str | None]


@dataclass(frozen=True, slots=True)
class ReturnOutcome:
    dispatch_id: int
    invalidated_addresses: int
    returned_address: str | None  # the address the letter carried, as its campaign's owner may know it
    next_address: str | None  # where the campaign's next letter goes, if anywhere
    locate_task_id: int | None
    to_landlord: bool = False  # the letter went to the household's landlord: its address, not the household's


def postal_line(adresse: str | None, code_postal: str | None, commune: str | None) -> str | None:
    if not adresse or not code_postal:
        return None
    return f"{adresse}, {code_postal} {commune or ''}".rstrip()


def case_line(case: Case | None) -> str | None:
    return postal_line(case.adresse, case.code_postal, case.commune) if case is not None else None


def sent_address(session: Session, dispatch: Dispatch, owner_id: int) -> tuple[str, str, str | None] | None:
    """The address the letter went to, as recorded when it was sent; for a letter sent before that record existed,
    the address its campaign would choose now (campaigns.messages.sources), if still valid."""
    if dispatch.sent_adresse and dispatch.sent_code_postal:
        return dispatch.sent_adresse, dispatch.sent_code_postal, dispatch.sent_commune
    case = best_case(letter_cases(session, dispatch.household_id, owner_id), owner_id)
    if case is None or case.adresse_invalide or not case.adresse or not case.code_postal:
        return None
    return case.adresse, case.code_postal, case.commune


def record_npai(session: Session, *, dispatch_id: int, partner_id: int, now: datetime, address_key: AddressKey
                ) -> ReturnOutcome:
    """Only the campaign owner (who receives the envelope back) can record it; the same return twice is a no-op.

    The letter went to the address recorded when it was sent (`Dispatch.sent_adresse`): that address, as
    normalised, becomes invalid in every case of the household that still holds it (the reporter's own cases only
    when it does not vouch for the household, campaigns.planning.standing), and no other; the report names
    it and the next address the campaign's letters will use (among the cases campaigns.messages.sources lets the
    owner's letters use)."""
    dispatch = session.get(Dispatch, dispatch_id, with_for_update=True)
    if dispatch is None or dispatch.channel != ChannelKind.COURRIER:
        raise NotFoundError("courrier introuvable")
    campaign = session.get_one(Campaign, dispatch.campaign_id)
    owner = campaign.owner_partner_id
    if owner != partner_id:
        raise NotFoundError("courrier introuvable")
    if dispatch.status not in (DispatchStatus.DELIVERED, DispatchStatus.RETURNED):
        raise ValidationError(f"ce courrier n'a pas été envoyé (statut « {dispatch.status} »)")
    if dispatch.template in STRUCTURE_NOTICES:
        raise ValidationError("ce courrier informait les services sociaux, à leur adresse : son retour ne dit rien "
                              "de l'adresse du ménage")
    first_return = dispatch.status != DispatchStatus.RETURNED
    dispatch.status = DispatchStatus.RETURNED.value
    if is_landlord_letter(dispatch.template):
        # A letter to the landlord (M17, M20) went to the landlord's address: the household's addresses stay as
        # they are and nobody goes looking for the household; the owner corrects the landlord's address.
        return ReturnOutcome(dispatch.id, 0, None, None, None, to_landlord=True)
    returned, invalidated = None, 0
    household = session.get_one(Household, dispatch.household_id)
    sent = sent_address(session, dispatch, owner) if first_return else None
    if sent is not None:
        returned = postal_line(*sent)
        key = address_key(sent[0], sent[1])
        # Every case holding it only on the word of a partner that vouches for the household (a pilot, its
        # referent, a case with authority); anyone else's return invalidates its own cases' address (rule 4).
        for case in dwelling_cases(session, household, owner):
            if key is not None and address_key(case.adresse, case.code_postal) == key:
                # Not `updated_at`: another partner's case view must not show that someone returned a letter.
                case.adresse_invalide = True
                invalidated = 1
        session.flush()
    following = best_case(letter_cases(session, dispatch.household_id, owner), owner)
    next_address = case_line(following) if following is not None and not following.adresse_invalide else None
    task_id = None
    stage = visible_stage(session, household, owner)
    if stage is not None and stage != Stage.CLOTURE:
        # An open case: a worker of the owner's queue looks for the household (locate task), at the stage the
        # owner may know (its own cases' unless it vouches for the household: rule 1).
        session.execute(
            insert_ignoring_conflicts(session, HumanTask, ["dispatch_id"]),
            [{"dispatch_id": dispatch.id, "household_id": dispatch.household_id,
              "queue_partner_id": owner, "kind": "recherche", "stage": stage,
              "status": TaskStatus.PENDING.value, "due_at": now, "created_at": now, "updated_at": now}],
        )
        task_id = session.scalar(select(HumanTask.id).where(HumanTask.dispatch_id == dispatch.id))
    return ReturnOutcome(dispatch.id, invalidated, returned, next_address, task_id)
