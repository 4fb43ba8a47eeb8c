"""CPU per pushed row, stage by stage, of intake run in this process on PostgreSQL (no HTTP, no other client).

Each batch goes through `push_items` as the API's JSON push does (parsing, linkage, cases, households, planning)
in its own transaction. The functions of each stage are wrapped with a CPU timer (time.process_time; a stage's
time excludes the stages it calls, so the figures add up to the total); what no stage claims is "other" (SQL
compilation, the ORM, the job and its report). PostgreSQL's own CPU is not counted: it is another process.

Rows: `--generator households` (default) pushes bench/households.py's partners' lists (names repeat as in life,
corruptions, co-tenants); `--generator intake` pushes bench/intake.py's rows (one bailleur, then 15 % of its
households again by the DDETS). `--base N` first loads N households with the bulk helpers (as bench/households.py).
`--cprofile FILE` writes a cProfile of the pushes instead (stage figures then include the profiler's overhead).
Run: PYTHONPATH=. .venv/bin/python bench/intake_profile.py [--rows 20000] [--generator households|intake]
     [--base 0] [--batch 5000] [--cprofile /tmp/intake.prof]
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import hashlib
import importlib
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.generate import household_rows  # noqa: E402
from bench.households import PARTNERS, STAGES, World, load_base, make_pushes, row, setup_partners  # noqa: E402
from bench.intake import _fresh_database  # noqa: E402
from campaigns.platform.settings import Settings  # noqa: E402
from campaigns.runtime.root import Runtime  # noqa: E402

# (stage, module, attribute): the functions whose CPU time makes each stage. An attribute "Class.method" wraps a
# method. Functions are wrapped where their callers look them up (the module that imports them by name).
STAGES_OF_INTAKE: tuple[tuple[str, str, str], ...] = (
    ("parsing", "campaigns.intake.jobs", "parse_row"),
    ("parsing", "campaigns.intake.jobs", "repair_mapping"),
    ("features", "campaigns.linkage.blocking", "PersonRecord._features"),
    ("key hashing", "campaigns.intake.cases", "hashed_keys"),
    ("candidate search", "campaigns.linkage.store", "find_candidates"),
    ("candidate search", "campaigns.linkage.store", "load_records"),
    ("candidate search", "campaigns.linkage.store", "declined_pairs"),
    ("scoring", "campaigns.linkage.matching", "household_comparison"),
    ("scoring", "campaigns.linkage.matching", "_decide"),
    ("insert cases", "campaigns.intake.cases", "insert_returning_ids"),
    ("insert cases", "campaigns.intake.cases", "insert_households"),
    ("insert cases", "campaigns.linkage.store", "store_keys"),
    ("insert cases", "campaigns.linkage.store", "add_reviews"),
    ("planning", "campaigns.intake.cases", "first_stages"),
    ("planning", "campaigns.intake.cases", "enroll_households"),
    ("planning", "campaigns.intake.cases", "apply_household_stages"),
    ("planning", "campaigns.intake.cases", "move_case_stays"),
    ("planning", "campaigns.intake.cases", "enroll_joined"),
    ("locks and late reviews", "campaigns.intake.batches", "late_reviews"),
    ("existing cases", "campaigns.intake.cases", "_existing_cases"),
)


class StageClock:
    """Exclusive CPU time per stage: a stage called from another one is taken out of its caller's time."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self._stack: list[float] = []  # CPU time of the stages called so far by each open stage

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        clock, seconds, calls, stack = time.process_time, self.seconds, self.calls, self._stack

        def timed(*args: Any, **kwargs: Any) -> Any:
            stack.append(0.0)
            started = clock()
            try:
                return function(*args, **kwargs)
            finally:
                spent = clock() - started
                inner = stack.pop()
                seconds[stage] += spent - inner
                calls[stage] += 1
                if stack:
                    stack[-1] += spent

        return timed

    def install(self) -> None:
        for stage, module_name, path in STAGES_OF_INTAKE:
            owner: Any = importlib.import_module(module_name)
            *classes, attribute = path.split(".")
            for class_name in classes:
                owner = getattr(owner, class_name)
            setattr(owner, attribute, self.wrap(stage, getattr(owner, attribute)))


def _intake_lists(rows: int) -> dict[str, list[dict[str, Any]]]:
    """bench/intake.py's rows: a bailleur's list, then 15 % of its households again by the DDETS."""
    second = int(rows * 0.15)
    first = household_rows(rows - second)
    repeats = [{**r, "reference": f"E{i:07d}", "nom": r["nom"].upper(), "numero_allocataire": None}
               for i, r in enumerate(first[:second])]
    clean = [{k: v for k, v in r.items() if v is not None} for r in first]
    return {"Habitat social": clean, "DDETS": [{k: v for k, v in r.items() if v is not None} for r in repeats]}


def _batches(lists: dict[str, list[dict[str, Any]]], size: int, *, interleaved: bool
             ) -> list[tuple[str, list[dict[str, Any]]]]:
    if not interleaved:
        return [(partner, items[start:start + size]) for partner, items in lists.items()
                for start in range(0, len(items), size)]
    longest = max(len(items) for items in lists.values())
    return [(partner, items[start:start + size]) for start in range(0, longest, size)
            for partner, items in lists.items() if items[start:start + size]]


def _decisions_digest(runtime: Runtime) -> str:
    """SHA-256 of the grouping of (partner, reference) into households and of the reviews proposed, whatever the
    ids: two runs of the same rows that decide alike give the same digest."""
    from sqlalchemy import text

    with runtime.engine.connect() as conn:
        cases = {case_id: (f"{partner}|{reference}", household) for case_id, partner, reference, household
                 in conn.execute(text("SELECT c.id, p.name, c.reference, c.household_id FROM cases c "
                                      "JOIN partners p ON p.id = c.partner_id"))}
        reviews = conn.execute(text("SELECT case_id, candidate_case_id, score FROM link_reviews")).all()
    groups: dict[int, list[str]] = {}
    for name, household in cases.values():
        groups.setdefault(household, []).append(name)
    lines = sorted("+".join(sorted(names)) for names in groups.values())
    lines += sorted(f"{cases[a][0]}>{cases[b][0]}:{score}" for a, b, score in reviews)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16] + f" ({len(groups):,} households, " \
        f"{len(reviews):,} reviews)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--generator", choices=["households", "intake"], default="households")
    parser.add_argument("--base", type=int, default=0, help="households loaded first (bulk, no matching)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--database", default="chaine_bench_profile")
    parser.add_argument("--cprofile", default="", help="write a cProfile of the pushes to this file")
    parser.add_argument("--digest", action="store_true",
                        help="print a digest of the households and reviews made (the same before and after a speed-up)")
    args = parser.parse_args()
    for name in ("CHAINE_DATA_KEYS", "CHAINE_BLIND_INDEX_KEY"):
        # Fixed bench keys: the blocking keys' hashes, hence the candidates, are the same from one run to the next.
        os.environ.setdefault(name, base64.b64encode(hashlib.sha256(f"bench {name}".encode()).digest()).decode())
    url = _fresh_database(args.database)
    setup_partners(url, PARTNERS)
    world = World(args.seed)
    base: list[dict[str, Any]] = []
    if args.base:
        base = [world.household(-1 - i) for i in range(args.base)]
        load_base(url, [row(world, h, f"BASE-{i}", stage, clean=True) for i, (h, stage)
                        in enumerate(zip(base, world.rng.choices(STAGES, k=args.base), strict=True))],
                  [h["number"] for h in base], now=datetime.now(UTC))
    if args.generator == "households":
        lists = make_pushes(world, args.rows, start=0, base=base)[0]
    else:
        lists = _intake_lists(args.rows)
    batches = _batches(lists, args.batch, interleaved=args.generator == "households")
    total_rows = sum(len(items) for _, items in batches)

    from campaigns.intake.jobs import push_items
    from campaigns.models import Partner
    from campaigns.platform.collector import tune_collector

    runtime = Runtime(Settings(database_url=url, data_dir=Path(f"/tmp/{args.database}")))
    with runtime.session_factory.begin() as session:
        partners = {p.name: p.id for p in session.scalars(select(Partner))}
    clock = StageClock()
    if not args.cprofile:
        clock.install()
    tune_collector()  # as the API process does once it is ready
    # Timed in CPU time of this process, as the stages: waits on PostgreSQL are not counted.
    profiler = cProfile.Profile(time.process_time) if args.cprofile else None
    created = rejected = 0
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    for partner_name, items in batches:
        with runtime.session_factory.begin() as session:
            job = push_items(session, partner=session.get_one(Partner, partners[partner_name]), items=items,
                             now=datetime.now(UTC))
            created, rejected = created + job.created_count, rejected + job.rejected_count
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.cprofile)
    cpu, elapsed = time.process_time() - cpu, time.perf_counter() - started
    digest = _decisions_digest(runtime) if args.digest else ""
    runtime.engine.dispose()
    gc.collect()
    per_row = 1e6 / total_rows
    print(f"{total_rows:,} rows ({args.generator}, base {args.base:,}) in {len(batches)} batches of up to "
          f"{args.batch:,}: created {created:,}, rejected {rejected:,}; load average {os.getloadavg()[0]:.2f}")
    print(f"CPU of this process: {cpu * per_row:.0f} µs a row ({total_rows / cpu:,.0f} rows per CPU second); "
          f"wall {elapsed:.1f} s ({total_rows / elapsed:,.0f} rows/s, PostgreSQL waits included)")
    if not args.cprofile:
        for stage, seconds in sorted(clock.seconds.items(), key=lambda item: -item[1]):
            print(f"  {stage:<24} {seconds * per_row:6.0f} µs a row  ({clock.calls[stage]:,} calls)")
        print(f"  {'other':<24} {(cpu - sum(clock.seconds.values())) * per_row:6.0f} µs a row")
    if digest:
        print(f"decisions (households and reviews) digest: {digest}")


if __name__ == "__main__":
    main()
