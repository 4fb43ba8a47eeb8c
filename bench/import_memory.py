"""Where a big CSV import's memory goes: the import runner alone, in a thread as the API runs it, on PostgreSQL.

Every --every rows: rows/s of the window, RSS, live Python blocks (sys.getallocatedblocks), pymalloc arenas in use
(1 MiB each) and the candidate records loaded per row so far. RSS rising while live blocks stay flat is
fragmentation (arenas pinned by a few long-lived objects), not a leak. Faster than bench/import_million.py (no
HTTP, no upload) and comparable run against run: start two with different --batch at the same time.
Run: .venv/bin/python bench/import_memory.py --db chaine_import_memory [--rows 160000] [--batch 500]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CHAINE_DATA_DIR", tempfile.mkdtemp(prefix="chaine-import-memory-"))

from bench.import_million import _csv  # noqa: E402
from bench.intake import _fresh_database  # noqa: E402
from campaigns.accounts.partners import add_partner  # noqa: E402
from campaigns.intake import jobs  # noqa: E402
from campaigns.linkage import store  # noqa: E402
from campaigns.platform.collector import tune_collector  # noqa: E402
from campaigns.platform.settings import Settings  # noqa: E402
from campaigns.runtime import migrate  # noqa: E402
from campaigns.runtime.root import Runtime, utc_now  # noqa: E402


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return float("nan")


def _arenas() -> str:
    """pymalloc's arenas in use, read from sys._debugmallocstats (it writes to file descriptor 2)."""
    with tempfile.TemporaryFile() as out:
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        found = re.search(rb"# arenas allocated current\s*=\s*([\d,]+)", out.read())
    return found.group(1).decode() if found else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="database created afresh on the local PostgreSQL")
    parser.add_argument("--rows", type=int, default=160_000)
    parser.add_argument("--batch", type=int, default=0, help="CHAINE_IMPORT_BATCH_SIZE (default: the setting's)")
    parser.add_argument("--every", type=int, default=10_000)
    parser.add_argument("--streets", type=int, default=1500, help="as bench/import_million.py (0: the nine streets)")
    parser.add_argument("--experiment", choices=("none", "trim", "clear", "both"), default="none",
                        help="bench-only: malloc_trim(0) after each batch, clear the caches every 50,000 rows")
    args = parser.parse_args()
    url = _fresh_database(args.db)
    runtime = Runtime(Settings(database_url=url, **({"import_batch_size": args.batch} if args.batch else {})))
    migrate.upgrade(runtime.engine)
    body, _bad = _csv(args.rows, args.streets)
    with runtime.session_factory.begin() as session:
        partner = add_partner(session, name="Habitat 44", kind="bailleur_social", now=utc_now())
        job_id = jobs.create_import(session, partner=partner, source="csv", payload=body, now=utc_now()).id
    del body
    tune_collector()  # as the API does once started

    loaded = [0]
    load_records = store.load_records

    def counting_load(session: Any, case_ids: Collection[int], **kwargs: Any) -> dict[int, Any]:
        found = load_records(session, case_ids, **kwargs)
        loaded[0] += len(found)
        return found

    store.load_records = counting_load
    apply_batch: Callable[..., None] = jobs._apply_batch
    window = {"next": 0, "rows": 0, "at": time.perf_counter(), "cpu": time.process_time(), "cleared": 0}
    started, cpu_started = time.perf_counter(), time.process_time()
    import ctypes
    import functools
    libc = ctypes.CDLL("libc.so.6")
    caches = [f for m in list(sys.modules.values()) if (m.__name__ or "").startswith("campaigns")
              for f in vars(m).values() if isinstance(f, functools._lru_cache_wrapper)
              and (f.cache_info().maxsize or 0) >= 4096]

    def measured(session: Any, job: Any, partner: Any, batch: list[tuple[int, Mapping[str, object]]], seen: Any,
                 *, now: datetime) -> None:
        apply_batch(session, job, partner, batch, seen, now=now)
        done = job.processed_rows
        if args.experiment in ("clear", "both") and done - window["cleared"] >= 50_000:
            window["cleared"] = done
            for cached in caches:
                cached.cache_clear()
        if args.experiment in ("trim", "both"):
            libc.malloc_trim(0)
        if done < window["next"]:
            return
        moment = time.perf_counter()
        rate = (done - window["rows"]) / (moment - window["at"])
        cpu = (time.process_time() - window["cpu"]) / max(done - window["rows"], 1) * 1e3
        window.update(next=done + args.every, rows=done, at=moment, cpu=time.process_time())
        print(f"{done:>9,} rows {moment - started:6.0f} s {rate:6.0f} rows/s {cpu:5.2f} ms CPU/row  "
              f"RSS {_status_mb('VmRSS:'):6.1f} MB  "
              f"live blocks {sys.getallocatedblocks() / 1e6:5.2f} M  arenas {_arenas():>4}  "
              f"candidates/row {loaded[0] / max(done, 1):4.1f}  load {os.getloadavg()[0]:.1f}", flush=True)

    jobs._apply_batch = measured
    print(f"before the run: RSS {_status_mb('VmRSS:'):.0f} MB, experiment {args.experiment}, {len(caches)} caches",
          flush=True)
    runner = threading.Thread(target=runtime.run_import, args=(job_id,))
    runner.start()
    runner.join()
    elapsed = time.perf_counter() - started
    cpu_row = (time.process_time() - cpu_started) / args.rows * 1e3
    print(f"{args.rows:,} rows in {elapsed:.0f} s ({args.rows / elapsed:,.0f} rows/s, {cpu_row:.2f} ms of process "
          f"CPU a row), RSS at the end "
          f"{_status_mb('VmRSS:'):.0f} MB", flush=True)


if __name__ == "__main__":
    main()
