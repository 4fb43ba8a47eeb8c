"""A bailleur's campaign reaches its own tenants only: the households it pushed a case for. Without this a landlord's
relance campaign would write to, and put in its own queue, the tenants of every other landlord of its territory
(docs/domain.md §10.2: a bailleur sees its own tenants, never another bailleur's)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Campaign, Case, Partner, PartnerKind
from campaigns.platform.dialect import any_of

BAILLEUR_KINDS = (PartnerKind.BAILLEUR_SOCIAL.value, PartnerKind.BAILLEUR_PRIVE.value)


@dataclass(frozen=True, slots=True)
class OwnStock:
    """For each bailleur-owned campaign asked about: the households (among those asked about) it may reach.
    Other owners' campaigns are absent: they cover every household of their territory and segment."""

    tenants: dict[int, frozenset[int]]

    def covers(self, campaign_id: int, household_id: int) -> bool:
        own = self.tenants.get(campaign_id)
        return own is None or household_id in own


def own_stock(session: Session, campaigns: Iterable[Campaign], household_ids: Iterable[int]) -> OwnStock:
    owners = {c.id: c.owner_partner_id for c in campaigns}
    if not owners:
        return OwnStock({})
    landlords = set(session.scalars(select(Partner.id).where(
        Partner.id.in_(set(owners.values())), Partner.kind.in_(BAILLEUR_KINDS))))
    by_landlord = {campaign_id: owner for campaign_id, owner in owners.items() if owner in landlords}
    if not by_landlord:
        return OwnStock({})
    households = sorted(set(household_ids))
    tenants: dict[int, set[int]] = defaultdict(set)
    if households:
        rows = session.execute(select(Case.partner_id, Case.household_id).where(
            Case.partner_id.in_(landlords), any_of(session, Case.household_id, households)))
        for partner_id, household_id in rows:
            tenants[partner_id].add(household_id)
    return OwnStock({campaign_id: frozenset(tenants[owner]) for campaign_id, owner in by_landlord.items()})

