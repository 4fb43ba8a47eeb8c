"""Sustained load on loopback: partners push signalements, read their cases, record responses and read their task
queue through the HTTP API while the tick and a Celery worker deliver what falls due.

Prints throughput, p50/p99 latency and errors per kind of request, and the due backlog over time (does the tick
keep up?). Bounded: traffic stops after --seconds (default 300), then the backlog gets --drain seconds to empty.
Everything runs on this machine: a fresh PostgreSQL database on 127.0.0.1:5432, a private redis-server on a free
loopback port, --api-processes uvicorn processes (each on its own port, the clients spread over them as a load
balancer would), --workers Celery workers (prefork, --worker-concurrency pool processes each), --partners bailleurs
pushing at once (client i pushes as bailleur i modulo --partners). The processes share a clock moved to a Wednesday
morning, so SMS sending hours and working hours are open whenever the bench runs. Per-key rate limits are off:
the bench measures capacity, not the limit.
The CPU seconds of each process group (API, workers, the tick's thread, PostgreSQL's backends for the bench's
database, read from /proc) are printed per contact and per row: comparable between runs on a shared machine.
Run: .venv/bin/python bench/load.py [--seconds 300] [--rate 10] [--clients 4] [--batch 10] [--tick-seconds 5]
     [--api-processes 1] [--workers 1] [--worker-concurrency 2] [--partners 1]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import household_rows  # noqa: E402
from bench.intake import ADMIN, _free_port, _fresh_database, wait_for_api  # noqa: E402
from bench.proc_cpu import BackendCpu, tree_cpu  # noqa: E402
from campaigns.accounts.partners import add_partner, issue_key  # noqa: E402
from campaigns.campaign.config import CampaignSpec, upsert_campaign  # noqa: E402
from campaigns.crypto.cipher import generate_key  # noqa: E402
from campaigns.platform.settings import Settings, get_settings  # noqa: E402
from campaigns.runtime import migrate  # noqa: E402
from campaigns.runtime.root import Runtime, set_runtime  # noqa: E402

ANCHOR = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
OFFSET_ENV = "CHAINE_LOAD_CLOCK_OFFSET"


def shifted(offset: float) -> Callable[[], datetime]:
    return lambda: datetime.now(UTC) + timedelta(seconds=offset)


def serve_api(port: int) -> None:
    import uvicorn

    from api.app import create_app

    runtime = Runtime(get_settings(), clock=shifted(float(os.environ[OFFSET_ENV])))
    uvicorn.run(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")


def serve_worker(concurrency: int, name: str) -> None:
    set_runtime(Runtime(get_settings(), clock=shifted(float(os.environ[OFFSET_ENV]))))
    from campaigns.workers.celery_app import QUEUES, celery_app

    celery_app.worker_main(argv=["worker", "-Q", ",".join(QUEUES), "-c", str(concurrency), "--loglevel", "WARNING",
                                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h"])


@dataclass
class Samples:
    """Latencies (s) and errors per request kind, shared by the client threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    rows: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, error: str | None, rows: int = 0) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[kind].append(error)
            else:
                self.rows += rows


def _setup(url: str, now: datetime, keys: dict[str, str], partners: int) -> tuple[list[str], str]:
    """(the bailleurs' keys, the DDETS's key)."""
    runtime = Runtime(Settings(database_url=url, **keys))
    migrate.upgrade(runtime.engine)
    with runtime.session_factory.begin() as session:
        bailleurs = [add_partner(session, name=f"Bailleur {i + 1}", kind="bailleur_social", now=now)
                     for i in range(partners)]
        ddets = add_partner(session, name="DDETS 44", kind="etat", now=now)
        api_keys = ([issue_key(session, partner=b, now=now) for b in bailleurs],
                    issue_key(session, partner=ddets, now=now))
        # Every household gets an SMS and a call task due at once: the deliveries keep pace with the intake.
        upsert_campaign(session, CampaignSpec.model_validate({
            "name": "Relances de l'État", "owner": "DDETS 44",
            "stages": ["impaye", "commandement_de_payer", "assignation", "jugement",
                       "commandement_de_quitter_les_lieux"],
            "steps": [{"channel": "sms", "template": "relance"}, {"channel": "appel"}]}), now=now)
    runtime.engine.dispose()
    return api_keys


def _client(index: int, args: argparse.Namespace, base: str, keys: tuple[list[str], str],
            rows: list[dict[str, Any]], deadline: float, samples: Samples) -> None:
    rng = random.Random(index)
    bailleur = {"Authorization": f"Bearer {keys[0][index % len(keys[0])]}"}
    owner = {"Authorization": f"Bearer {keys[1]}"}
    period = args.batch * args.clients / args.rate  # seconds between two pushes of this client
    pushed: list[str] = []
    next_push = time.monotonic()
    with httpx.Client(base_url=base, timeout=60) as http:

        def call(kind: str, method: str, path: str, count: int = 0, **kwargs: Any) -> None:
            started = time.perf_counter()
            error = None
            try:
                answer = http.request(method, path, **kwargs)
                if answer.status_code >= 400:
                    error = f"HTTP {answer.status_code}"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            samples.add(kind, time.perf_counter() - started, error, count)

        while time.monotonic() < deadline and rows:
            batch = [rows.pop() for _ in range(min(args.batch, len(rows)))]
            body = orjson.dumps([{k: v for k, v in r.items() if v is not None} for r in batch])
            call("POST /signalements", "POST", "/api/v1/signalements", len(batch), content=body,
                 headers=bailleur | {"Content-Type": "application/json"})
            pushed += [r["reference"] for r in batch]
            call("GET /signalements/{ref}", "GET", f"/api/v1/signalements/{rng.choice(pushed)}", headers=bailleur)
            if rng.random() < 0.2:  # one household in five answers after its first contact
                call("POST /reponses", "POST", "/api/v1/reponses", headers=bailleur,
                     json={"reference": rng.choice(pushed), "canal": "appel", "nature": "appel_entrant"})
            if rng.random() < 0.2:
                call("GET /taches", "GET", "/api/v1/taches?limite=50", headers=owner)
            next_push += period
            time.sleep(max(0.0, next_push - time.monotonic()))


def _backlog(url: str, now: datetime) -> tuple[int, int, int, float]:
    """(due rows the tick has not claimed yet, rows claimed and waiting for a worker, contacts sent so far, age in
    s of the oldest due row not claimed): the first says whether the tick keeps up, the second the workers."""
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE status IN ('planned', 'temporary_failure') AND due_at <= %(now)s),"
            "       count(*) FILTER (WHERE status = 'queued' OR (status = 'sending' AND provider_ref IS NULL)),"
            "       count(*) FILTER (WHERE status IN ('delivered', 'sending') AND provider_ref IS NOT NULL),"
            "       min(due_at) FILTER (WHERE status IN ('planned', 'temporary_failure') AND due_at <= %(now)s)"
            " FROM dispatches", {"now": now}).fetchone()
    assert row is not None
    oldest = (now - row[3]).total_seconds() if row[3] else 0.0
    return int(row[0]), int(row[1]), int(row[2]), oldest


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300.0, help="duration of the traffic (default 5 minutes)")
    parser.add_argument("--rate", type=float, default=10.0, help="signalements offered per second, all clients")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=10, help="rows per push")
    parser.add_argument("--tick-seconds", type=float, default=5.0, help="tick period (beat: 60 s in production)")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="pool processes of each worker")
    parser.add_argument("--workers", type=int, default=1, help="Celery workers (separate processes)")
    parser.add_argument("--api-processes", type=int, default=1, help="uvicorn processes, one port each")
    parser.add_argument("--partners", type=int, default=1, help="bailleurs pushing at once")
    parser.add_argument("--drain", type=float, default=60.0, help="seconds left to the backlog after the traffic")
    args = parser.parse_args()

    offset = ANCHOR.timestamp() - time.time()
    clock = shifted(offset)
    url = _fresh_database("chaine_load")
    data_dir = Path(tempfile.mkdtemp(prefix="chaine-load-"))
    redis_port = _free_port()
    redis_server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(data_dir)], stdout=subprocess.DEVNULL)
    broker = f"redis://127.0.0.1:{redis_port}/0"
    keys = {"data_keys": generate_key(), "blind_index_key": generate_key()}  # production mode needs them
    api_keys = _setup(url, clock(), keys, args.partners)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINE_")} | {
        "CHAINE_DATABASE_URL": url, "CHAINE_BROKER_URL": broker, "CHAINE_DATA_DIR": str(data_dir),
        "CHAINE_DATA_KEYS": keys["data_keys"], "CHAINE_BLIND_INDEX_KEY": keys["blind_index_key"],
        "CHAINE_RATE_LIMIT_PER_MINUTE": "0", OFFSET_ENV: repr(offset)}
    ports = [_free_port() for _ in range(args.api_processes)]
    here = str(Path(__file__).resolve())
    apis = [subprocess.Popen([sys.executable, here, "_api", str(port)], cwd=ROOT, env=env) for port in ports]
    workers = [subprocess.Popen([sys.executable, here, "_worker", str(args.worker_concurrency), f"load{i}"], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
               for i in range(args.workers)]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    backends = BackendCpu(ADMIN, url.rsplit("/", 1)[1])
    tick_cpu = [0.0]
    producer = Runtime(Settings(database_url=url, broker_url=broker, data_dir=data_dir, **keys), clock=clock)
    stop = threading.Event()
    backlog: list[tuple[float, int, int, int, float]] = []
    tick_errors: list[str] = []
    try:
        for base in bases:
            wait_for_api(base, attempts=300)
        for _ in range(240):  # every worker answering (its pool forked, its modules imported) before the clock starts
            if len(producer.celery.control.ping(timeout=1.0)) >= args.workers:
                break
        backends.start()
        cpu_before = [sum(tree_cpu(p.pid) for p in apis), sum(tree_cpu(p.pid) for p in workers)]
        sent_before = _backlog(url, clock())[2]
        started = time.monotonic()
        deadline = started + args.seconds

        def ticker() -> None:
            while not stop.wait(args.tick_seconds):
                before = time.thread_time()
                try:
                    producer.tick()
                except Exception as exc:  # beat tries again at the next period
                    tick_errors.append(type(exc).__name__)
                if time.monotonic() < deadline:
                    tick_cpu[0] += time.thread_time() - before

        def sampler() -> None:
            while not stop.wait(5.0):
                backlog.append((time.monotonic() - started, *_backlog(url, clock())))

        threads = [threading.Thread(target=ticker, daemon=True), threading.Thread(target=sampler, daemon=True)]
        for thread in threads:
            thread.start()
        total_rows = int(args.rate * args.seconds * 1.1) + args.batch * args.clients
        pool = household_rows(total_rows)
        shares = [pool[i::args.clients] for i in range(args.clients)]
        samples = Samples()
        clients = [threading.Thread(target=_client, args=(i, args, bases[i % len(bases)], api_keys, shares[i],
                                                          deadline, samples))
                   for i in range(args.clients)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        traffic = time.monotonic() - started
        cpu_after = [sum(tree_cpu(p.pid) for p in apis), sum(tree_cpu(p.pid) for p in workers)]
        sent_during = _backlog(url, clock())[2] - sent_before
        backend_seconds = backends.seconds()
        drain_deadline = time.monotonic() + args.drain
        while time.monotonic() < drain_deadline and (not backlog or backlog[-1][1] + backlog[-1][2] > 0):
            time.sleep(1)
        drained = time.monotonic() - started - traffic
        stop.set()
        final = _backlog(url, clock())
    finally:
        stop.set()
        backends.close()
        for process in (*apis, *workers):
            process.terminate()
        for process in (*apis, *workers):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        redis_server.terminate()
        redis_server.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)

    print(f"traffic: {traffic:.0f} s, {args.clients} clients, {args.rate:.0f} signalements/s offered in batches of "
          f"{args.batch}; tick every {args.tick_seconds:.0f} s; {args.api_processes} API process(es), "
          f"{args.workers} worker(s) of {args.worker_concurrency} pool processes, {args.partners} bailleur(s)")
    print(f"signalements accepted: {samples.rows} ({samples.rows / traffic:.1f}/s)")
    print(f"{'request':<26}{'count':>8}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind, values in samples.latencies.items():
        errors = samples.errors.get(kind, [])
        print(f"{kind:<26}{len(values):>8}{len(values) / traffic:>8.1f}{statistics.median(values) * 1000:>9.0f}"
              f"{_percentile(values, 0.99) * 1000:>9.0f}{len(errors):>8}")
        for error in sorted(set(errors)):
            print(f"    {error}: {errors.count(error)}")
    print("backlog over time (s since start: due not claimed by the tick / claimed, waiting for a worker / "
          "contacts sent so far / oldest unclaimed due row, s):")
    for moment, unclaimed, waiting, sent, oldest in backlog:
        print(f"  {moment:6.0f}  {unclaimed:7d}  {waiting:7d}  {sent:8d}  {oldest:7.1f}")
    window = [b for b in backlog if b[0] <= traffic]
    if len(window) >= 2:
        rate = (window[-1][3] - window[0][3]) / (window[-1][0] - window[0][0])
        print(f"contacts sent during the traffic: {rate:.1f}/s; planned: {2 * samples.rows / traffic:.1f}/s "
              f"(an SMS and a call task per household)")
    api_cpu, worker_cpu = cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1]
    measured = api_cpu + worker_cpu + tick_cpu[0] + backend_seconds
    print(f"during the traffic: {sent_during / traffic:.1f} contacts/s, {samples.rows / traffic:.1f} rows/s; CPU s: "
          f"API {api_cpu:.1f}, workers {worker_cpu:.1f}, tick {tick_cpu[0]:.1f}, PostgreSQL backends "
          f"{backend_seconds:.1f} ({backend_seconds / max(measured, 1e-9):.0%} of these); "
          f"{worker_cpu / max(sent_during, 1) * 1e3:.1f} ms worker CPU a contact, "
          f"{api_cpu / max(samples.rows, 1) * 1e3:.1f} ms API CPU a row, "
          f"{backend_seconds / max(sent_during + samples.rows, 1) * 1e3:.1f} ms PostgreSQL CPU per contact or row; "
          f"machine load {os.getloadavg()[0]:.1f}")
    print(f"largest unclaimed due backlog: {max((b[1] for b in backlog), default=0)} rows, oldest "
          f"{max((b[4] for b in backlog), default=0.0):.1f} s (tick every {args.tick_seconds:.0f} s)")
    print(f"after the traffic: {final[0]} due unclaimed, {final[1]} waiting for a worker (after {drained:.0f} s of "
          f"drain), {final[2]} contacts sent; tick errors: {len(tick_errors)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "_api":
        serve_api(int(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "_worker":
        serve_worker(int(sys.argv[2]), sys.argv[3])
    else:
        main()
