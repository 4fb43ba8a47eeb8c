"""Whose data a campaign's messages may use (docs/security.md, rules 1 and 4, "Données d'un message"): the one
place that decides from which cases of a household a letter, SMS, e-mail, call or visit takes its address, number,
language, register and protection measure.

- A pilot's campaign (the State, the Département: the coordination's owners) uses every case of the household.
- Any other owner's campaign (a bailleur, the CAF, a CCAS, the ADIL, an association) uses its own cases when it has
  some in the household: its case view (contacts, channel, language asked, the NPAI report) then is what it would be
  on an empty base, never showing what another partner gave.
- Unless the household was attributed to that owner (`Household.referent_partner_id`: the monthly concertation of
  the State and the Département, or a referent they recorded, campaigns.queues.referents): the structure the
  household is routed to writes with the household's best data, as the concertation asks.
- A structure's campaign reaching a household it has no case in (its territory, set by the pilots) uses every case:
  it has no case view there to reveal anything through. A bailleur's campaign never reaches such a household
  (campaigns.planning.own_stock), and reads nothing of it if it did.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Case, Household, Partner, PartnerKind
from campaigns.platform.memo import memoised

PILOT_KINDS = frozenset({PartnerKind.ETAT.value, PartnerKind.DEPARTEMENT.value})
LANDLORD_KINDS = frozenset({PartnerKind.BAILLEUR_SOCIAL.value, PartnerKind.BAILLEUR_PRIVE.value})


def letter_cases(session: Session, household_id: int, owner_id: int) -> list[Case]:
    """The cases a campaign of `owner_id` may take an address, a number or a language from (rules above)."""
    cases = list(session.scalars(select(Case).where(Case.household_id == household_id).order_by(Case.id)))
    # A partner's kind never changes: read once per batch of deliveries (campaigns/platform/memo.py).
    kind = memoised(("partner_kind", owner_id),
                    lambda: session.scalar(select(Partner.kind).where(Partner.id == owner_id)))
    if kind in PILOT_KINDS:
        return cases
    referent = session.scalar(select(Household.referent_partner_id).where(Household.id == household_id))
    if referent == owner_id:
        return cases
    own = [case for case in cases if case.partner_id == owner_id]
    if own or kind in LANDLORD_KINDS:
        return own
    return cases


def best_case(cases: list[Case], owner_id: int) -> Case | None:
    """The campaign owner's own case if it has one, else the freshest; a case whose address came back NPAI only
    if no other case has a usable one."""
    if not cases:
        return None
    return max(cases, key=lambda c: (not c.adresse_invalide, c.partner_id == owner_id, c.date_stade, c.updated_at))
