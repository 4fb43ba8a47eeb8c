"""The scheduler tick at scale: `--households` enrolled households (default 1,000,000), `--due` of them (default
10,000) with a contact due now, the rest planned for the coming weeks, each with a contact already delivered.

The rows are written with SQL (generate_series) into a fresh PostgreSQL database on 127.0.0.1:5432, as a
département's base would hold them after months of intake; a private redis-server is the broker, with no worker
(the tick only hands out). A first tick runs with nothing due (the previous minute's), then `--due` contacts fall
due and the tick is timed as `chaine.tick` runs it (`Runtime.tick`: stale imports, queues' upkeep, print batches,
the evaluation facts, then the claim and the hand-out), with its parts timed apart and the SQL statements counted.
`--repeat` times further ticks on fresh due rows, with the CPU of the PostgreSQL backends during each (sampled from
/proc). `--reuse` keeps the generated database between runs; without it the database is dropped at the end.

Run: .venv/bin/python bench/tick.py [--households 1000000] [--due 10000] [--repeat 3] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from bench.intake import ADMIN, _free_port, _fresh_database  # noqa: E402
from bench.proc_cpu import BackendCpu  # noqa: E402
from campaigns.accounts.partners import add_partner  # noqa: E402
from campaigns.campaign.config import CampaignSpec, upsert_campaign  # noqa: E402
from campaigns.platform.settings import Settings  # noqa: E402
from campaigns.runtime import migrate  # noqa: E402
from campaigns.runtime.root import Runtime  # noqa: E402

# Fixed keys: --reuse reads the same database again (these keys protect nothing: the rows hold no personal data).
KEYS = {"data_keys": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "blind_index_key": "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="}

GENERATE = """
INSERT INTO households (id, stage, current_entry_id, created_at, updated_at)
SELECT g, 'commandement_de_payer', g, :past, :past FROM generate_series(1, :n) AS g;
INSERT INTO stage_entries (id, household_id, stage, entered_at)
SELECT g, g, 'commandement_de_payer', :past FROM generate_series(1, :n) AS g;
INSERT INTO enrollments (id, campaign_id, household_id, stage_entry_id, stage, enrolled_at)
SELECT g, :campaign, g, g, 'commandement_de_payer', :past FROM generate_series(1, :n) AS g;
INSERT INTO dispatches (dedup_key, enrollment_id, campaign_id, household_id, stage_entry_id, stage, step_position,
                        channel, template, conditions, regulatory, template_fallback, due_at, status, attempts,
                        claimed_at, sent_at, finished_at, provider_ref)
SELECT 'bench-' || g || '-0', g, :campaign, g, g, 'commandement_de_payer', 0, 'courrier', 'information_etat', '[]',
       false, false, :past, 'delivered', 1, :past, :past, :past, 'ref-' || g
FROM generate_series(1, :n) AS g;
INSERT INTO dispatches (dedup_key, enrollment_id, campaign_id, household_id, stage_entry_id, stage, step_position,
                        channel, template, conditions, regulatory, template_fallback, due_at, status, attempts)
SELECT 'bench-' || g || '-1', g, :campaign, g, g, 'commandement_de_payer', 1, 'sms', 'relance', '["no_response"]',
       false, false, :now + (1 + g % 60) * interval '1 day' + (g % 86400) * interval '1 second', 'planned', 0
FROM generate_series(1, :n) AS g;
"""


def _runtime(url: str, broker: str) -> Runtime:
    return Runtime(Settings(database_url=url, broker_url=broker, data_keys=KEYS["data_keys"],
                            blind_index_key=KEYS["blind_index_key"]))


def _generate(runtime: Runtime, households: int, now: datetime) -> None:
    past = now - timedelta(days=30)
    with runtime.session_factory.begin() as session:
        add_partner(session, name="DDETS 44", kind="etat", now=past)
        campaign = upsert_campaign(session, CampaignSpec.model_validate({
            "name": "Relances de l'État", "owner": "DDETS 44", "stages": ["commandement_de_payer"],
            "steps": [{"channel": "courrier", "template": "information_etat"},
                      {"channel": "sms", "template": "relance", "delay_days": 7, "conditions": ["no_response"]}]}),
            now=past)
        for statement in GENERATE.strip().split(";\n"):
            session.execute(text(statement), {"n": households, "campaign": campaign.id, "past": past, "now": now})
        for table in ("households", "stage_entries", "enrollments"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"), {"n": households})
    with psycopg.connect(runtime.settings.database_url.get_secret_value().replace("+psycopg", ""),
                         autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _make_due(runtime: Runtime, due: int, now: datetime) -> None:
    """`due` planned contacts, spread over the base, fall due a minute ago."""
    with runtime.session_factory.begin() as session:
        session.execute(text(
            "UPDATE dispatches SET due_at = :due_at WHERE id IN (SELECT id FROM dispatches WHERE status = 'planned' "
            "AND due_at > :now ORDER BY md5(id::text) LIMIT :due)"), {"due_at": now - timedelta(minutes=1),
                                                                       "now": now, "due": due})


def _timed(parts: dict[str, float], name: str, call: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            parts[name] = parts.get(name, 0.0) + time.perf_counter() - started
    return wrapper


def _tick(runtime: Runtime, now: datetime, database: str) -> dict[str, Any]:
    from campaigns.queues import reservations

    try:  # where the tick finds claim_due (campaigns/delivery/dispatch.py before the claim had its own module)
        from campaigns.delivery import claims as dispatching
    except ImportError:
        from campaigns.delivery import dispatch as dispatching  # type: ignore[no-redef]

    parts: dict[str, float] = {}
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    originals = (dispatching.claim_due, reservations.maintain_queues, runtime.refresh_facts)
    dispatching.claim_due = _timed(parts, "claim", dispatching.claim_due)
    reservations.maintain_queues = _timed(parts, "queues", reservations.maintain_queues)
    runtime.refresh_facts = _timed(parts, "facts", runtime.refresh_facts)  # type: ignore[method-assign]
    event.listen(runtime.engine, "before_cursor_execute", count)
    backends = BackendCpu(ADMIN, database, period=0.1).start()
    time.sleep(0.3)  # the pool's backends seen before the tick starts
    cpu, started = time.process_time(), time.perf_counter()
    try:
        handed = runtime.tick(now=now)
    finally:
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        time.sleep(0.2)
        backends.close()
        event.remove(runtime.engine, "before_cursor_execute", count)
        dispatching.claim_due, reservations.maintain_queues = originals[0], originals[1]
        del runtime.refresh_facts
    parts["hand_out_and_rest"] = seconds - sum(parts.values())
    return {"handed_out": handed, "seconds": round(seconds, 3), "cpu_s": round(cpu, 3),
            "postgresql_cpu_s": round(backends.seconds(), 3), "statements": statements[0],
            "parts_s": {k: round(v, 3) for k, v in parts.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default="chaine_bench_tick")
    parser.add_argument("--reuse", action="store_true", help="keep the generated database (same --households)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="chaine-bench-tick-"))
    port = _free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    redis_server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                                     "--dir", str(tmp)], stdout=subprocess.DEVNULL)
    try:
        now = datetime.now(UTC)
        url = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{args.database}"
        exists = False
        if args.reuse:
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                      (args.database,)).fetchone() is not None
        if not exists:
            url = _fresh_database(args.database)
        runtime = _runtime(url, broker)
        migrate.upgrade(runtime.engine)
        if not exists:
            started = time.perf_counter()
            _generate(runtime, args.households, now)
            print(f"generated {args.households:,} households in {time.perf_counter() - started:.0f} s", flush=True)
        else:
            # The previous run's contacts are handed out again: put them back in the future.
            with runtime.session_factory.begin() as session:
                session.execute(text("UPDATE dispatches SET status = 'planned', claimed_at = NULL, "
                                     "due_at = :later WHERE status = 'queued'"), {"later": now + timedelta(days=30)})
        time.sleep(1)
        warm = _tick(runtime, now, args.database)  # the minute before: nothing due, the facts brought up to date
        print(json.dumps({"tick": "nothing due", **warm}), flush=True)
        results = []
        for round_ in range(args.repeat):
            moment = now + timedelta(minutes=1 + round_)
            _make_due(runtime, args.due, moment)
            redis.Redis.from_url(broker).flushdb()
            figures = _tick(runtime, moment, args.database)
            figures["messages_in_redis"] = redis.Redis.from_url(broker).llen("chaine.dispatch")
            print(json.dumps({"tick": f"{args.due} due", **figures}), flush=True)
            results.append(figures)
        best = min(r["seconds"] for r in results)
        print(json.dumps({"households": args.households, "due": args.due, "best_s": best,
                          "load_average": os.getloadavg(), "at": datetime.now(UTC).isoformat(timespec="seconds")}))
        runtime.engine.dispose()
    finally:
        redis_server.terminate()
        redis_server.wait(10)
        if not args.reuse:  # a million households take gigabytes: kept only when asked to be reused
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
