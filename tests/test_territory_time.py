"""Working days by territory (Alsace-Moselle, overseas départements) and the DSF chain there (issue 18)."""

from __future__ import annotations

from datetime import date

import pytest

from campaigns.locale.clock import add_working_days, departement_of, is_working_day
from campaigns.planning.dsf_chain import dsf_deadlines


@pytest.mark.parametrize(("code_postal", "departement"), [
    ("57000", "57"), ("67000", "67"), ("68100", "68"), ("97200", "972"), ("97400", "974"), ("44000", "44"),
    ("20000", "2A"), ("20200", "2B"), ("4400", None), (None, None),
])
def test_departement_of_a_postal_code(code_postal: str | None, departement: str | None) -> None:
    assert departement_of(code_postal) == departement


@pytest.mark.parametrize("territory", ["57", "67", "68"])
def test_alsace_moselle_keeps_good_friday_and_saint_stephen(territory: str) -> None:
    assert not is_working_day(date(2026, 4, 3), territory)  # Good Friday 2026
    assert not is_working_day(date(2025, 12, 26), territory)  # a Friday
    assert is_working_day(date(2026, 4, 3), "44") and is_working_day(date(2025, 12, 26), "44")
    assert is_working_day(date(2026, 4, 3)) and is_working_day(date(2025, 12, 26))


@pytest.mark.parametrize(("territory", "day"), [
    ("971", date(2026, 5, 27)), ("972", date(2026, 5, 22)), ("973", date(2026, 6, 10)),
    ("974", date(2024, 12, 20)), ("976", date(2026, 4, 27)),
])
def test_each_overseas_departement_has_its_abolition_day(territory: str, day: date) -> None:
    assert not is_working_day(day, territory)
    assert is_working_day(day, "44")


def test_working_days_counted_with_the_territory() -> None:
    # Thursday 2 April 2026 + 1 working day: Friday 3 in Nantes, Tuesday 7 in Metz (Good Friday, Easter Monday).
    assert add_working_days(date(2026, 4, 2), 1, "44") == date(2026, 4, 3)
    assert add_working_days(date(2026, 4, 2), 1, "57") == date(2026, 4, 7)
    assert add_working_days(date(2026, 4, 7), -1, "57") == date(2026, 4, 2)


def test_dsf_chain_in_moselle_skips_good_friday() -> None:
    # Hearing on Tuesday 14 April 2026: in Moselle Good Friday (3) and Easter Monday (6) are not working days.
    received, hearing = date(2026, 2, 3), date(2026, 4, 14)
    national, moselle = dsf_deadlines(received, hearing), dsf_deadlines(received, hearing, "57")
    # −5 everywhere: 13 (1), 10, 9, 8, 7 (5) → Tuesday 7 April.
    assert national.transmission_due == moselle.transmission_due == date(2026, 4, 7)
    # −10: Easter Monday skipped, then 3 (6), 2, 1, 31 March, 30 (10) → Monday 30 March; in Moselle Good Friday
    # is skipped too: 2 (6), 1, 31, 30, 27 (10) → Friday 27 March.
    assert national.ccapex_request_due == date(2026, 3, 30)
    assert moselle.ccapex_request_due == date(2026, 3, 27)
    assert (national.second_offer_due, moselle.second_offer_due) == (date(2026, 3, 23), date(2026, 3, 20))
