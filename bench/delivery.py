"""Delivery throughput: Celery worker processes deliver due contacts to local stand-ins, the database the queue.

A fresh PostgreSQL database on 127.0.0.1:5432, a private redis-server, the Twilio stand-in over HTTP
(tests/twilio_standin.py, in this process), an aiosmtpd server in its own process (tests/faults/smtp_sink.py) and the
outbox for letters (a PDF each). `--contacts` households each get one contact due now: SMS, e-mail or letter in the
proportions of `--mix` (default 70/20/10), through three campaigns on three stages.

Two parts, both printed:
- **profile** (`--profile N`, default 600; 0 skips it): N contacts claimed, then delivered in this process one after
  the other exactly as a worker does, with the SQL statements counted (an engine event) and the thread's CPU time
  measured per channel; `--cprofile` prints the top functions by cumulative time.
- **throughput**: a real `celery worker` with `--concurrency` pool processes (default 2) on Redis; one tick hands out
  every due contact, and the bench times how long the workers take to settle them all (contacts/s), and the CPU
  seconds the worker processes spent per contact.

Run: .venv/bin/python bench/delivery.py [--contacts 6000] [--concurrency 2] [--mix 70/20/10] [--profile 600]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import and_, case, event, func, select, update  # noqa: E402

from bench.intake import _cpu_seconds, _free_port, _fresh_database  # noqa: E402
from campaigns.accounts.partners import add_partner  # noqa: E402
from campaigns.campaign.config import CampaignSpec, upsert_campaign  # noqa: E402
from campaigns.crypto.cipher import generate_key  # noqa: E402
from campaigns.delivery import dispatch as dispatching  # noqa: E402
from campaigns.intake.jobs import push_items  # noqa: E402
from campaigns.models import Dispatch, Partner  # noqa: E402
from campaigns.platform.settings import Settings  # noqa: E402
from campaigns.runtime import migrate  # noqa: E402
from campaigns.runtime.root import Runtime  # noqa: E402
from tests.twilio_standin import TwilioStandIn  # noqa: E402

SID, TOKEN = "AC" + "b" * 32, "bench-token"
# One stage per channel: each household gets exactly one contact, due at once, whatever the coordination rules.
STAGES = {"sms": ("impaye", "relance"), "email": ("commandement_de_payer", "relance"),
          "courrier": ("assignation", "information_etat")}
OPEN_HOURS = {"days": list(range(7)), "start": "00:00", "end": "23:59"}
# A row `sending` is settled once the provider took it (an SMS waits for its receipt with its provider reference); a
# `sending` row without one is still in a worker's hands (a task marks its contacts `sending` before its calls).
SETTLED = ("delivered", "sent", "permanent_failure", "skipped", "cancelled", "temporary_failure")


def _settings(url: str, broker: str, data_dir: Path, smtp_port: int, standin: TwilioStandIn) -> Settings:
    return Settings(
        database_url=url, broker_url=broker, data_dir=data_dir, outbox_dir=data_dir / "outbox",
        sms_provider="twilio", twilio_account_sid=SID, twilio_auth_token=TOKEN, twilio_from_number="+33612000000",
        twilio_api_base_url=standin.base_url, email_provider="smtp", smtp_host="127.0.0.1", smtp_port=smtp_port,
        smtp_start_tls=False, smtp_from="relances@chaine.example.fr", public_base_url="https://chaine.example.fr",
        data_keys=generate_key(), blind_index_key=generate_key(), tick_batch_size=500,
    )


def _plan(runtime: Runtime, contacts: int, mix: dict[str, int], *, start: int = 0) -> None:
    now = runtime.clock()
    with runtime.session_factory.begin() as session:
        if session.scalar(select(func.count()).select_from(Partner)) == 0:
            add_partner(session, name="DDETS 44", kind="etat", now=now)
            add_partner(session, name="Habitat 44", kind="bailleur_social", now=now)
            for channel, (stage, template) in STAGES.items():
                upsert_campaign(session, CampaignSpec.model_validate({
                    "name": f"Banc {channel}", "owner": "DDETS 44", "stages": [stage],
                    "steps": [{"channel": channel, "template": template}], "sending_hours": OPEN_HOURS}), now=now)
    total = sum(mix.values())
    channels = [channel for channel, share in mix.items() for _ in range(share)]
    rows = []
    for i in range(start, start + contacts):
        stage = STAGES[channels[i % total]][0]
        rows.append({
            "reference": f"B-{i}", "stade": stage, "date_stade": "20/11/2026", "parc": "social",
            "nom": f"Nom{i}", "prenom": "Aïcha", "date_naissance": f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 50}",
            "adresse": f"{i} rue Neuve", "code_postal": "44000", "commune": "Nantes",
            "telephone": f"06{10_000_000 + i:08d}", "email": f"menage{i}@exemple.fr",
            "montant_dette": "1 234,56", "loyer_mensuel": "520,00", "numero_allocataire": str(1_000_000 + i)})
    for offset in range(0, len(rows), 2_000):
        with runtime.session_factory.begin() as session:
            push_items(session, partner=session.scalars(select(Partner).where(Partner.name == "Habitat 44")).one(),
                       items=rows[offset:offset + 2_000], now=now)
    # Planning puts a first contact in office hours (9:00 the next working day when pushed in the evening): due now
    # here, whatever the hour the bench runs at.
    with runtime.session_factory.begin() as session:
        session.execute(update(Dispatch).where(Dispatch.status == "planned").values(due_at=now))


def _due(runtime: Runtime) -> Counter[str]:
    """Rows by status, a `sending` row the provider took counted as `sent`."""
    status = case((and_(Dispatch.status == "sending", Dispatch.provider_ref.is_not(None)), "sent"),
                  else_=Dispatch.status)
    with runtime.session_factory() as session:
        return Counter(dict(session.execute(select(status, func.count()).group_by(status)).all()))


def profile(runtime: Runtime, contacts: int, *, cprofile: bool, batch: int, dump: str | None = None) -> dict[str, Any]:
    """Claims `contacts` due rows and delivers them here, as a worker does: statements and CPU per contact."""
    with runtime.session_factory.begin() as session:
        ids = dispatching.claim_due(session, now=runtime.clock(), limit=contacts,
                                    lease=timedelta(seconds=runtime.settings.claim_lease_seconds))
        kinds = dict(session.execute(select(Dispatch.id, Dispatch.channel).where(Dispatch.id.in_(ids))).all())
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    event.listen(runtime.engine, "before_cursor_execute", count)
    cpu: dict[str, list[float]] = defaultdict(list)
    sql: dict[str, list[float]] = defaultdict(list)
    # CPU time of this thread, not wall time: waiting on PostgreSQL or the stand-ins is not what a profile is for.
    profiler = cProfile.Profile(time.thread_time) if cprofile else None
    # As a worker gets them: one task per contact before the batch task, `batch` contacts a task since.
    batched = hasattr(runtime, "deliver_batch")
    size = batch if batched else 1
    chunks = []
    for kind in sorted(set(kinds.values())):
        of_kind = [i for i in ids if kinds[i] == kind]
        chunks += [(kind, of_kind[at:at + size]) for at in range(0, len(of_kind), size)]
    # The first chunk of each channel loads templates, fonts and connections: left out of the figures.
    warm = set()
    started = time.perf_counter()
    for kind, chunk in chunks:
        before_sql, before_cpu = statements[0], time.thread_time()
        if profiler is not None and kind in warm:
            profiler.enable()
        if batched:
            runtime.deliver_batch(chunk)
        else:
            runtime.deliver(chunk[0])
        if profiler is not None:
            profiler.disable()
        if kind in warm:
            cpu[kind].append((time.thread_time() - before_cpu) / len(chunk))
            sql[kind].append((statements[0] - before_sql) / len(chunk))
        warm.add(kind)
    wall = time.perf_counter() - started
    event.remove(runtime.engine, "before_cursor_execute", count)
    if profiler is not None:
        if dump:
            profiler.dump_stats(dump)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
    figures: dict[str, Any] = {"contacts": len(ids), "wall_s": round(wall, 2), "per_task": size}
    for kind in sorted(cpu):
        figures[kind] = {"n": len(cpu[kind]), "cpu_ms": round(1000 * sum(cpu[kind]) / len(cpu[kind]), 2),
                         "statements": round(sum(sql[kind]) / len(sql[kind]), 2)}
    all_cpu = [x for values in cpu.values() for x in values]
    all_sql = [x for values in sql.values() for x in values]
    figures["mix"] = {"cpu_ms": round(1000 * sum(all_cpu) / len(all_cpu), 2),
                      "statements": round(sum(all_sql) / len(all_sql), 2)}
    return figures


def _start_worker(settings: Settings, concurrency: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINE_")}
    for name, value in settings.model_dump().items():
        raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        if raw is not None and raw != "":
            env[f"CHAINE_{name.upper()}"] = raw.decode() if isinstance(raw, bytes) else str(raw)
    env["PYTHONPATH"] = str(ROOT)
    from campaigns.workers.celery_app import QUEUES

    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "campaigns.workers.celery_app", "worker", "-Q", ",".join(QUEUES),
             "-c", str(concurrency), "--loglevel", "WARNING", "-n", "bench@%h", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_consumers(runtime: Runtime, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = runtime.celery.control.inspect(timeout=1).active_queues() or {}
        if replies:
            return
    raise SystemExit("the Celery worker did not start")


def throughput(runtime: Runtime, contacts: int, concurrency: int, log: Path) -> dict[str, Any]:
    worker = _start_worker(runtime.settings, concurrency, log)
    try:
        _wait_consumers(runtime)
        # Warm the pool processes (imports, templates, fonts, connections) on a few contacts, then reset.
        time.sleep(2)
        already = sum(_due(runtime)[s] for s in SETTLED)  # the profiled contacts
        before_cpu = _cpu_seconds(worker.pid)
        started = time.perf_counter()
        tick_started = time.perf_counter()
        handed = runtime.tick()
        tick_seconds = time.perf_counter() - tick_started
        settled = 0
        while time.perf_counter() - started < max(600, contacts / 5):
            statuses = _due(runtime)
            settled = sum(statuses[s] for s in SETTLED) - already
            if settled >= contacts:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(worker.pid) - before_cpu
        statuses = _due(runtime)
        return {"contacts": contacts, "handed_out": handed, "tick_s": round(tick_seconds, 2),
                "seconds": round(elapsed, 2), "contacts_per_s": round(settled / elapsed, 1),
                "worker_cpu_ms_per_contact": round(1000 * cpu / max(settled, 1), 2), "statuses": dict(statuses)}
    finally:
        os.killpg(worker.pid, 15)
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, 9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=6_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--mix", default="70/20/10", help="SMS/e-mail/letters, in percent")
    parser.add_argument("--profile", type=int, default=600, help="contacts delivered in process first (0: none)")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--cprofile-out", help="with --cprofile: also write the pstats file there")
    parser.add_argument("--batch", type=int, default=10, help="contacts a task in the profile (batch task only)")
    parser.add_argument("--database", default="chaine_bench_delivery")
    parser.add_argument("--latency", type=float, default=0.0, help="the Twilio stand-in's answer time (s)")
    args = parser.parse_args()
    mix = dict(zip(("sms", "email", "courrier"), (int(x) for x in args.mix.split("/")), strict=True))
    tmp = Path(tempfile.mkdtemp(prefix="chaine-bench-delivery-"))
    redis_port, smtp_port = _free_port(), _free_port()
    redis_server = subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no",
                                     "--dir", str(tmp)], stdout=subprocess.DEVNULL)
    smtp = subprocess.Popen([sys.executable, str(ROOT / "tests/faults/smtp_sink.py"), str(smtp_port),
                             str(tmp / "smtp.jsonl")], cwd=ROOT)
    try:
        with TwilioStandIn(SID, TOKEN) as standin:
            standin.latency = args.latency
            url = _fresh_database(args.database)
            runtime = Runtime(_settings(url, f"redis://127.0.0.1:{redis_port}/0", tmp, smtp_port, standin))
            migrate.upgrade(runtime.engine)
            time.sleep(0.5)
            results: dict[str, Any] = {"mix": args.mix}
            if args.profile:
                _plan(runtime, args.profile, mix)
                results["profile"] = profile(runtime, args.profile, cprofile=args.cprofile, batch=args.batch,
                                             dump=args.cprofile_out)
                print(json.dumps(results["profile"], ensure_ascii=False), flush=True)
                # The profiled contacts are out of the way of the throughput run.
                with runtime.session_factory.begin() as session:
                    session.execute(update(Dispatch).values(status="delivered"))
            if args.contacts:
                planned = time.perf_counter()
                _plan(runtime, args.contacts, mix, start=args.profile)
                print(f"planned {args.contacts} contacts in {time.perf_counter() - planned:.1f} s", flush=True)
                results["throughput"] = throughput(runtime, args.contacts, args.concurrency, tmp / "worker.log")
                results["throughput"]["sms_received"] = len(standin.created) - results.get("profile", {}).get(
                    "sms", {}).get("n", 0)
            results["load_average"] = os.getloadavg()
            results["at"] = datetime.now(UTC).isoformat(timespec="seconds")
            print(json.dumps(results, ensure_ascii=False), flush=True)
            runtime.engine.dispose()
    finally:
        smtp.terminate()
        redis_server.terminate()
        smtp.wait(10)
        redis_server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
