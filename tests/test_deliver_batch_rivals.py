"""Set-based delivery (campaigns/delivery/batch.py), found by review: in a task, a letter cancelled as a merged rival
by an earlier contact of its household is run through `_start` again (its in-memory status is no longer `queued`),
which rewrites the merge."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.delivery import dispatch as dispatching
from campaigns.models import Dispatch, Partner
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import campaign, signalement


def _plan_two_letters(runtime: Runtime) -> list[int]:
    new_partner(runtime, "DDETS 44", "etat")
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", name="État", priority=10,
             steps=[{"channel": "courrier", "template": "information_etat"}])
    campaign(runtime, owner="Habitat 44", name="Bailleur", priority=50, coordination="merge",
             steps=[{"channel": "courrier", "template": "information_etat"}])
    from campaigns.intake.jobs import push_items

    with runtime.session_factory.begin() as session:
        push_items(session, partner=session.get_one(Partner, partner_id), now=runtime.clock(),
                   items=[signalement("R-1", nom="Nom", numero_allocataire="100001", adresse="1 rue Neuve",
                                      telephone="0600000001")])
    with runtime.session_factory.begin() as session:
        return dispatching.claim_due(session, now=runtime.clock(), limit=100, lease=__import__("datetime").timedelta(
            seconds=runtime.settings.claim_lease_seconds))


def test_a_rival_merged_in_a_task_keeps_its_merge_as_with_deliver(pg_runtime: Runtime) -> None:
    ids = _plan_two_letters(pg_runtime)
    assert len(ids) == 2
    pg_runtime.deliver_batch(ids)
    with pg_runtime.session_factory() as session:
        rows = {row.campaign_id: row for row in session.scalars(select(Dispatch).order_by(Dispatch.id))}
    winner, loser = sorted(rows.values(), key=lambda row: row.status != "delivered")
    assert winner.status == "delivered"
    assert (loser.status, loser.reason) == ("cancelled", "duplicate")
    # deliver() one contact at a time leaves merged_into_id = the winner (coordination "merge").
    assert loser.merged_into_id == winner.id


def test_control_deliver_one_at_a_time_keeps_the_merge(pg_runtime: Runtime) -> None:
    ids = _plan_two_letters(pg_runtime)
    for dispatch_id in ids:
        pg_runtime.deliver(dispatch_id)
    with pg_runtime.session_factory() as session:
        rows = list(session.scalars(select(Dispatch).order_by(Dispatch.id)))
    winner, loser = sorted(rows, key=lambda row: row.status != "delivered")
    assert loser.merged_into_id == winner.id


def test_a_rival_merged_in_a_task_stays_cancelled_when_its_campaign_is_paused(pg_runtime: Runtime) -> None:
    """deliver() leaves the folded rival cancelled; the task runs its checks again and the pause guard revives it
    as `planned` (campaign_paused), due again when its campaign resumes."""
    from sqlalchemy import update

    from campaigns.models import Campaign

    ids = _plan_two_letters(pg_runtime)
    with pg_runtime.session_factory.begin() as session:
        session.execute(update(Campaign).where(Campaign.name == "Bailleur").values(status="en_pause"))
    pg_runtime.deliver_batch(ids)
    with pg_runtime.session_factory() as session:
        rows = list(session.scalars(select(Dispatch).order_by(Dispatch.id)))
    assert sorted(row.status for row in rows) == ["cancelled", "delivered"]
