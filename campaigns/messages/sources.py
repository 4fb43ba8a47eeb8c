"""Whose data a campaign's messages may use (docs/security.md, rules 1 and 4, "Données d'un message"): the one
place that decides from which cases of a household a letter, SMS, e-mail, call or visit takes its address, number,
language, register and protection measure.

- A pilot's campaign (the State, the Département: the coordination's owners) uses the household's cases with
  authority over it (its own, the other pilot's, its landlord's: campaigns.models.authority), every case only when
  none has authority. A partner that pushes a name and a birth date with its own address, number or a made-up
  mandataire never redirects, copies or stops a pilot's letter (docs/security.md, rule 5).
- Any other owner's campaign (a bailleur, the CAF, a CCAS, the ADIL, an association) uses its own cases when it has
  some in the household: its case view (contacts, channel, language asked, the NPAI report) then is what it would be
  on an empty base, never showing what another partner gave.
- Unless the household was attributed to that owner (`Household.referent_partner_id`: the monthly concertation of
  the State and the Département, or a referent they recorded, campaigns.queues.referents): the structure the
  household is routed to writes with the household's best data (the cases with authority and its own), as the
  concertation asks.
- A structure's campaign reaching a household it has no case in (its territory, set by the pilots) uses the cases
  with authority, as a pilot's does: it has no case view there to reveal anything through. A bailleur's campaign
  never reaches such a household (campaigns.planning.own_stock), and reads nothing of it if it did.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.messages import prefetched
from campaigns.models import Case, Household, Partner
from campaigns.models.authority import LANDLORD_KINDS, PROCEDURE_KINDS, trusted_cases
from campaigns.platform.memo import memoised


def letter_cases(session: Session, household_id: int, owner_id: int) -> list[Case]:
    """The cases a campaign of `owner_id` may take an address, a number or a language from (rules above)."""
    # A task's contacts: their households' cases were read at once (campaigns/messages/prefetched.py).
    cases = prefetched.household_cases(session, household_id)
    if cases is None:
        cases = list(session.scalars(select(Case).where(Case.household_id == household_id).order_by(Case.id)))
    # A partner's kind never changes: read once per batch of deliveries (campaigns/platform/memo.py).
    kind = memoised(("partner_kind", owner_id),
                    lambda: session.scalar(select(Partner.kind).where(Partner.id == owner_id)))
    own = [case for case in cases if case.partner_id == owner_id]
    # The household row the send-time guard already holds in this session (campaigns/delivery/dispatch.py).
    household = session.get(Household, household_id)
    referent = household.referent_partner_id if household is not None else None
    if kind in PROCEDURE_KINDS or referent == owner_id:
        return _returned_fallback(cases, {case.id for case in trusted_cases(session, cases)} | {c.id for c in own})
    if own or kind in LANDLORD_KINDS:
        return own
    return _returned_fallback(cases, {case.id for case in trusted_cases(session, cases)})


def _returned_fallback(cases: list[Case], trusted: set[int]) -> list[Case]:
    """The trusted cases; and, once every address they gave came back NPAI, the other cases' valid addresses (the
    next letter goes to the next valid address, rule 4). A case without authority never stands in for an address
    the trusted cases simply do not give."""
    chosen = [case for case in cases if case.id in trusted]
    addressed = [case for case in chosen if case.adresse]
    if not addressed or any(not case.adresse_invalide for case in addressed):
        return chosen
    return [case for case in cases if case.id in trusted or (case.adresse and not case.adresse_invalide)]


def best_case(cases: list[Case], owner_id: int) -> Case | None:
    """The campaign owner's own case if it has one, else the freshest; a case whose address came back NPAI only
    if no other case has a usable one."""
    if not cases:
        return None
    return max(cases, key=lambda c: (not c.adresse_invalide, c.partner_id == owner_id, c.date_stade, c.updated_at))
