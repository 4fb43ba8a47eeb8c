"""A 1,000,000-row CSV (5 % of the rows wrong in one field) posted to the API: answered with row-level rejections for
the bad rows, the others accepted; prints the time, rows/s, the report, and for every process involved (the API,
the PostgreSQL backends serving the database, this client) the peak RSS and the CPU time, with the CPU per row: on a
shared machine rows/s are noisy, CPU per row is not. Every --every seconds while the job runs: rows done, API RSS,
and the API's and the backends' CPU per row in that window (to see whether the cost of a row grows with the base).

The CSV fuzz corpus (tests/test_bad_input_csv.py) runs in CI; this file is its 1M-row case, too slow for CI.
Run: .venv/bin/python bench/import_million.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import household_rows, street_names  # noqa: E402
from bench.intake import ADMIN, _free_port, _fresh_database, _own_peak_mb, wait_for_api  # noqa: E402
from bench.proc_cpu import BackendCpu, own_cpu  # noqa: E402
from campaigns.accounts.partners import add_partner, issue_key  # noqa: E402
from campaigns.platform.settings import Settings  # noqa: E402
from campaigns.runtime import migrate  # noqa: E402
from campaigns.runtime.root import Runtime, utc_now  # noqa: E402

HEADER = "reference;stade;date_stade;nom;prenom;date_naissance;adresse;code_postal;commune;telephone;montant_dette"


def _csv(rows: int, streets: int = 0) -> tuple[bytes, int]:
    """The rows of bench/generate.py (distinct people, spread birth dates and addresses), 5 % with a wrong postcode.

    Spread like a real list: a file where every row shared one of a few hundred birth dates and addresses would
    measure the blocks of the record linkage (hundreds of candidates a row), not the import. `streets`: that many
    made-up street names (bench/generate.py street_names), 0 for generate.py's nine (~420 households an address
    of Loire-Atlantique at a million rows: the candidates a row then grow with the base, ~30 at the end).
    """
    rng = random.Random(1)
    lines, bad = [HEADER], 0
    names = street_names(streets) if streets else None
    for i, row in enumerate(household_rows(rows, seed=3, **({"streets": names} if names else {}))):
        postcode = row["code_postal"]
        if rng.random() < 0.05:
            bad += 1
            postcode = postcode[:4]  # one wrong field: a row-level rejection
        lines.append(f"M{i:07d};{row['stade']};{row['date_stade']};{row['nom']};{row['prenom']};"
                     f"{row['date_naissance']};{row['adresse']};{postcode};{row['commune']};{row['telephone']};"
                     f"{row['montant_dette']}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8"), bad


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class _Sampler:
    """The API process's RSS every quarter second, to say in which phase (upload or run) the peak falls, and the peak
    RSS (VmHWM) of every PostgreSQL backend serving `database` while it lives."""

    def __init__(self, pid: int, database: str) -> None:
        self.pid, self.database, self.stop = pid, database, threading.Event()
        self.samples: list[tuple[float, float]] = []
        self.backend_peaks: dict[int, float] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _backends(self) -> list[int]:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            return [row[0] for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,))]

    def _run(self) -> None:
        started, backends, listed = time.perf_counter(), [], 0.0
        while not self.stop.wait(0.25):
            try:
                self.samples.append((time.perf_counter() - started, _rss_mb(self.pid)))
            except (FileNotFoundError, ProcessLookupError):
                return
            if time.perf_counter() - listed > 5:
                backends, listed = self._backends(), time.perf_counter()
            for pid in backends:
                with contextlib.suppress(FileNotFoundError, ProcessLookupError, PermissionError):
                    self.backend_peaks[pid] = max(self.backend_peaks.get(pid, 0.0), _own_peak_mb(pid))

    def peak(self, since: float = 0.0) -> tuple[float, float]:
        """(seconds since start, MB) of the highest sample after `since`."""
        return max(((t, rss) for t, rss in self.samples if t >= since), key=lambda s: s[1], default=(0.0, 0.0))


class _Analyzer:
    """ANALYZE of the bench's database every `period` seconds, when the server runs without autovacuum (this
    machine's PostgreSQL for CI, conf.d/90-ci.conf): without statistics the planner reads every case of the partner
    for each batch's look-up of its references (`partner_id` alone as the index condition), so a row cost more the
    more rows came before it (PostgreSQL 616 µs of CPU a row at 466,000 rows, 170 µs after one ANALYZE)."""

    def __init__(self, url: str, period: float = 60.0) -> None:
        self.url, self.period, self.stop, self.runs = url, period, threading.Event(), 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            row = conn.execute("SHOW autovacuum").fetchone()
        self.needed = row is not None and row[0] == "off"
        if self.needed:
            self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(self.period):
            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute("ANALYZE")
            self.runs += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--streets", type=int, default=1500,
                        help="street names (0: bench/generate.py's nine, ~420 households an address at 1M rows)")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between progress lines")
    parser.add_argument("--database", default="chaine_million", help="created afresh, dropped at the end")
    parser.add_argument("--keep", action="store_true", help="keep the database (dropped at the end otherwise)")
    args = parser.parse_args()
    url = _fresh_database(args.database)
    runtime = Runtime(Settings(database_url=url))
    migrate.upgrade(runtime.engine)
    with runtime.session_factory.begin() as session:
        key = issue_key(session, partner=add_partner(session, name="Habitat 44", kind="bailleur_social",
                                                     now=utc_now()), now=utc_now())
    runtime.engine.dispose()
    body, bad = _csv(args.rows, args.streets)
    gc.collect()
    port = _free_port()
    data_dir = tempfile.mkdtemp(prefix="chaine-million-")
    env = os.environ | {"CHAINE_DATABASE_URL": url, "CHAINE_DATA_DIR": data_dir}
    api = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(port),
                            "--log-level", "warning"], cwd=ROOT, env=env)
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}
    try:
        wait_for_api(base, attempts=300)
        idle = _rss_mb(api.pid)
        sampler = _Sampler(api.pid, args.database)
        analyzer = _Analyzer(ADMIN.rsplit("/", 1)[0] + f"/{args.database}")
        backends = BackendCpu(ADMIN, args.database, period=0.5).start()
        api_cpu0, own_cpu0 = own_cpu(api.pid), time.process_time()
        started = time.perf_counter()
        answer = httpx.post(f"{base}/api/v1/signalements", content=body, timeout=600,
                            headers=headers | {"Content-Type": "text/csv"})
        answer.raise_for_status()
        accepted = time.perf_counter() - started
        after_upload = _rss_mb(api.pid)
        api_cpu_upload = own_cpu(api.pid) - api_cpu0
        report = answer.json()
        window = (0, own_cpu(api.pid), backends.seconds(), time.perf_counter())
        while report["statut"] in ("pending", "running"):
            time.sleep(2)
            report = httpx.get(f"{base}{answer.headers['Location']}", headers=headers, timeout=60).json()
            done, moment = report.get("lignes_traitees") or 0, time.perf_counter()
            if moment - window[3] >= args.every and done > window[0]:
                api_now, db_now, rows = own_cpu(api.pid), backends.seconds(), done - window[0]
                print(f"{done:>9,} rows {moment - started:6.0f} s {rows / (moment - window[3]):6.0f} rows/s  "
                      f"API {(api_now - window[1]) / rows * 1e6:5.0f} µs CPU/row, PostgreSQL "
                      f"{(db_now - window[2]) / rows * 1e6:5.0f} µs CPU/row  API RSS {_rss_mb(api.pid):4.0f} MB  "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
                window = (done, api_now, db_now, moment)
        elapsed = time.perf_counter() - started
        peak = _own_peak_mb(api.pid)
        api_cpu, db_cpu, client_cpu = own_cpu(api.pid) - api_cpu0, backends.seconds(), time.process_time() - own_cpu0
        backends.close()
        analyzer.stop.set()
        sampler.stop.set()
        sampler.thread.join(5)
    finally:
        api.terminate()
        api.wait(60)
        if not args.keep:
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    print(f"file: {args.rows:,} rows, {len(body) / 1_048_576:.0f} MB, {bad:,} with a wrong postcode, "
          f"{args.streets or 9} street names")
    print(f"status {report['statut']}, error {report['erreur']!r}")
    print(f"created {report['crees']:,}, rejected {report['rejetes']:,} (expected {bad:,}), "
          f"{len(report['rejets'])} rejections listed in the report, all in {report['rejets_csv']}")
    print(f"elapsed {elapsed:.0f} s, {args.rows / elapsed:,.0f} rows/s; API peak RSS {peak:.0f} MB")
    upload_peak = max((rss for t, rss in sampler.samples if t <= accepted), default=after_upload)
    at, run_peak = sampler.peak(since=accepted)
    print(f"API RSS: {idle:.0f} MB idle, {upload_peak:.0f} MB at most while the file was received "
          f"({accepted:.1f} s), {after_upload:.0f} MB once accepted, {run_peak:.0f} MB at most while it ran "
          f"(at {at:.0f} s); load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    if analyzer.needed:
        print(f"autovacuum is off on this server: ANALYZE run {analyzer.runs} times by the bench, every "
              f"{analyzer.period:.0f} s, as autovacuum would")
    backend_peaks = sorted(sampler.backend_peaks.values(), reverse=True)
    print(f"PostgreSQL backends: {len(backend_peaks)} seen, peak RSS of the largest "
          f"{', '.join(f'{mb:.0f}' for mb in backend_peaks[:3])} MB (shared buffers they touched included); "
          f"this client's peak RSS {_own_peak_mb(os.getpid()):.0f} MB (the file built in memory)")
    print(f"CPU: API {api_cpu:.0f} s ({api_cpu / args.rows * 1e6:.0f} µs a row, {api_cpu_upload:.1f} s of it while "
          f"receiving the file), PostgreSQL backends {db_cpu:.0f} s ({db_cpu / args.rows * 1e6:.0f} µs a row), "
          f"this client {client_cpu:.0f} s; one import is one thread waiting on its backend, so on an idle "
          f"machine about {args.rows / (api_cpu + db_cpu):,.0f} rows/s (API and PostgreSQL CPU in series, "
          f"I/O waits left out)")


if __name__ == "__main__":
    main()
