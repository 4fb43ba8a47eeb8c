"""A 1,000,000-row CSV (5 % of the rows wrong in one field) posted to the API: answered with row-level rejections for
the bad rows, the others accepted; prints the time, rows/s, the report and the API process's peak RSS.

The CSV fuzz corpus (tests/test_bad_input_csv.py) runs in CI; this file is its 1M-row case, too slow for CI.
Run: .venv/bin/python bench/import_million.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import household_rows  # noqa: E402
from bench.intake import _free_port, _fresh_database, _own_peak_mb, wait_for_api  # noqa: E402
from campaigns.accounts.partners import add_partner, issue_key  # noqa: E402
from campaigns.platform.settings import Settings  # noqa: E402
from campaigns.runtime import migrate  # noqa: E402
from campaigns.runtime.root import Runtime, utc_now  # noqa: E402

HEADER = "reference;stade;date_stade;nom;prenom;date_naissance;adresse;code_postal;commune;telephone;montant_dette"


def _csv(rows: int) -> tuple[bytes, int]:
    """The rows of bench/generate.py (distinct people, spread birth dates and addresses), 5 % with a wrong postcode.

    Spread like a real list: a file where every row shared one of a few hundred birth dates and addresses would
    measure the blocks of the record linkage (hundreds of candidates a row), not the import.
    """
    rng = random.Random(1)
    lines, bad = [HEADER], 0
    for i, row in enumerate(household_rows(rows, seed=3)):
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
    """The API process's RSS every quarter second, to say in which phase (upload or run) the peak falls."""

    def __init__(self, pid: int) -> None:
        self.pid, self.samples, self.stop = pid, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        started = time.perf_counter()
        while not self.stop.wait(0.25):
            try:
                self.samples.append((time.perf_counter() - started, _rss_mb(self.pid)))
            except (FileNotFoundError, ProcessLookupError):
                return

    def peak(self, since: float = 0.0) -> tuple[float, float]:
        """(seconds since start, MB) of the highest sample after `since`."""
        return max(((t, rss) for t, rss in self.samples if t >= since), key=lambda s: s[1], default=(0.0, 0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    url = _fresh_database("chaine_million")
    runtime = Runtime(Settings(database_url=url))
    migrate.upgrade(runtime.engine)
    with runtime.session_factory.begin() as session:
        key = issue_key(session, partner=add_partner(session, name="Habitat 44", kind="bailleur_social",
                                                     now=utc_now()), now=utc_now())
    runtime.engine.dispose()
    body, bad = _csv(args.rows)
    port = _free_port()
    data_dir = tempfile.mkdtemp(prefix="chaine-million-")
    env = os.environ | {"CHAINE_DATABASE_URL": url, "CHAINE_DATA_DIR": data_dir}
    api = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(port),
                            "--log-level", "warning"], cwd=ROOT, env=env)
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}
    try:
        wait_for_api(base, attempts=300)
        idle = _rss_mb(api.pid)
        sampler = _Sampler(api.pid)
        started = time.perf_counter()
        answer = httpx.post(f"{base}/api/v1/signalements", content=body, timeout=600,
                            headers=headers | {"Content-Type": "text/csv"})
        answer.raise_for_status()
        accepted = time.perf_counter() - started
        after_upload = _rss_mb(api.pid)
        report = answer.json()
        while report["statut"] in ("pending", "running"):
            time.sleep(2)
            report = httpx.get(f"{base}{answer.headers['Location']}", headers=headers, timeout=60).json()
        elapsed = time.perf_counter() - started
        peak = _own_peak_mb(api.pid)
        sampler.stop.set()
    finally:
        api.terminate()
        api.wait(60)
    print(f"file: {args.rows:,} rows, {len(body) / 1_048_576:.0f} MB, {bad:,} with a wrong postcode")
    print(f"status {report['statut']}, error {report['erreur']!r}")
    print(f"created {report['crees']:,}, rejected {report['rejetes']:,} (expected {bad:,}), "
          f"{len(report['rejets'])} rejections listed in the report, all in {report['rejets_csv']}")
    print(f"elapsed {elapsed:.0f} s, {args.rows / elapsed:,.0f} rows/s; API peak RSS {peak:.0f} MB")
    upload_peak = max((rss for t, rss in sampler.samples if t <= accepted), default=after_upload)
    at, run_peak = sampler.peak(since=accepted)
    print(f"API RSS: {idle:.0f} MB idle, {upload_peak:.0f} MB at most while the file was received "
          f"({accepted:.1f} s), {after_upload:.0f} MB once accepted, {run_peak:.0f} MB at most while it ran "
          f"(at {at:.0f} s); load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
