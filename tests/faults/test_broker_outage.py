"""Redis killed and started again while a worker runs a long task (a CSV import): the worker consumes again once
Redis is back, the import finishes with each row once, every contact it planned is sent once (docs/operations.md)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from campaigns.intake.jobs import create_import
from campaigns.models import Case, Household, ImportJob, Partner
from tests.conftest import new_partner
from tests.factories import campaign
from tests.faults.rig import Rig, sms_received
from tests.faults.services import wait_for

ROWS = 600


def _csv(rows: int) -> bytes:
    lines = ["reference;stade;date_stade;nom;prenom;date_naissance;adresse;code_postal;commune;telephone"]
    lines += [f"B-{i};commandement_de_payer;20/11/2026;Nom{i};Inès;{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 50};"
              f"{i} rue Haute;44000;Nantes;06{20_000_000 + i:08d}" for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _job(rig: Rig, job_id: int) -> tuple[str, int, int]:
    with rig.runtime.session_factory() as session:
        job = session.get_one(ImportJob, job_id)
        return job.status, job.processed_rows, job.created_count


# Small batches: the import runs long enough for Redis to die under it, and commits often.
@pytest.mark.parametrize("rig", [{"import_batch_size": 50}], indirect=True)
def test_redis_killed_under_a_running_import(rig: Rig) -> None:
    new_partner(rig.runtime, "DDETS 44", "etat")
    partner_id, _ = new_partner(rig.runtime, "Habitat 44", "bailleur_social")
    campaign(rig.runtime, owner="DDETS 44", steps=[{"channel": "sms", "template": "relance"}])
    with rig.runtime.session_factory.begin() as session:
        job_id = create_import(session, partner=session.get_one(Partner, partner_id), source="csv",
                               payload=_csv(ROWS), now=rig.clock()).id
    started = time.monotonic()
    rig.start_worker(concurrency=2)
    try:
        with rig.ticking() as tick_errors:
            rig.runtime.submit_import(job_id, background=True)  # a Celery task (production mode)
            wait_for(lambda: _job(rig, job_id)[1] >= 100, timeout=240, what="import under way")
            rig.redis.stop()  # no persistence: the import's message and every queued one are gone
            at_kill = _job(rig, job_id)
            sent_at_kill = len(rig.standin.created)
            time.sleep(5)
            rig.redis.start()
            wait_for(lambda: _job(rig, job_id)[0] in ("done", "failed"), timeout=600, what="import finished")
            rig.wait_settled(timeout=600)
    finally:
        rig.redis.ensure_up()
    figures = rig.census("Redis tué pendant un import", sms_received(rig.standin), started)
    figures.report()
    status, processed, created = _job(rig, job_id)
    with rig.runtime.session_factory() as session:
        cases = session.scalar(select(func.count()).select_from(Case))
        distinct = session.scalar(select(func.count(func.distinct(Case.reference))))
        households = session.scalar(select(func.count()).select_from(Household))
    print(f"at the kill: {at_kill}; SMS sent before the kill {sent_at_kill}, after {figures.sent - sent_at_kill}; "
          f"tick errors while Redis was down: {len(tick_errors)}")
    assert at_kill[0] == "running" and 0 < at_kill[1] < ROWS  # Redis died under the running task
    assert (status, processed, created) == ("done", ROWS, ROWS)
    assert (cases, distinct, households) == (ROWS, ROWS, ROWS)
    # The worker consumed again after Redis came back: the contacts planned after the kill were sent through it.
    assert figures.sent - sent_at_kill > 0
    assert (figures.lost, figures.duplicates, figures.misrecorded) == (0, 0, 0)
    assert figures.planned == ROWS and figures.sent == ROWS
