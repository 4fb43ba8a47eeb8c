"""Redis, then PostgreSQL, restarted in the middle of a batch of due SMS: every contact sent once, none lost."""

from __future__ import annotations

import os
import time

from tests.faults.rig import Rig, sms_received
from tests.faults.services import wait_for

BATCH = int(os.environ.get("CHAINE_FAULTS_RESTART_BATCH", "500"))


def test_redis_restart_mid_batch(rig: Rig) -> None:
    rig.plan(BATCH)
    started = time.monotonic()
    rig.start_worker(concurrency=8)
    try:
        with rig.ticking() as tick_errors:
            wait_for(lambda: len(rig.standin.created) >= BATCH // 3, timeout=240, what="first third sent")
            # No persistence: every queued Celery message is lost with the server.
            rig.redis.stop()
            time.sleep(3)
            rig.redis.start()
            # The tests run beside the rest of the suite (scripts/test.sh): recovery gets time on a loaded machine.
            rig.wait_settled(timeout=600)
    finally:
        rig.redis.ensure_up()
    figures = rig.census("redémarrage de Redis", sms_received(rig.standin), started)
    figures.report()
    print(f"tick errors while Redis was down: {len(tick_errors)}")
    assert (figures.lost, figures.duplicates, figures.misrecorded) == (0, 0, 0)
    assert figures.sent == BATCH


def test_postgresql_restart_mid_batch(rig: Rig) -> None:
    rig.plan(BATCH)
    started = time.monotonic()
    rig.start_worker(concurrency=8)
    try:
        with rig.ticking() as tick_errors:
            wait_for(lambda: len(rig.standin.created) >= BATCH // 3, timeout=240, what="first third sent")
            # `immediate`: every connection cut mid-transaction, crash recovery at start.
            rig.pg.stop("immediate")
            time.sleep(3)
            rig.pg.start()
            # The tests run beside the rest of the suite (scripts/test.sh): recovery gets time on a loaded machine.
            rig.wait_settled(timeout=600)
    finally:
        rig.pg.ensure_up()
    figures = rig.census("redémarrage de PostgreSQL", sms_received(rig.standin), started)
    figures.report()
    print(f"tick errors while PostgreSQL was down: {len(tick_errors)}")
    assert (figures.lost, figures.duplicates, figures.misrecorded) == (0, 0, 0)
    assert figures.sent == BATCH
