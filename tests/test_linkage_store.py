"""Blocking keys in the database: hashed storage, the candidate rule, huge blocks, concurrent pushes."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import func, select

from campaigns.crypto.cipher import Keyring
from campaigns.crypto.columns import keyring_for
from campaigns.intake.fields import parse_row
from campaigns.intake.jobs import push_items
from campaigns.linkage import store as linkage_store
from campaigns.linkage.blocking import KeyKind, hashed_keys, stored_keys
from campaigns.linkage.scoring import PersonRecord
from campaigns.models import BlockKey, Case, Household, Partner
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import signalement


def _push(runtime: Runtime, partner_id: int, rows: list[dict[str, Any]]) -> None:
    with runtime.session_factory.begin() as session:
        job = push_items(session, partner=session.get_one(Partner, partner_id), items=rows, now=runtime.clock())
        assert job.rejected_count == 0


def _record(**overrides: Any) -> PersonRecord:
    row, errors = parse_row(signalement(**overrides), 1, today=date(2026, 11, 25))
    assert not errors
    return PersonRecord.from_row(row)


def _case_ids(runtime: Runtime) -> dict[str, int]:
    with runtime.session_factory() as session:
        return {reference: case_id for reference, case_id in session.execute(select(Case.reference, Case.id))}


def test_keys_are_stored_as_hashes(runtime: Runtime) -> None:
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(runtime, partner_id, [signalement("B-1")])
    expected = hashed_keys(_record(), keyring_for(runtime.engine.dialect))
    with runtime.session_factory() as session:
        stored = dict(Counter(session.scalars(select(BlockKey.key_hash))))
    assert stored == dict.fromkeys(expected, 1)
    assert all(isinstance(key, int) for key in stored)
    assert set(expected.values()) == {KeyKind.PROBE, KeyKind.STORED_ONLY}


def test_stored_keys_are_keyed(runtime: Runtime) -> None:
    """A stolen block_keys table cannot be asked whether a name and a birth date are in it: without the blind index
    key, hashing a guessed key gives another number (docs/security.md)."""
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(runtime, partner_id, [signalement("B-1")])
    with runtime.session_factory() as session:
        stored = set(session.scalars(select(BlockKey.key_hash)))
    guesses = {int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)
               for key, _ in stored_keys(_record())}
    assert stored and not stored & guesses
    other = Keyring(data_keys=[bytes(32)], blind_index_key=b"another key of thirty-two bytes!")
    assert not stored & set(hashed_keys(_record(), other))


def test_candidate_records_are_read_back_as_pushed(runtime: Runtime) -> None:
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    row = signalement("B-1", nom_cotitulaire="Dubois", prenom_cotitulaire="Karim", complement_adresse="appt 3",
                      email="a.benali@exemple.fr")
    _push(runtime, partner_id, [row])
    with runtime.session_factory() as session:
        [(household_id, record)] = linkage_store.load_records(session, list(_case_ids(runtime).values())).values()
    assert record == _record(**{k: v for k, v in row.items() if k != "reference"})
    assert household_id > 0


def test_rebuilt_keys_are_the_ones_pushes_store(runtime: Runtime) -> None:
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(runtime, partner_id, [signalement("B-1"), signalement("B-2", nom="Martin", prenom="Léa", telephone=None)])
    with runtime.session_factory() as session:
        pushed = sorted(tuple(r) for r in session.execute(select(BlockKey.key_hash, BlockKey.case_id)))
    with runtime.session_factory.begin() as session:
        assert linkage_store.rebuild_keys(session, batch=1) == 2
    with runtime.session_factory() as session:
        assert sorted(tuple(r) for r in session.execute(select(BlockKey.key_hash, BlockKey.case_id))) == pushed
    assert len(pushed) > 10


def test_stored_keys_stay_small_blocks() -> None:
    keys = dict(stored_keys(_record(complement_adresse="Bât B appt 14")))
    assert {key.split("|")[0] for key in keys} == {
        "naissance1", "naissance_adresse", "foyer1", "logement", "tel", "allocataire"}  # foyer1: issue 17
    # Birth date + the phonetic prefix of one name at a time, whichever field holds it: "Aïcha Benali" and
    # "BENALI Aïcha" share both; the swapped date is stored only.
    assert keys["naissance1|1985-03-12|BENA"] == keys["naissance1|1985-03-12|AICH"] == KeyKind.PROBE
    assert keys["naissance1|1985-12-03|BENA"] == KeyKind.STORED_ONLY
    inverted = dict(stored_keys(_record(nom="Aïcha", prenom="Benali")))
    assert inverted["naissance1|1985-03-12|BENA"] == inverted["naissance1|1985-03-12|AICH"] == KeyKind.PROBE


NEIGHBOURHOOD = {
    # Same person, new phone and CAF number, moved within the département: birth date and both names.
    "moved": {"adresse": "8 bd Victor Hugo", "telephone": "07 11 22 33 44", "numero_allocataire": "999"},
    # Another name, same birth date and address (a typo in both names?): birth date + address.
    "birth and address": {"nom": "Zidane", "prenom": "Bruno", "telephone": None, "numero_allocataire": None},
    # Same birth date and surname, another first name (or a typo at its start), another département: compared.
    "one name": {"prenom": "Ysha", "adresse": "3 rue Z", "code_postal": "75011", "commune": "Paris",
                 "telephone": None, "numero_allocataire": None},
    # Same birth date and two first letters of each name, another département: strangers; not compared.
    "two letters": {"nom": "Bertin", "prenom": "Aïda", "adresse": "3 rue Z", "code_postal": "75011",
                    "commune": "Paris", "telephone": None, "numero_allocataire": None},
    # Same birth date and initials only, elsewhere: at a million households such blocks gather strangers; not compared.
    "initials": {"nom": "Bouvier", "prenom": "Anne", "adresse": "3 rue Z", "code_postal": "75011",
                 "commune": "Paris", "telephone": None, "numero_allocataire": None},
    # Same birth date, one initial only, elsewhere: not compared.
    "one initial": {"nom": "Bouvier", "prenom": "Paul", "adresse": "3 rue Z", "telephone": None,
                    "numero_allocataire": None},
    # Another person sharing only the phone: strong key.
    "phone": {"nom": "Durand", "prenom": "Paul", "date_naissance": "05/05/1990", "adresse": "1 rue X",
              "numero_allocataire": None},
    # Same building, another person: an address alone is not enough.
    "building": {"nom": "Durand", "prenom": "Paul", "date_naissance": "05/05/1990", "telephone": None,
                 "numero_allocataire": None},
    # Same surname in the département only: not enough.
    "surname": {"prenom": "Paul", "date_naissance": "05/05/1990", "adresse": "1 rue X", "telephone": None,
                "numero_allocataire": None},
}


def test_candidate_rule_is_the_same_on_both_backends(runtime: Runtime) -> None:
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(runtime, partner_id, [signalement(name, **overrides) for name, overrides in NEIGHBOURHOOD.items()])
    cases = _case_ids(runtime)
    # Aïcha Benali, born 12/03/1985 at 12 rue des Lilas, phone 06 12 34 56 78
    probe = hashed_keys(_record(), keyring_for(runtime.engine.dialect))
    with runtime.session_factory() as session:
        found = linkage_store.find_candidates(session, [probe])
    names = {name for name, case_id in cases.items() if case_id in found.pairs.get(0, set())}
    assert names == {"moved", "birth and address", "one name", "phone"}


def test_huge_blocks_are_skipped_and_counted(runtime: Runtime) -> None:
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    # 201 people born the same day with the same first letters (a default date, say): one block above the cap.
    rows = [signalement(f"R-{i}", nom=f"Nom{chr(65 + i % 26)}{i}", prenom="Jean", date_naissance="01/01/1980",
                        adresse=f"{i + 1} rue Y", telephone=None, numero_allocataire=None)
            for i in range(linkage_store.BLOCK_CAP + 1)]
    _push(runtime, partner_id, rows)
    probe = hashed_keys(_record(nom="Nouveau", prenom="Jeanne", date_naissance="01/01/1980", adresse="500 rue Y",
                                telephone=None, numero_allocataire=None), keyring_for(runtime.engine.dialect))
    with runtime.session_factory() as session:
        found = linkage_store.find_candidates(session, [probe])
    assert found.hot_keys == 1
    assert found.pairs == {}


def test_declined_pairs_follow_the_cases_households(runtime: Runtime) -> None:
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    _push(runtime, partner_id, [signalement("B-1"), signalement("B-2", date_naissance="21/07/1965", telephone=None,
                                                                numero_allocataire=None)])
    with runtime.session_factory.begin() as session:
        households = {ref: household for ref, household in session.execute(select(Case.reference, Case.household_id))}
        pairs = linkage_store.declined_pairs(session, set(households.values()))
    # The pending review between them (a birth date twenty years off: two generations, or a keying error).
    assert pairs == {frozenset(households.values())}


def test_concurrent_pushes_of_one_household_make_one_household(pg_runtime: Runtime) -> None:
    runtime = pg_runtime
    bailleur, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    ddets, _ = new_partner(runtime, "DDETS 44", "etat")
    for attempt in range(4):
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []
        person = {"nom": ["Martin", "Nguyen", "Diallo", "Le Goff"][attempt], "prenom": ["Léa", "Paul", "Fatou", "Yann"][
            attempt], "date_naissance": f"0{attempt + 1}/0{attempt + 2}/19{60 + 7 * attempt}",
                  "adresse": f"{attempt + 3} place Royale", "telephone": f"06 00 00 00 0{attempt}",
                  "numero_allocataire": None}

        def push(partner_id: int, reference: str, person: dict[str, Any] = person,
                 barrier: threading.Barrier = barrier, errors: list[BaseException] = errors) -> None:
            try:
                with runtime.session_factory.begin() as session:
                    partner = session.get_one(Partner, partner_id)
                    barrier.wait(10)  # both transactions are open before either reads candidates
                    push_items(session, partner=partner, items=[signalement(reference, **person)], now=runtime.clock())
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=push, args=(bailleur, f"B-{attempt}")),
                   threading.Thread(target=push, args=(ddets, f"E-{attempt}"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors
        with runtime.session_factory() as session:
            households = set(session.scalars(select(Case.household_id).where(
                Case.reference.in_([f"B-{attempt}", f"E-{attempt}"]))))
            assert len(households) == 1, f"attempt {attempt}"
    with runtime.session_factory() as session:
        assert session.scalar(select(func.count(Household.id))) == 4
