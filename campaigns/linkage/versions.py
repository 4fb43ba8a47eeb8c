"""Versions of the linkage parameters in the database: the active one for pushes, training on the live base, and
the count of links a new version would change before it is activated (docs/domain.md §8).

Training reads (a sample of cases and their candidates through the blocking keys, as a push would) and writes one
row: it takes no lock that a push waits for. Services take a session and never commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from campaigns.crypto.columns import keyring_for
from campaigns.linkage import store as linkage_store
from campaigns.linkage.blocking import PersonRecord, hashed_keys
from campaigns.linkage.parameters import Parameters, defaults
from campaigns.linkage.scoring import compare
from campaigns.linkage.training import train
from campaigns.locale.labels import plural
from campaigns.models import Case, LinkageParameterSet

_cache: dict[str, Parameters] = {}


def active_parameters(session: Session) -> Parameters:
    """The active version (one indexed row read per push; parsed once per process), else the shipped defaults."""
    version = session.scalar(select(LinkageParameterSet.version).where(LinkageParameterSet.active))
    if version is None:
        return defaults()
    if version not in _cache:
        data = session.scalar(select(LinkageParameterSet.parameters).where(LinkageParameterSet.version == version))
        _cache[version] = Parameters.from_json(data or {})
    return _cache[version]


def load_version(session: Session, version: str) -> Parameters | None:
    if version == defaults().version:
        return defaults()
    data = session.scalar(select(LinkageParameterSet.parameters).where(LinkageParameterSet.version == version))
    return Parameters.from_json(data) if data is not None else None


def save_version(session: Session, params: Parameters, *, now: datetime) -> None:
    if session.scalar(select(LinkageParameterSet.id).where(LinkageParameterSet.version == params.version)):
        raise ValueError(f"la version « {params.version} » existe déjà")
    session.add(LinkageParameterSet(version=params.version, created_at=now, active=False,
                                    parameters=params.to_json()))
    session.flush()


def activate(session: Session, version: str, *, now: datetime) -> None:
    """Makes `version` the active one (the shipped defaults' version: no stored version is active)."""
    if version != defaults().version and not session.scalar(
            select(LinkageParameterSet.id).where(LinkageParameterSet.version == version)):
        raise ValueError(f"version « {version} » inconnue")
    session.execute(update(LinkageParameterSet).where(LinkageParameterSet.active).values(active=False))
    session.execute(update(LinkageParameterSet).where(LinkageParameterSet.version == version)
                    .values(active=True, activated_at=now))


def list_versions(session: Session) -> list[tuple[str, datetime, bool]]:
    rows = session.execute(select(LinkageParameterSet.version, LinkageParameterSet.created_at,
                                  LinkageParameterSet.active).order_by(LinkageParameterSet.created_at))
    return [(version, created, bool(active)) for version, created, active in rows]


@dataclass(frozen=True, slots=True)
class Sample:
    """Sampled cases (first `searched` records) and their candidates, with each one's household."""

    records: list[PersonRecord]
    households: list[int]
    pairs: set[tuple[int, int]]
    searched: int
    population: int


def sample_pairs(session: Session, *, limit: int) -> Sample:
    """Up to `limit` cases taken evenly over the base, and the candidates a push of each would compare it with."""
    population = session.scalar(select(func.count(Case.id))) or 0
    stride = max(population // max(limit, 1), 1)
    ids = list(session.scalars(select(Case.id).where(Case.id % stride == 0).order_by(Case.id).limit(limit)))
    sampled = linkage_store.load_records(session, ids)
    order = [case for case in ids if case in sampled]
    records = [sampled[case][1] for case in order]
    keyring = keyring_for(session.get_bind().dialect)
    found = linkage_store.find_candidates(session, [hashed_keys(record, keyring) for record in records])
    others = {case for cases in found.pairs.values() for case in cases} - set(order)
    known = {**sampled, **linkage_store.load_records(session, others)}
    index = {case: i for i, case in enumerate(order)}
    for case in others:
        if case in known:
            index[case] = len(records)
            records.append(known[case][1])
    pairs = {(i, index[case]) for i, cases in found.pairs.items() for case in cases
             if case in index and index[case] != i}
    households = [0] * len(records)
    for case, position in index.items():
        households[position] = known[case][0]
    return Sample(records, households, pairs, len(order), population)


def train_on_base(session: Session, *, version: str, limit: int, seed: int) -> Parameters:
    """New parameters from a sample of the base (not saved: `save_version`)."""
    sample = sample_pairs(session, limit=limit)
    return train(sample.records, version=version, seed=seed, pairs=sample.pairs, searched=sample.searched,
                 population=sample.population, start=active_parameters(session),
                 note=f"base : {plural(sample.searched, 'dossier échantillonné', 'dossiers échantillonnés')} sur "
                      f"{sample.population}")


def changed_links(sample: Sample, current: Parameters, candidate: Parameters) -> Counter[str]:
    """How the sampled pairs' decisions would change: links made and undone, reviews added and removed."""
    changes: Counter[str] = Counter()
    for i, j in sorted(sample.pairs):
        a, b = sample.records[i], sample.records[j]
        before, after = compare(a, b, current).decision, compare(a, b, candidate).decision
        changes["paires comparées"] += 1
        if before != after:
            changes[f"{_FRENCH[before]} -> {_FRENCH[after]}"] += 1
            if sample.households[i] == sample.households[j] and before == "match":
                changes["liens actuels qui ne seraient plus faits"] += 1
            elif sample.households[i] != sample.households[j] and after == "match":
                changes["nouveaux liens"] += 1
    return changes


_FRENCH = {"match": "lien", "review": "à examiner", "non_match": "pas de lien"}


def compare_versions(session: Session, candidate: Parameters, *, limit: int) -> Counter[str]:
    return changed_links(sample_pairs(session, limit=limit), active_parameters(session), candidate)


__all__: Sequence[str] = ("activate", "active_parameters", "changed_links", "compare_versions", "list_versions",
                          "load_version", "sample_pairs", "save_version", "train_on_base")
