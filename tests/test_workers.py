"""Real processes: a Celery worker on Redis + PostgreSQL delivers exactly once; concurrent ticks never overlap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from campaigns.delivery import dispatch as dispatching
from campaigns.models import Dispatch
from campaigns.platform.settings import Settings
from campaigns.runtime.root import Runtime
from campaigns.workers.celery_app import QUEUES, make_celery
from tests.conftest import REDIS_URL, Clock, new_partner
from tests.factories import campaign, signalement

ROOT = Path(__file__).resolve().parent.parent


def _plan(runtime: Runtime, households: int) -> None:
    """`households` households at CDP, each with one SMS due now."""
    new_partner(runtime, "DDETS 44", "etat")
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    # SMS rather than letters: the point is the claiming, and PDF rendering would dominate the run time.
    # The worker process checks sending hours on the wall clock, not the tests' clock: open every hour of every day,
    # or the test would fail when run in the evening or on a Sunday.
    campaign(runtime, owner="DDETS 44", steps=[{"channel": "sms", "template": "relance"}],
             sending_hours={"days": list(range(7)), "start": "00:00", "end": "23:59"})
    from campaigns.intake.jobs import push_items
    from campaigns.models import Partner

    rows = [signalement(f"R-{i}", nom=f"Nom{i}", numero_allocataire=str(100_000 + i), adresse=f"{i} rue Neuve",
                        date_naissance=f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 50}",
                        telephone=f"06{i:08d}") for i in range(households)]
    with runtime.session_factory.begin() as session:
        push_items(session, partner=session.get_one(Partner, partner_id), items=rows, now=runtime.clock())


def _journal(outbox: Path) -> Counter[str]:
    lines = (outbox / "journal.jsonl").read_text().splitlines() if (outbox / "journal.jsonl").exists() else []
    return Counter(json.loads(line)["key_hash"] for line in lines)


def _statuses(runtime: Runtime) -> Counter[str]:
    with runtime.session_factory() as session:
        return Counter(dict(session.execute(select(Dispatch.status, func.count()).group_by(Dispatch.status)).all()))


def test_concurrent_ticks_on_postgres_never_deliver_a_row_twice(pg_runtime: Runtime) -> None:
    _plan(pg_runtime, 300)
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def run_tick() -> None:
        barrier.wait()
        counts.append(dispatching.tick(
            pg_runtime.session_factory, now=pg_runtime.clock(), batch_size=20, lease=dispatching.RETRY_BASE,
            enqueue=pg_runtime.deliver_batch))

    threads = [threading.Thread(target=run_tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    journal = _journal(pg_runtime.settings.resolved_outbox_dir)
    assert sum(counts) == 300 and min(counts) > 0  # both ticks did part of the work
    assert len(journal) == 300 and max(journal.values()) == 1
    assert _statuses(pg_runtime) == Counter({"delivered": 300})


@pytest.fixture
def redis_broker() -> str:
    redis.Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL


@pytest.mark.slow
def test_celery_worker_delivers_due_steps_exactly_once(
    pg_runtime: Runtime, pg_database: str, redis_broker: str, clock: Clock
) -> None:
    outbox = pg_runtime.settings.resolved_outbox_dir
    env = os.environ | {
        "CHAINE_DATABASE_URL": pg_database,
        "CHAINE_BROKER_URL": redis_broker,
        "CHAINE_OUTBOX_DIR": str(outbox),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "campaigns.workers.celery_app", "worker", "-Q", ",".join(QUEUES),
         "-c", "2", "--loglevel", "WARNING", "-n", "test-worker@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        # SMS planned at the tests' clock, which is in the past for the worker: all due at once.
        _plan(pg_runtime, 200)
        client = make_celery(redis_broker)
        consumed: set[str] = set()
        for _ in range(60):
            replies = client.control.inspect(timeout=1).active_queues() or {}
            consumed = {q["name"] for queues in replies.values() for q in queues}
            if consumed:
                break
        assert set(QUEUES) <= consumed, "every queue needs a consumer"
        # The beat task, sent by hand: the worker's own tick claims the rows and fans them out.
        client.send_task("chaine.tick")
        producer = Runtime(Settings(database_url=pg_database, broker_url=redis_broker), clock=clock)
        producer.tick(now=clock.advance(minutes=1))  # a second tick racing the first adds nothing
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _statuses(pg_runtime)["delivered"] < 200:
            time.sleep(0.5)
        assert _statuses(pg_runtime) == Counter({"delivered": 200})
        journal = _journal(outbox)
        assert len(journal) == 200 and max(journal.values()) == 1
        with pg_runtime.session_factory() as session:
            assert set(session.scalars(select(Dispatch.attempts))) == {1}
    finally:
        worker.terminate()
        # Warm shutdown waits for the pool's children: on a loaded 2-core machine that took over 30 s.
        output, _ = worker.communicate(timeout=120)
        if worker.returncode not in (0, -15):
            print(output)
