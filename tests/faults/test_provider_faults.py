"""Twilio failing 20 % of calls (500, 429 with Retry-After, timeouts, answers lost after the message was created) and
the SMTP server down for a while (its process stopped, then started again): every contact sent once, or ended."""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from datetime import timedelta
from itertools import pairwise

import pytest

from tests.faults.rig import Rig, sms_received
from tests.faults.services import SmtpSink, wait_for
from tests.twilio_standin import Failure

BATCH = int(os.environ.get("CHAINE_FAULTS_PROVIDER_BATCH", "500"))
# The outage: a minute (CHAINE_FAULTS_SMTP_OUTAGE=15 for a quicker local run).
SMTP_OUTAGE = float(os.environ.get("CHAINE_FAULTS_SMTP_OUTAGE", "60"))
RETRY_AFTER = 3  # seconds, longer than the rig's first backoff (1 s): the wait must come from Twilio's header


def test_twilio_failing_one_call_in_five(rig: Rig) -> None:
    rig.standin.fail_fraction(
        [Failure.server_error(), Failure.rate_limited(retry_after=RETRY_AFTER), Failure.timeout(1.5),
         Failure.lost_answer(1.5)],
        0.2, seed=11)
    rig.plan(BATCH)
    started = time.monotonic()
    rig.start_worker(concurrency=8)
    with rig.ticking():
        rig.wait_settled(timeout=300)
    figures = rig.census("Twilio : 20 % d'erreurs 500, 429, délais dépassés", sms_received(rig.standin), started)
    figures.report()
    answers = Counter(item.status for item in rig.standin.received)
    print(f"stand-in answers: {dict(answers)}")
    assert answers[429] and answers[500] and answers[504]
    assert (figures.lost, figures.duplicates, figures.misrecorded) == (0, 0, 0)
    # Only max_attempts may end a contact here (five failures in a row at 20 %: rare, but a reason is kept).
    assert set(figures.ended) <= {"permanent_failure:max_attempts"}
    assert figures.sent + sum(figures.ended.values()) == BATCH
    # After a 429, the same number is not tried again before Twilio's Retry-After.
    tries = defaultdict(list)
    for item in rig.standin.received:
        tries[item.params["To"]].append(item)
    gaps = [later.created_at - earlier.created_at for attempts in tries.values()
            for earlier, later in pairwise(attempts) if earlier.status == 429]
    assert gaps and min(gaps) >= timedelta(seconds=RETRY_AFTER)


@pytest.mark.parametrize("rig", [{"sms_provider": "outbox", "email_provider": "smtp"}], indirect=True)
def test_smtp_server_down_then_back(rig: Rig) -> None:
    sink = SmtpSink(rig.tmp / "smtp.jsonl")
    rig.configure(smtp_port=sink.port)
    sink.start()
    rig.plan(BATCH // 2, channel="email")
    started = time.monotonic()
    rig.start_worker(concurrency=8)
    try:
        with rig.ticking():
            wait_for(lambda: len(_journal(rig)) >= BATCH // 8, timeout=240, what="first e-mails sent")
            sink.stop()  # connections refused from now on
            time.sleep(SMTP_OUTAGE)
            sink.start()
            rig.wait_settled(timeout=300)
    finally:
        sink.stop()
    journal = _journal(rig)
    # SMTP has no look-up and no idempotency key but the Message-ID (derived from the dedup key): the server killed
    # after accepting a message and before its reply reached us leaves the outcome unknown, and the retry carries
    # the same Message-ID, which mailboxes drop. Those copies are counted apart; another Message-ID would be a
    # real duplicate.
    pairs = {(str(rcpt), str(line["message_id"])) for line in journal for rcpt in line["rcpt"]}  # type: ignore[union-attr]
    received = Counter(rcpt for rcpt, _ in pairs)
    figures = rig.census(f"serveur SMTP arrêté {SMTP_OUTAGE:.0f} s", received, started)
    figures.same_id_resends = sum(len(line["rcpt"]) for line in journal) - len(pairs)  # type: ignore[arg-type]
    figures.report()
    assert (figures.lost, figures.duplicates, figures.misrecorded) == (0, 0, 0)
    assert figures.sent == BATCH // 2
    assert figures.same_id_resends <= 8  # at most the messages in flight when the server died (8 processes)


def _journal(rig: Rig) -> list[dict[str, object]]:
    path = rig.tmp / "smtp.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
