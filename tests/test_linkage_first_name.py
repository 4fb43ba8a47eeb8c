"""Issue 17: a missing first name is neutral in the linkage (no credit, no penalty); the surname stays required."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from campaigns.intake.jobs import push_items
from campaigns.linkage.matching import household_comparison
from campaigns.linkage.scoring import MATCH_THRESHOLD, PersonRecord, compare
from campaigns.models import Case, LinkReview, Partner
from campaigns.runtime import migrate
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import signalement

AICHA = PersonRecord(nom="Benali", prenom="Aïcha", date_naissance=date(1985, 3, 12), adresse="12 rue des Lilas",
                     complement_adresse="appt 14", code_postal="44000", commune="Nantes")
NO_FIRST_NAME = replace(AICHA, prenom=None)


def test_missing_first_name_gives_no_credit_and_no_penalty() -> None:
    both_missing = compare(replace(AICHA, prenom=None), NO_FIRST_NAME).score
    one_missing = compare(AICHA, NO_FIRST_NAME)
    assert one_missing.score == both_missing  # neutral: as if neither row gave one
    assert one_missing.score < compare(AICHA, replace(AICHA)).score  # no credit
    assert one_missing.score > compare(AICHA, replace(AICHA, prenom="Nadia")).score  # no penalty
    assert one_missing.agreements["prenom"] == "missing"
    assert "prénom absent (neutre)" in one_missing.explanation and "prénom" not in one_missing.detail[1]  # type: ignore[index]


def test_same_person_without_first_name_is_linked_on_the_other_fields() -> None:
    result = household_comparison(AICHA, NO_FIRST_NAME)
    assert result.decision == "match" and result.score >= MATCH_THRESHOLD, result.explanation
    # The empty text a partner's file gives is the same as no first name.
    assert compare(AICHA, replace(AICHA, prenom="")).score == compare(AICHA, NO_FIRST_NAME).score


def test_missing_first_name_does_not_link_namesakes_elsewhere() -> None:
    """Precision: without a first name, the same surname and birth date in another commune, nothing shared, stay
    two households (issue 17, "Namesakes")."""
    elsewhere = replace(NO_FIRST_NAME, adresse="8 bd Victor Hugo", complement_adresse=None, code_postal="69003",
                        commune="Lyon")
    assert household_comparison(AICHA, elsewhere).decision == "non_match"
    other_surname = replace(NO_FIRST_NAME, nom="Durand")
    assert household_comparison(AICHA, other_surname).decision != "match"


def test_same_flat_same_surname_without_first_name_nor_birth_date_is_one_household() -> None:
    """At the same flat, the same surname where the first name and the birth date are missing: the same person or a
    relative living with them, one household (as with both names and no birth date)."""
    a = replace(AICHA, nom="Martin", date_naissance=None)  # a common surname: the score alone leaves a review
    b = replace(a, prenom=None)
    assert compare(a, b).decision == "review"
    result = household_comparison(a, b)
    assert result.decision == "match"
    assert "même nom au même logement, prénom et date de naissance absents" in result.explanation


def test_two_generations_without_first_name_go_to_review_not_merged() -> None:
    older = replace(NO_FIRST_NAME, date_naissance=date(1958, 3, 12))
    result = compare(AICHA, older)
    assert result.decision == "review" and "27 ans d'écart" in result.explanation


def test_pushed_row_without_first_name_joins_its_household(runtime: Runtime) -> None:
    """Through intake: the row is kept, stored without first name (NULL), and linked to the household another
    partner pushed with the first name."""
    bailleur, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    caf, _ = new_partner(runtime, "CAF 44", "caf")
    with runtime.session_factory.begin() as session:
        first = push_items(session, partner=session.get_one(Partner, bailleur),
                           items=[signalement("B-1", telephone=None, numero_allocataire=None)], now=runtime.clock())
        assert (first.created_count, first.rejected_count) == (1, 0)
    with runtime.session_factory.begin() as session:
        job = push_items(session, partner=session.get_one(Partner, caf),
                         items=[signalement("C-1", prenom=None, telephone=None, numero_allocataire=None)],
                         now=runtime.clock())
        assert (job.created_count, job.rejected_count) == (1, 0)
    with runtime.session_factory() as session:
        cases = {c.reference: c for c in session.scalars(select(Case))}
        assert (cases["B-1"].prenom, cases["C-1"].prenom) == ("Aïcha", None)
        assert cases["B-1"].household_id == cases["C-1"].household_id
        assert session.scalar(select(LinkReview.id).limit(1)) is None


def _migrate(runtime: Runtime, revision: str, *, down: bool = False) -> None:
    migrate.run(runtime.engine, revision, down=down)


def test_migration_makes_the_first_name_optional_and_its_downgrade_fills_it_encrypted(runtime: Runtime) -> None:
    """d4f7b2e9a6c1: `cases.prenom` nullable; back down, the rows without one get the empty text, encrypted (the
    column stays ciphertext: docs/security.md C7)."""
    partner, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    with runtime.session_factory.begin() as session:
        push_items(session, partner=session.get_one(Partner, partner),
                   items=[signalement("R-1"), signalement("R-2", nom="Dupont", prenom=None)], now=runtime.clock())
    _migrate(runtime, "c3e8a1f5d7b2", down=True)
    with runtime.engine.connect() as connection:
        stored = connection.execute(text("SELECT reference, prenom FROM cases ORDER BY reference")).all()
        assert all(value is not None and b"Dupont" not in bytes(value) for _, value in stored)
        with pytest.raises(IntegrityError):
            connection.execute(text("UPDATE cases SET prenom = NULL"))
    with runtime.session_factory() as session:
        assert dict(session.execute(select(Case.reference, Case.prenom)).all()) == {"R-1": "Aïcha", "R-2": ""}
    _migrate(runtime, "head")
    with runtime.session_factory.begin() as session:
        session.scalars(select(Case).where(Case.reference == "R-2")).one().prenom = None  # NULL allowed again
    with runtime.session_factory() as session:
        assert session.scalar(select(Case.prenom).where(Case.reference == "R-2")) is None
