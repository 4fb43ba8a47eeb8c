"""Pushes 100,000 signalements through the HTTP API into PostgreSQL; prints rows/s and the API's peak RSS.

The first 85% come from the département's bailleurs pushing their lists at the same time (--bailleurs, default 4;
one partner's pushes are serialised, so --bailleurs 1 measures a single bailleur). The other 15% are households
already pushed, pushed again by the DDETS (other references, no allocataire number, names in capitals) so that
matching works for its living.
Run: .venv/bin/python bench/intake.py [--rows 100000] [--batch 5000] [--clients 2] [--bailleurs 4] [--api-processes N]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import household_rows  # noqa: E402
from campaigns.accounts.partners import add_partner, issue_key  # noqa: E402
from campaigns.campaign.config import CampaignSpec, upsert_campaign  # noqa: E402
from campaigns.platform.settings import Settings  # noqa: E402
from campaigns.runtime import migrate  # noqa: E402
from campaigns.runtime.root import Runtime, utc_now  # noqa: E402

ADMIN = os.environ.get("CHAINE_TEST_PG_ADMIN", "postgresql://postgres:postgres@127.0.0.1:5432/postgres")


def _fresh_database(name: str) -> str:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"


BAILLEURS = ("Habitat 44", "Nantes Métropole Habitat", "Atlantique Habitat", "CDC Habitat", "Harmonie Habitat",
             "La Nantaise d'Habitations", "Aiguillon Construction", "Silène")


def _setup(url: str, bailleurs: int = 1) -> tuple[list[str], str]:
    """(the bailleurs' keys, the DDETS's key)."""
    runtime = Runtime(Settings(database_url=url))
    migrate.upgrade(runtime.engine)
    with runtime.session_factory.begin() as session:
        keys = []
        partners = [(name, "bailleur_social") for name in BAILLEURS[:bailleurs]] + [("DDETS 44", "etat")]
        for name, kind in partners:
            partner = add_partner(session, name=name, kind=kind, now=utc_now())
            keys.append(issue_key(session, partner=partner, now=utc_now()))
        # A campaign covering every stage: each new household is enrolled and its steps planned.
        upsert_campaign(session, CampaignSpec.model_validate({
            "name": "Courriers de l'État", "owner": "DDETS 44",
            "stages": ["impaye", "commandement_de_payer", "assignation", "jugement",
                       "commandement_de_quitter_les_lieux"],
            "steps": [{"channel": "courrier", "template": "information_etat"},
                      {"channel": "sms", "template": "relance", "delay_days": 10}]}), now=utc_now())
    runtime.engine.dispose()
    return keys[:-1], keys[-1]


def wait_for_api(base: str, attempts: int = 600) -> None:
    """Until the API at `base` answers its health route (up to a minute: a loaded machine starts it slowly)."""
    for _ in range(attempts):
        try:
            httpx.get(f"{base}/api/v1/sante", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _peak_rss_mb(pid: int) -> float:
    """Peak RSS of the process, or of its largest child (uvicorn --workers: the supervisor forks the API)."""
    peaks = [_own_peak_mb(pid)]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        peaks += [_own_peak_mb(int(child)) for child in children.read_text().split()]
    return max(peaks)


def _own_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process and of its children alive now (uvicorn --workers)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(sum(int(v) for v in Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[11:13]) / ticks
               for p in pids)


def _machine_cpu_seconds() -> float:
    """CPU time used by the whole machine (all processes, /proc/stat: user, nice, system, irq, softirq)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return sum(int(fields[i]) for i in (0, 1, 2, 5, 6)) / os.sysconf("SC_CLK_TCK")


def api_command(port: int, processes: int) -> list[str]:
    """uvicorn as in production: several API processes on the same database (docs/operations.md, "Production")."""
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(port),
               "--log-level", "warning"]
    return command + (["--workers", str(processes)] if processes > 1 else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--bailleurs", type=int, default=4, choices=range(1, len(BAILLEURS) + 1),
                        help="bailleurs sharing the first 85%% of the rows, pushing at the same time")
    parser.add_argument("--api-processes", type=int, default=os.cpu_count() or 1,
                        help="uvicorn worker processes (default: one per core)")
    parser.add_argument("--database", default="chaine_bench",
                        help="PostgreSQL database to create afresh (another name lets two benches run at once)")
    args = parser.parse_args()
    url = _fresh_database(args.database)
    bailleur_keys, key_b = _setup(url, args.bailleurs)
    second = int(args.rows * 0.15)
    households = household_rows(args.rows - second)
    repeats = [{**row, "reference": f"E{i:07d}", "nom": row["nom"].upper(), "numero_allocataire": None}
               for i, row in enumerate(households[:second])]
    batches: list[tuple[str, bytes]] = []
    for index, start in enumerate(range(0, len(households), args.batch)):
        # Batches dealt round-robin: the bailleurs' pushes interleave, as when they send at the same time.
        key = bailleur_keys[index % len(bailleur_keys)]
        batches.append((key, orjson.dumps([{k: v for k, v in r.items() if v is not None}
                                           for r in households[start:start + args.batch]])))
    for start in range(0, len(repeats), args.batch):
        batches.append((key_b, orjson.dumps([{k: v for k, v in r.items() if v is not None}
                                             for r in repeats[start:start + args.batch]])))
    port = _free_port()
    env = os.environ | {"CHAINE_DATABASE_URL": url, "CHAINE_DATA_DIR": f"/tmp/{args.database}"}
    api = subprocess.Popen(api_command(port, args.api_processes), cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_api(base)
        totals: dict[str, int] = {"crees": 0, "inchanges": 0, "mis_a_jour": 0, "rejetes": 0}

        def push(batch: tuple[str, bytes]) -> dict[str, Any]:
            key, body = batch
            with httpx.Client(timeout=300) as client:
                answer = client.post(f"{base}/api/v1/signalements", content=body,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            answer.raise_for_status()
            result: dict[str, Any] = answer.json()
            return result

        api_cpu, machine_cpu, own_cpu = _cpu_seconds(api.pid), _machine_cpu_seconds(), time.process_time()
        started = time.perf_counter()
        # First partner's lists first, then the second partner's: its rows must find existing households.
        first = [b for b in batches if b[0] != key_b]
        with ThreadPoolExecutor(args.clients) as pool:
            reports = list(pool.map(push, first))
            first_phase = time.perf_counter() - started
            reports += list(pool.map(push, [b for b in batches if b[0] == key_b]))
        elapsed = time.perf_counter() - started
        api_cpu, machine_cpu = _cpu_seconds(api.pid) - api_cpu, _machine_cpu_seconds() - machine_cpu
        own_cpu = time.process_time() - own_cpu
        for report in reports:
            for name in totals:
                totals[name] += report[name]
        peak = _peak_rss_mb(api.pid)
    finally:
        api.terminate()
        api.wait(30)
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        households_count = conn.execute("SELECT count(*) FROM households").fetchone()
        dispatches = conn.execute("SELECT count(*) FROM dispatches").fetchone()
    print(f"rows pushed: {args.rows} in {len(batches)} requests of {args.batch} ({args.clients} clients, "
          f"{args.api_processes} API processes, {args.bailleurs} bailleurs then the DDETS)")
    print(f"created {totals['crees']}, unchanged {totals['inchanges']}, rejected {totals['rejetes']}")
    print(f"households: {households_count[0] if households_count else '?'} "
          f"(expected {len(households)}); dispatches planned: {dispatches[0] if dispatches else '?'}")
    print(f"elapsed: {elapsed:.1f} s (bailleurs {len(households) / first_phase:,.0f} rows/s, "
          f"then the DDETS {second / (elapsed - first_phase):,.0f} rows/s)")
    print(f"throughput: {args.rows / elapsed:,.0f} rows/s end to end (target >= 5,000)")
    per_row = 1e6 / args.rows
    print(f"CPU per row: API {api_cpu * per_row:.0f} µs, this client {own_cpu * per_row:.0f} µs, database and the "
          f"rest {(machine_cpu - api_cpu - own_cpu) * per_row:.0f} µs; machine busy "
          f"{machine_cpu / elapsed / (os.cpu_count() or 1):.0%} of {os.cpu_count()} cores")
    print(f"API peak RSS: {peak:.0f} MB per process (target <= 500)")


if __name__ == "__main__":
    main()
