"""What the own-stays attacks share (docs/security.md, rule 7): the State's campaign and shared household, a partner's
twin rows (one about the tenant others know, one about a person nobody knows) and the views compared between them.
Used by tests/security/test_authority_own_stays.py (a second bailleur) and test_authority_own_stays_structures.py (the
CAF, an association)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campaigns.models import Campaign, Case, Dispatch, Household
from tests.security.authority_world import KNOWN, UNKNOWN, World, landlord_row, stranger_row

STATE_LETTERS = "Courriers de l'État"


def state_campaign(world: World) -> None:
    world.campaign(name=STATE_LETTERS, owner="DDETS 44", stages=["assignation", "jugement"], steps=[
        {"channel": "courrier", "template": "information_etat", "delay_days": 3},
        {"channel": "courrier", "template": "information_etat", "delay_days": 40, "regulatory": True}])


def shared_household(world: World) -> None:
    """The State has the tenant at the assignation stage, and so does her landlord; the State writes to her."""
    world.push(world.state, [landlord_row("E-1")])
    world.push(world.landlord, [landlord_row()])
    world.runtime.tick()


def push_twins(world: World, partner: dict[str, str], **row: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The partner's row about the tenant, and the same row about a person nobody else knows."""
    shared = world.push(partner, [stranger_row("B-1", KNOWN, **row)])
    alone = world.push(partner, [stranger_row("B-2", UNKNOWN, **row)])
    return shared, alone


def report(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in ("id", "rejets_csv")}


def same_views(world: World, partner: dict[str, str]) -> dict[str, Any]:
    """The partner's view of its case about the tenant, checked equal to its view of the unknown person's (but the
    reference and its contacts' ids); returned."""
    def comparable(view: dict[str, Any]) -> dict[str, Any]:
        return {**{k: v for k, v in view.items() if k != "reference"},
                "contacts": [{k: v for k, v in c.items() if k != "id"} for c in view["contacts"]]}

    shared, alone = world.view(partner, "B-1"), world.view(partner, "B-2")
    assert comparable(shared) == comparable(alone), (shared, alone)
    return shared


def contacts(view: dict[str, Any]) -> list[tuple[str, int, str, str | None]]:
    return [(c["stade"], c["etape"], c["statut"], c["motif"]) for c in view["contacts"]]


def state_contacts(world: World) -> dict[tuple[str, int], tuple[str, str | None]]:
    with world.runtime.session_factory() as session:
        rows = session.execute(select(Dispatch.stage, Dispatch.step_position, Dispatch.status, Dispatch.reason)
                               .join(Campaign, Campaign.id == Dispatch.campaign_id)
                               .where(Campaign.name == STATE_LETTERS))
        return {(stage, step): (status, reason) for stage, step, status, reason in rows}


def households(world: World) -> dict[str, tuple[int, str | None]]:
    with world.runtime.session_factory() as session:
        return {reference: (household_id, stage) for reference, household_id, stage in session.execute(
            select(Case.reference, Case.household_id, Household.stage)
            .join(Household, Household.id == Case.household_id))}
