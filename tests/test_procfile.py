"""The Procfile as a PaaS runs it: `chaine migrer` (release), then web, worker and beat under honcho on PostgreSQL
and Redis. A CSV goes in through the API, beat and the worker deliver its letters and SMS to the outbox, SIGTERM
stops everything in the middle, a restart finishes the work: no contact lost, none sent twice."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, update

from campaigns.delivery.dispatch import SPREAD_PER_CLAIM
from campaigns.models import Dispatch
from campaigns.platform.settings import Settings
from campaigns.runtime.root import Runtime
from tests.conftest import REDIS_URL, drop_pg_database, new_partner, pg_url, recreate_pg_database, run_database
from tests.factories import campaign

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOUSEHOLDS = 40
TOKEN = "jeton-procfile"
NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _csv() -> bytes:
    lines = ["reference;stade;date_stade;nom;prenom;date_naissance;adresse;code_postal;commune;telephone"]
    lines += [f"P-{i};commandement_de_payer;20/11/2026;{NAMES[i % 10]};Prénom{chr(65 + i // 10)};"
              f"{1 + i % 28:02d}/01/19{50 + i};{i + 1} rue du Port;44000;Nantes;06{i + 1:08d}"
              for i in range(HOUSEHOLDS)]
    return "\n".join(lines).encode()


@pytest.fixture
def database() -> Iterator[str]:
    name = run_database("procfile")
    recreate_pg_database(name)
    yield pg_url(name)
    drop_pg_database(name)


def _start(env: dict[str, str], log: IO[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([str(BIN / "honcho"), "-f", str(ROOT / "Procfile"), "start", "web", "worker", "beat"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def _stop(process: subprocess.Popen[str]) -> int:
    """SIGTERM, as a platform stops a release; honcho passes it to every process and waits for them."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=120)


def _wait_ready(base: str, process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/api/v1/sante/pret", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("the web process never became ready:\n" + log.read_text())


def _make_due(runtime: Runtime, *, deadline: float) -> None:
    """Once imported, the contacts are made due now: on the wall clock (a Sunday night, say) the planning would
    rightly wait for the next working day, and the point here is the processes, not the calendar."""
    while time.monotonic() < deadline:
        with runtime.session_factory.begin() as session:
            changed = session.execute(update(Dispatch).where(Dispatch.status == "planned")
                                      .values(due_at=datetime.now(UTC) - timedelta(minutes=1))).rowcount
        if changed == 2 * HOUSEHOLDS:
            return
        time.sleep(0.5)
    raise AssertionError("the import never planned every contact")


def _statuses(runtime: Runtime) -> Counter[str]:
    with runtime.session_factory() as session:
        return Counter(dict(session.execute(select(Dispatch.status, func.count()).group_by(Dispatch.status)).all()))


def _journal(outbox: Path) -> Counter[str]:
    path = outbox / "journal.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return Counter(json.loads(line)["key_hash"] for line in lines)


@pytest.mark.slow
def test_procfile_under_honcho_delivers_everything_once_across_a_sigterm(database: str, tmp_path: Path) -> None:
    redis.Redis.from_url(REDIS_URL).flushdb()
    outbox = tmp_path / "outbox"
    (tmp_path / "prometheus").mkdir()
    port = _free_port()
    env = os.environ | {
        "CHAINE_DATABASE_URL": database, "CHAINE_BROKER_URL": REDIS_URL, "CHAINE_DATA_DIR": str(tmp_path),
        "CHAINE_OUTBOX_DIR": str(outbox), "CHAINE_TICK_SECONDS": "2", "CHAINE_CLAIM_LEASE_SECONDS": "20",
        "CHAINE_METRICS_TOKEN": TOKEN, "CHAINE_LOG_FORMAT": "json", "PORT": str(port), "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "CELERY_BEAT_SCHEDULE": str(tmp_path / "celerybeat-schedule"), "PATH": f"{BIN}:{os.environ['PATH']}"}
    release = subprocess.run(["honcho", "-f", str(ROOT / "Procfile"), "run", "chaine", "migrer"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=300, check=False)
    assert release.returncode == 0, release.stdout + release.stderr
    runtime = Runtime(Settings(database_url=database, data_dir=tmp_path))
    new_partner(runtime, "DDETS 44", "etat")
    _, key = new_partner(runtime, "Habitat 44", "bailleur_social")
    # The processes check sending hours on the wall clock: open every hour, or the test fails at night.
    campaign(runtime, owner="DDETS 44", steps=[{"channel": "courrier", "template": "information_etat"},
                                               {"channel": "sms", "template": "relance"}],
             sending_hours={"days": list(range(7)), "start": "00:00", "end": "23:59"})
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "honcho.log"
    with log_path.open("w") as log:
        process = _start(env, log)
        try:
            _wait_ready(base, process, log_path)
            posted = httpx.post(f"{base}/api/v1/signalements", content=_csv(), timeout=30,
                                headers={**key, "Content-Type": "text/csv"})
            assert posted.status_code == 202, posted.text
            _make_due(runtime, deadline=time.monotonic() + 120)
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and _statuses(runtime)["delivered"] < HOUSEHOLDS // 2:
                time.sleep(0.2)
            report = httpx.get(f"{base}/api/v1/imports/{posted.json()['id']}", headers=key, timeout=10).json()
            assert (report["statut"], report["crees"], report["rejetes"]) == ("done", HOUSEHOLDS, 0), report
        finally:
            first_exit = _stop(process)  # in the middle of the deliveries
        midway = _statuses(runtime)
        assert 0 < midway["delivered"] < 2 * HOUSEHOLDS, midway

        process = _start(env, log)  # the next release picks the work up
        try:
            _wait_ready(base, process, log_path)
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and _statuses(runtime)["delivered"] < 2 * HOUSEHOLDS:
                time.sleep(0.5)
            scrape = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        finally:
            second_exit = _stop(process)
    output = log_path.read_text()
    assert _statuses(runtime) == Counter({"delivered": 2 * HOUSEHOLDS}), output[-5000:]
    journal = _journal(outbox)
    assert len(journal) == 2 * HOUSEHOLDS and max(journal.values()) == 1  # none lost, none sent twice
    # Stopped by SIGTERM within honcho's grace period: never killed (honcho says when it sends SIGKILL). SIGTERM
    # reaches the Celery pool processes too (honcho signals each process group, as a platform does): a delivery
    # cut short goes back to the queue (acks_late) and the database's lease and provider look-up settle it.
    assert {first_exit, second_exit} <= {0, 128 + signal.SIGTERM}, output[-5000:]
    assert "SIGKILL" not in output
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(scrape.text) for s in family.samples}
    assert samples[("chaine_contacts", (("channel", "courrier"), ("status", "delivered")))] == HOUSEHOLDS
    delivered_tasks = sum(v for (name, labels), v in samples.items()
                          if name == "chaine_celery_tasks_total" and ("task", "chaine.deliver_batch") in labels)
    # Counted by the worker's pool processes, summed by the API: the tick hands each claim out in at least
    # SPREAD_PER_CLAIM tasks (fewer when fewer rows are due).
    assert delivered_tasks >= min(2 * HOUSEHOLDS, SPREAD_PER_CLAIM)
    runtime.engine.dispose()
