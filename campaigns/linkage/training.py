"""Training of the linkage parameters from unlabelled records, as splink does (no labelled pairs are needed).

1. u, P(level | two records taken at random): exact agreements from the value frequencies (sum of squared
   frequencies of names, birth dates, buildings, phones...: exact, where sampling would see too few), the other
   levels by comparing random pairs of records.
2. m, P(level | same household): expectation–maximisation over the blocked pairs (the pairs that share a blocking
   key, those the service compares), u held fixed; the prior (share of blocked pairs that are matches) with it.
3. Term frequencies of the surnames and first names more common than the average agreement, so that an exact
   Martin, Nguyen or Diallo weighs less (campaigns/linkage/parameters.py); rarer names are not stored.

Pure computation on records in memory: the offline script (bench/train_linkage.py) and the operator's command
(`chaine rapprochement entrainer`, campaigns/linkage/versions.py) feed it.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

from campaigns.linkage.blocking import PersonRecord, RecordFeatures, stored_keys
from campaigns.linkage.levels import LEVELS
from campaigns.linkage.parameters import TF_FIELDS, Parameters
from campaigns.linkage.scoring import comparison_vector

BLOCK_LIMIT = 200  # as the store's BLOCK_CAP: larger blocks are not searched online, nor counted here
_FIELDS = tuple(LEVELS)
_Levels = tuple[str | None, ...]


def bootstrap() -> Parameters:
    """Neutral starting point: agreement levels likelier among matches, u uniform. Only used to pick the reading
    of a pair (which co-tenant, inverted fields) before the first estimate."""
    m: dict[str, dict[str, float]] = {}
    u: dict[str, dict[str, float]] = {}
    for name, levels in LEVELS.items():
        raw = [0.5 ** i for i in range(len(levels))]
        m[name] = {level: value / sum(raw) for level, value in zip(levels, raw, strict=True)}
        u[name] = dict.fromkeys(levels, 1 / len(levels))
    return Parameters(version="bootstrap", m=m, u=u, prior=0.1)


def blocked_pairs(records: Sequence[PersonRecord], *, limit: int = BLOCK_LIMIT) -> set[tuple[int, int]]:
    """Pairs of records sharing one stored blocking key, blocks above `limit` left out (as online)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        for key in {key for key, _kind in stored_keys(record)}:
            blocks[key].append(index)
    return {pair for members in blocks.values() if 1 < len(members) <= limit for pair in combinations(members, 2)}


def _vectors(records: Sequence[PersonRecord], pairs: Iterable[tuple[int, int]], params: Parameters
             ) -> Counter[_Levels]:
    counts: Counter[_Levels] = Counter()
    for i, j in pairs:
        levels = comparison_vector(records[i], records[j], params).levels()
        counts[tuple(levels[name] for name in _FIELDS)] += 1
    return counts


def _frequencies(values: Iterable[Hashable]) -> tuple[Counter[Hashable], int]:
    counter = Counter(v for v in values if v)
    return counter, sum(counter.values())


def _agreement(values: Iterable[Hashable]) -> float:
    """P(two random records that both have the value share it) = sum of squared frequencies."""
    counter, total = _frequencies(values)
    return sum(n * n for n in counter.values()) / total ** 2 if total else 0.0


def _name(value: Any) -> str:
    return min(value.keys, key=lambda key: (len(key), key)) if value else ""


def _building(f: RecordFeatures) -> str:
    street = f.street
    return f"{f.postcode}|{street.street_name}|{street.number}{street.suffix}" if street and street.number else ""


_EXACT: dict[str, tuple[tuple[str, ...], Callable[[PersonRecord], Hashable]]] = {
    "nom": (("exact",), lambda r: _name(r.features.people[0].nom)),
    "prenom": (("exact",), lambda r: _name(r.features.people[0].prenom)),
    "date_naissance": (("equal",), lambda r: r.date_naissance),
    "lieu": (("logement", "immeuble", "autre_logement"), lambda r: _building(r.features)),
    "telephone": (("same_mobile", "same_landline"), lambda r: r.features.phone),
    "email": (("same",), lambda r: r.features.email),
    "numero_allocataire": (("same",), lambda r: r.features.allocataire),
}


def estimate_u(records: Sequence[PersonRecord], params: Parameters, *, samples: int, rng: random.Random
               ) -> dict[str, dict[str, float]]:
    """u per level: random pairs (add-one smoothing), exact agreements replaced by their value frequencies."""
    n = len(records)
    pairs = ((i, j) for i, j in (rng.sample(range(n), 2) for _ in range(samples)))
    counts = _vectors(records, pairs, params)
    u: dict[str, dict[str, float]] = {}
    for position, (name, levels) in enumerate(LEVELS.items()):
        seen: dict[str, float] = dict.fromkeys(levels, 1.0)
        for vector, count in counts.items():
            level = vector[position]
            if level is not None:
                seen[level] += count
        total = sum(seen.values())
        u[name] = {level: seen[level] / total for level in levels}
        exact_levels, value = _EXACT[name]
        agreement = _agreement(value(r) for r in records)
        if agreement:
            # The exact levels share the computed agreement in the sampled proportions; the others the rest.
            sampled = sum(u[name][level] for level in exact_levels)
            rest = 1 - sampled
            for level in levels:
                share = u[name][level]
                u[name][level] = (agreement * share / sampled if level in exact_levels
                                  else (1 - agreement) * share / rest)
    return u


def estimate_m(counts: Counter[_Levels], u: dict[str, dict[str, float]], start: Parameters, *,
               iterations: int) -> tuple[dict[str, dict[str, float]], float]:
    """EM on the blocked pairs' vectors with u fixed: (m, prior)."""
    m = {name: dict(levels) for name, levels in start.m.items()}
    prior = start.prior
    vectors = list(counts.items())
    for _ in range(iterations):
        expected: dict[str, dict[str, float]] = {name: defaultdict(float) for name in _FIELDS}
        matched = 0.0
        for vector, count in vectors:
            log_ratio = sum(math.log(max(m[name][level], 1e-9) / max(u[name][level], 1e-9))
                            for name, level in zip(_FIELDS, vector, strict=True) if level is not None)
            odds = prior / (1 - prior) * math.exp(min(log_ratio, 700.0))
            weight = count * (odds / (1 + odds) if math.isfinite(odds) else 1.0)
            matched += weight
            for name, level in zip(_FIELDS, vector, strict=True):
                if level is not None:
                    expected[name][level] += weight
        prior = min(max(matched / sum(counts.values()), 1e-6), 1 - 1e-6)
        for name, levels in LEVELS.items():
            total = sum(expected[name].values()) + 0.01 * len(levels)
            m[name] = {level: (expected[name][level] + 0.01) / total for level in levels}
    return m, prior


def term_frequencies(records: Sequence[PersonRecord], u: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Names whose frequency exceeds the average exact agreement u: only those weigh less than the level."""
    tf: dict[str, dict[str, float]] = {}
    for name in TF_FIELDS:
        counter, total = _frequencies(_name(getattr(person, name)) for r in records for person in r.features.people)
        floor = u[name]["exact"]
        tf[name] = {str(value): round(n / total, 6) for value, n in counter.most_common()
                    if total and n / total > floor and n >= 5}
    return tf


# A household reported at another address of the same town (a move, a mailing address, the CAF's address for the
# allocataire) is common in partners' files but rare in any training sample: EM then learns almost 0 for these
# levels (about 1e-6), which turns every move within a town into a certain non-match. The m of these levels has a
# floor (an assumption, docs/benchmarks.md « Linkage »): 1 % for another street or another part of the same
# commune, 0.5 % for another commune of the département; the other levels are scaled to keep a distribution.
MOVE_FLOORS = {"rue": 0.01, "commune": 0.01, "commune_seule": 0.01, "departement": 0.005}


def floor_moves(m: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """`m` with the place levels of a move raised to their floor (MOVE_FLOORS), the place levels summing to 1."""
    place = dict(m.get("lieu", {}))
    if not place:
        return m
    raised = {level: max(place.get(level, 0.0), floor) for level, floor in MOVE_FLOORS.items() if level in place}
    added = sum(raised.values()) - sum(place[level] for level in raised)
    rest = [level for level in place if level not in raised]
    scale = (sum(place[level] for level in rest) - added) / sum(place[level] for level in rest)
    return {**m, "lieu": {level: raised[level] if level in raised else place[level] * scale for level in place}}


def train(records: Sequence[PersonRecord], *, version: str, seed: int = 17, samples: int = 200_000,
          iterations: int = 30, start: Parameters | None = None, note: str = "",
          pairs: set[tuple[int, int]] | None = None, searched: int | None = None,
          population: int | None = None) -> Parameters:
    """New parameters from records (a sample of the base, or generated rows).

    `pairs`: the blocked pairs among `records`, else computed here; with `searched`, they are the pairs of the
    first `searched` records with their candidates in the database's blocks (each match seen from one side);
    `population`: the number of records in the base, for the prior (that of two random records)."""
    if len(records) < 2:
        raise ValueError("au moins deux dossiers sont nécessaires pour l'entraînement")
    rng = random.Random(seed)
    start = start or bootstrap()
    u = estimate_u(records, start, samples=samples, rng=rng)
    pairs = blocked_pairs(records) if pairs is None else pairs
    if not pairs:
        raise ValueError("aucune paire candidate : trop peu de dossiers pour l'entraînement")
    counts = _vectors(records, pairs, start)
    m, prior = estimate_m(counts, u, start, iterations=iterations)
    # Second pass: the reading of each pair (co-tenants, inverted fields) picked with the learned weights.
    first = Parameters(version=version, m=m, u=u, prior=prior)  # the blocked prior: EM's own starting point
    counts = _vectors(records, pairs, first)
    m, blocked_prior = estimate_m(counts, u, first, iterations=iterations)
    m = floor_moves(m)
    # The prior that goes with u from random pairs is that of random pairs: expected matches over all pairs.
    size = population or len(records)
    matched = blocked_prior * len(pairs)
    matches_per_record = matched / searched if searched else 2 * matched / len(records)
    prior = min(matches_per_record / max(size - 1, 1), 0.5)
    trained = {"records": len(records), "blocked_pairs": len(pairs), "random_pairs": samples,
               "iterations": iterations, "blocked_prior": round(blocked_prior, 6), "seed": seed,
               "at": datetime.now(UTC).isoformat(timespec="seconds"),
               "method": "u: paires aléatoires et fréquences des valeurs ; m : EM sur les paires des blocs",
               "note": note}
    return Parameters(version=version, m=_rounded(m), u=_rounded(u), prior=float(f"{prior:.6g}"),
                      match_probability=start.match_probability, review_probability=start.review_probability,
                      tf=term_frequencies(records, u), trained=trained)


def _rounded(table: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {name: {level: float(f"{value:.6g}") for level, value in levels.items()} for name, levels in table.items()}
