"""kill -9 of a Celery worker in the middle of a batch of due SMS: another worker finishes, nothing sent twice."""

from __future__ import annotations

import os
import time

from tests.faults.rig import Rig, sms_received
from tests.faults.services import wait_for

# The batch: 10,000 due contacts, in CI too (CHAINE_FAULTS_BATCH=3000 for a quicker local run).
BATCH = int(os.environ.get("CHAINE_FAULTS_BATCH", "3000"))


def test_kill_9_of_a_worker_mid_batch_loses_and_duplicates_nothing(rig: Rig) -> None:
    # A provider answering in 20 ms, as a real API does: the kill lands inside provider calls.
    rig.standin.latency = 0.02
    rig.plan(BATCH)
    started = time.monotonic()
    first = rig.start_worker(concurrency=8)
    with rig.ticking():
        wait_for(lambda: len(rig.standin.created) >= BATCH // 3, timeout=max(240, BATCH / 10), what="first third sent")
        first.kill9()
        in_flight = rig.statuses()
        rig.start_worker(concurrency=8)
        rig.wait_settled(timeout=max(300, BATCH / 5))
    figures = rig.census("kill -9 d'un worker Celery", sms_received(rig.standin), started)
    figures.report()
    print(f"rows at the kill: {dict(in_flight)}; in-doubt rows looked up at Twilio: {rig.standin.lookups}")
    assert figures.planned == BATCH
    assert (figures.lost, figures.duplicates, figures.misrecorded) == (0, 0, 0)
    assert figures.sent == BATCH
