"""Pushes that overlap in time (PostgreSQL): linked without locks, checked under them, done again when they lost."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text

from campaigns.intake import cases as households
from campaigns.intake.jobs import push_items
from campaigns.linkage import store as linkage_store
from campaigns.models import Case, CaseChange, Dispatch, Household, LinkReview, Partner, StageEntry
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import campaign, signalement

# Someone else entirely, at another address: another household than the factory's signalement.
_OTHER_PERSON = {"nom": "Le Goff", "prenom": "Yann", "date_naissance": "02/02/1970", "adresse": "3 place Royale",
                 "telephone": "06 99 99 99 99", "numero_allocataire": "7654321"}


def _push(runtime: Runtime, partner_id: int, rows: list[dict[str, Any]]) -> dict[str, int]:
    with runtime.session_factory.begin() as session:
        job = push_items(session, partner=session.get_one(Partner, partner_id), items=rows, now=runtime.clock())
        assert job.rejected_count == 0
        return {"created": job.created_count, "unchanged": job.unchanged_count, "updated": job.updated_count}


Hook = Callable[[object, str, Callable[[], object]], None]


@pytest.fixture
def before_first_call(monkeypatch: pytest.MonkeyPatch) -> Hook:
    """Runs an action once, in the pushing thread, just before the first call of `module.name`: as if another
    push had committed, or started, at that moment."""

    def install(module: object, name: str, action: Callable[[], object]) -> None:
        real = getattr(module, name)
        pending = [action]

        def hooked(*args: Any, **kwargs: Any) -> Any:
            if pending:
                pending.pop()()
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, hooked)

    return install


@pytest.fixture
def before_first_lock(before_first_call: Hook) -> Callable[[Callable[[], object]], None]:
    """Before the first push takes the blocks' locks: after its unlocked pass."""
    return lambda action: before_first_call(linkage_store, "lock_blocks", action)


def _households(runtime: Runtime, *references: str) -> set[int]:
    with runtime.session_factory() as session:
        return set(session.scalars(select(Case.household_id).where(Case.reference.in_(references))))


def _wait_until_blocked(runtime: Runtime, thread: threading.Thread) -> None:
    """Until another connection of the test database waits on a lock (the other push, blocked by this one)."""
    deadline = time.monotonic() + 20
    with runtime.engine.connect() as conn:
        while time.monotonic() < deadline and thread.is_alive():
            waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND wait_event_type = 'Lock'")).scalar_one()
            if waiting:
                return
            conn.rollback()  # pg_stat_activity is read once per transaction: the next look needs a new one
            time.sleep(0.05)
    raise AssertionError("the other push never waited on this one")


def test_a_match_committed_meanwhile_makes_the_batch_link_again(
    pg_runtime: Runtime, before_first_lock: Callable[[Callable[[], object]], None], caplog: pytest.LogCaptureFixture,
) -> None:
    runtime = pg_runtime
    bailleur, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    ddets, _ = new_partner(runtime, "DDETS 44", "etat")
    # The DDETS's row commits while the bailleur's batch, which did not see it, is about to lock.
    before_first_lock(lambda: _push(runtime, ddets, [signalement("E-1", nom="BENALI", numero_allocataire=None)]))
    with caplog.at_level(logging.INFO, logger="campaigns.intake.batches"):
        counts = _push(runtime, bailleur, [signalement("B-1"), signalement("B-2", **_OTHER_PERSON)])
    assert counts["created"] == 2
    assert "linked again" in caplog.text
    assert len(_households(runtime, "B-1", "E-1")) == 1
    with runtime.session_factory() as session:
        assert session.scalar(select(func.count(Household.id))) == 2
        assert session.scalar(select(func.count()).select_from(LinkReview)) == 0


def test_a_batch_linked_again_records_its_updates_once(
    pg_runtime: Runtime, before_first_lock: Callable[[Callable[[], object]], None], caplog: pytest.LogCaptureFixture,
) -> None:
    runtime = pg_runtime
    bailleur, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    ddets, _ = new_partner(runtime, "DDETS 44", "etat")
    _push(runtime, bailleur, [signalement("B-2", **_OTHER_PERSON)])
    before_first_lock(lambda: _push(runtime, ddets, [signalement("E-1", nom="BENALI", numero_allocataire=None)]))
    # B-2 moves on (an update) in the same batch as B-1, whose household the DDETS commits meanwhile.
    with caplog.at_level(logging.INFO, logger="campaigns.intake.batches"):
        counts = _push(runtime, bailleur, [signalement("B-1"), signalement("B-2", stade="assignation",
                                                                             **_OTHER_PERSON)])
    assert "linked again" in caplog.text
    assert (counts["created"], counts["updated"]) == (1, 1)
    assert len(_households(runtime, "B-1", "E-1")) == 1
    with runtime.session_factory() as session:
        changes = session.scalars(select(CaseChange)).all()
        stage = session.scalar(select(Case.stage).where(Case.reference == "B-2"))
    assert [(c.old_stage, c.new_stage) for c in changes] == [("commandement_de_payer", "assignation")]
    assert stage == "assignation"


def test_a_likely_match_committed_meanwhile_becomes_a_review_without_linking_again(
    pg_runtime: Runtime, before_first_lock: Callable[[Callable[[], object]], None], caplog: pytest.LogCaptureFixture,
) -> None:
    runtime = pg_runtime
    bailleur, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    ddets, _ = new_partner(runtime, "DDETS 44", "etat")
    # Same person and address, a birth date twenty years off, no shared phone or CAF number: a review, not a
    # match (two years off, as before, is now weighed and linked: a date keyed wrong).
    likely = signalement("E-1", date_naissance="21/07/1965", telephone=None, numero_allocataire=None)
    before_first_lock(lambda: _push(runtime, ddets, [likely]))
    with caplog.at_level(logging.INFO, logger="campaigns.intake.batches"):
        _push(runtime, bailleur, [signalement("B-1")])
    assert "linked again" not in caplog.text
    assert len(_households(runtime, "B-1", "E-1")) == 2
    with runtime.session_factory() as session:
        review = session.scalars(select(LinkReview)).one()
        cases = {reference: case_id for reference, case_id in session.execute(select(Case.reference, Case.id))}
    # Recorded as the serial order would have: the later push's case, towards the earlier one.
    assert (review.case_id, review.candidate_case_id, review.status) == (cases["B-1"], cases["E-1"], "pending")


def test_a_household_already_proposed_is_not_proposed_again(
    pg_runtime: Runtime, before_first_lock: Callable[[Callable[[], object]], None],
) -> None:
    runtime = pg_runtime
    bailleur, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    ddets, _ = new_partner(runtime, "DDETS 44", "etat")
    caf, _ = new_partner(runtime, "CAF 44", "caf")
    # A review (a birth date twenty years off, nothing shared: two generations, or a keying error).
    likely = {"date_naissance": "21/07/1965", "telephone": None, "numero_allocataire": None}
    _push(runtime, ddets, [signalement("E-1", **likely)])
    # The CAF's case of the same household commits meanwhile: the bailleur's row is as likely to belong with it.
    before_first_lock(lambda: _push(runtime, caf, [signalement("C-1", **likely)]))
    _push(runtime, bailleur, [signalement("B-1")])
    assert len(_households(runtime, "E-1", "C-1")) == 1
    with runtime.session_factory() as session:
        reviews = session.scalars(select(LinkReview)).all()
        cases = {reference: case_id for reference, case_id in session.execute(select(Case.reference, Case.id))}
    assert [(r.case_id, r.candidate_case_id) for r in reviews] == [(cases["B-1"], cases["E-1"])]


def test_the_same_references_pushed_twice_at_once_make_each_case_once(
    pg_runtime: Runtime, before_first_lock: Callable[[Callable[[], object]], None],
) -> None:
    runtime = pg_runtime
    bailleur, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    rows = [signalement(f"B-{i}", nom=f"Nom{i}", date_naissance=f"{i + 1:02d}/01/1980", adresse=f"{i + 1} rue Neuve",
                        numero_allocataire=f"{1000 + i}", telephone=None) for i in range(20)]
    second: dict[str, Any] = {}

    def push_again() -> None:
        second.update(_push(runtime, bailleur, rows))

    other = threading.Thread(target=push_again)

    def start_other_push() -> None:
        # The same list, same partner, from another process: its insert of the cases waits on this push's ones.
        other.start()
        _wait_until_blocked(runtime, other)

    before_first_lock(start_other_push)
    first = _push(runtime, bailleur, rows)
    other.join(30)
    assert first["created"] == 20
    assert second == {"created": 0, "unchanged": 20, "updated": 0}
    with runtime.session_factory() as session:
        assert session.scalar(select(func.count(Case.id))) == 20
        assert session.scalar(select(func.count(Household.id))) == 20


def _moving_world(runtime: Runtime) -> tuple[int, int]:
    """A household at impayé (the bailleur's case), a campaign writing at each stage: (DDETS, Département) partner
    ids; both move a shared household (docs/security.md, rule 6)."""
    ddets, _ = new_partner(runtime, "DDETS 44", "etat")
    bailleur, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    department, _ = new_partner(runtime, "Département 44", "departement")
    campaign(runtime, owner="DDETS 44", stages=["impaye", "commandement_de_payer", "assignation"],
             steps=[{"channel": "courrier", "template": "information_etat"}])
    _push(runtime, bailleur, [signalement("B-1", stade="impaye")])
    return ddets, department


def _assert_one_open_stage(runtime: Runtime) -> None:
    (household,) = _households(runtime, "B-1", "E-1", "C-1")
    with runtime.session_factory() as session:
        stage = session.scalar(select(Household.stage).where(Household.id == household))
        open_entries = session.scalars(select(StageEntry.stage).where(
            StageEntry.household_id == household, StageEntry.left_at.is_(None))).all()
        planned = session.scalars(select(Dispatch.stage).where(
            Dispatch.household_id == household, Dispatch.status == "planned")).all()
    assert stage == "assignation"
    assert open_entries == ["assignation"]
    assert planned == ["assignation"]  # the earlier stages' letters were cancelled, not left to go out


def test_a_stage_move_committed_meanwhile_is_read_before_moving_the_household(
    pg_runtime: Runtime, before_first_lock: Callable[[Callable[[], object]], None],
) -> None:
    runtime = pg_runtime
    ddets, department = _moving_world(runtime)
    # The Département's push (assignation) commits while the DDETS's (commandement de payer) is about to lock.
    before_first_lock(lambda: _push(runtime, department, [signalement("C-1", stade="assignation")]))
    _push(runtime, ddets, [signalement("E-1", stade="commandement_de_payer")])
    _assert_one_open_stage(runtime)


def test_a_push_joining_a_household_being_moved_waits_for_the_move(
    pg_runtime: Runtime, before_first_call: Hook,
) -> None:
    runtime = pg_runtime
    ddets, department = _moving_world(runtime)
    other = threading.Thread(target=_push, args=(runtime, department, [signalement("C-1", stade="assignation")]))

    def start_other_push() -> None:
        # This push holds the blocks and the household, and is moving it: the Département's waits for its locks.
        other.start()
        _wait_until_blocked(runtime, other)

    before_first_call(households, "apply_household_stages", start_other_push)
    _push(runtime, ddets, [signalement("E-1", stade="commandement_de_payer")])
    other.join(30)
    assert not other.is_alive()
    _assert_one_open_stage(runtime)


def test_six_partners_pushing_the_same_households_at_once_group_them_exactly(pg_runtime: Runtime) -> None:
    runtime = pg_runtime
    names = ["DDETS 44", "Habitat 44", "CAF 44", "CCAS Nantes", "ADIL 44", "Département 44"]
    kinds = ["etat", "bailleur_social", "caf", "ccas", "adil", "departement"]
    partners = [new_partner(runtime, name, kind)[0] for name, kind in zip(names, kinds, strict=True)]
    campaign(runtime, owner="DDETS 44", stages=["impaye", "commandement_de_payer", "assignation"],
             steps=[{"channel": "courrier", "template": "information_etat"}])
    stages = ["impaye", "commandement_de_payer", "assignation"]
    rng = random.Random(7)
    lists: list[list[dict[str, Any]]] = [[] for _ in partners]
    truth: dict[str, int] = {}  # reference -> true household
    for person in range(120):
        identity = {"nom": f"Famille{person:03d}", "prenom": rng.choice(["Léa", "Paul", "Fatou", "Yann", "Inès"]),
                    "date_naissance": f"{1 + person % 28:02d}/{1 + person % 12:02d}/{1950 + person % 50}",
                    "adresse": f"{person + 1} rue des Lilas", "numero_allocataire": None,
                    "telephone": f"06 12 {person // 100:02d} {person % 100:02d} 00"}
        for partner in rng.sample(range(len(partners)), rng.randint(2, 4)):
            reference = f"P{partner}-{person}"
            nom = identity["nom"].upper() if partner % 2 else identity["nom"]
            lists[partner].append(signalement(reference, **{**identity, "nom": nom}, stade=rng.choice(stages)))
            truth[reference] = person
    barrier = threading.Barrier(len(partners))
    errors: list[BaseException] = []

    def push_all(index: int) -> None:
        try:
            barrier.wait(10)
            rows = lists[index]
            for start in range(0, len(rows), 15):
                _push(runtime, partners[index], rows[start:start + 15])
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=push_all, args=(index,)) for index in range(len(partners))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    with runtime.session_factory() as session:
        found = {reference: household for reference, household in session.execute(
            select(Case.reference, Case.household_id))}
        # The households' own stays (a bailleur's case at another stage has its own: docs/security.md, rule 7).
        open_entries = session.execute(select(StageEntry.household_id, StageEntry.id)
                                       .where(StageEntry.left_at.is_(None), StageEntry.case_id.is_(None))).all()
        current = {household: entry for household, entry in session.execute(
            select(Household.id, Household.current_entry_id))}
        planned = session.execute(select(Dispatch.household_id, Dispatch.stage_entry_id)
                                  .where(Dispatch.status == "planned")).all()
    assert len(found) == len(truth)
    groups = {person: {found[ref] for ref, p in truth.items() if p == person} for person in set(truth.values())}
    assert all(len(households) == 1 for households in groups.values())  # each family on one household
    assert len({next(iter(h)) for h in groups.values()}) == 120 == len(current)  # and no two families on one
    assert sorted(household for household, _ in open_entries) == sorted(current)  # one open stage each
    assert all(current[household] == entry for household, entry in open_entries)
    assert sorted(household for household, _ in planned) == sorted(current)  # one letter planned each ...
    assert all(current[household] == entry for household, entry in planned)  # ... for its current stage
