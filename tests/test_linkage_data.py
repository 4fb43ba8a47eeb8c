"""The independent linkage data generator (bench/linkage_data.py, issue 17): deterministic per seed, and its truth
agrees with the rows it writes (docs/domain.md §8: rows of one household across partners)."""

from __future__ import annotations

from collections import defaultdict

from bench.linkage_data import PARTNERS, generate

REQUIRED = ("reference", "stade", "nom", "prenom", "commune")


def test_same_seed_same_rows_and_truth() -> None:
    first, second = generate(300, seed=5), generate(300, seed=5)
    assert first.rows == second.rows
    assert first.truth == second.truth
    other = generate(300, seed=6)
    assert other.rows != first.rows


def test_truth_covers_every_row_once() -> None:
    dataset = generate(500, seed=11)
    assert set(dataset.rows) == {name for name, _kind in PARTNERS}
    keys = [(partner, row["reference"]) for partner, rows in dataset.rows.items() for row in rows]
    assert len(keys) == len(set(keys)) == len(dataset.truth) == dataset.size
    assert set(keys) == set(dataset.truth)
    households = set(dataset.truth.values())
    assert households == set(range(500))  # every household reaches at least one partner
    for rows in dataset.rows.values():
        for row in rows:
            assert all(row.get(field) for field in REQUIRED), row


def test_households_span_partners_and_namesakes_are_apart() -> None:
    dataset = generate(2_000, seed=3)
    partners_of: dict[int, set[str]] = defaultdict(set)
    for (partner, _reference), household in dataset.truth.items():
        partners_of[household].add(partner)
    # A household appears at most once per partner, and many appear at several partners.
    per_partner = defaultdict(int)
    for (partner, _reference), household in dataset.truth.items():
        per_partner[(partner, household)] += 1
    assert max(per_partner.values()) == 1
    assert sum(len(p) > 1 for p in partners_of.values()) > 600
    assert 1.5 < dataset.size / 2_000 < 2.2
    # Namesakes exist: the same bailleur first name, surname and birth date in two different households.
    by_identity: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for row in dataset.rows["Bailleur"]:
        if "date_naissance" in row:
            identity = (row["nom"].replace(" ", "").replace("-", ""), row["prenom"], row["date_naissance"])
            by_identity[identity].add(dataset.truth[("Bailleur", row["reference"])])
    assert any(len(households) > 1 for households in by_identity.values())
