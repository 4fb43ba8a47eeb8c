"""DSF deadline chain: scenario 5, public holidays, hearings too close, no hearing yet."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from campaigns.locale.clock import is_working_day
from campaigns.planning.dsf_chain import DsfDeadlines, dsf_deadlines


def test_scenario_5_hearing_on_a_tuesday_ten_weeks_after_receipt() -> None:
    received = date(2026, 3, 3)  # a Tuesday
    hearing = received + timedelta(weeks=10)
    assert hearing == date(2026, 5, 12) and hearing.weekday() == 1

    deadlines = dsf_deadlines(received, hearing)

    # +15: no holiday in March 2026, so exactly three weeks: 4,5,6 | 9–13 | 16–20 | 23, 24 → Tue 24 March.
    assert deadlines.first_contact_due == date(2026, 3, 24)
    # −5 from Tue 12 May: 11 (1), Fri 8 May is a holiday, 7 (2), 6 (3), 5 (4), 4 (5) → Mon 4 May.
    assert deadlines.transmission_due == date(2026, 5, 4)
    # −10: Fri 1 May is a holiday, 30 Apr (6), 29 (7), 28 (8), 27 (9), 24 (10) → Fri 24 April.
    assert deadlines.ccapex_request_due == date(2026, 4, 24)
    # −15: 23 (11), 22 (12), 21 (13), 20 (14), 17 (15) → Fri 17 April (Easter Monday, 6 April, is not reached).
    assert deadlines.second_offer_due == date(2026, 4, 17)
    assert deadlines.warnings == ()


@pytest.mark.parametrize(
    ("received", "hearing", "expected"),
    [
        # Easter Monday receipt, then 1 May, 8 May, Ascension (Thu 14 May) and Pentecost Monday (25 May).
        # +15 counts from Tue 7 Apr: 7–10 (4), 13–17 (9), 20–24 (14), 27 (15).
        # −5 from Tue 26 May: 25 is a holiday, 22 (1), 21, 20, 19, 18 (5).
        # −10: 15 (6), 14 is a holiday, 13 (7), 12 (8), 11 (9), 8 is a holiday, 7 (10).
        # −15: 6 (11), 5 (12), 4 (13), 1 is a holiday, 30 Apr (14), 29 Apr (15).
        (date(2026, 4, 6), date(2026, 5, 26), (date(2026, 4, 27), date(2026, 4, 29), date(2026, 5, 7),
                                               date(2026, 5, 18))),
        # 14 July (a Tuesday in 2026). +15 from Mon 1 Jun: 2–5 (4), 8–12 (9), 15–19 (14), 22 (15).
        # −5 from Tue 21 Jul: 20 (1), 17, 16, 15 (4), 14 is a holiday, 13 (5); −10: 10, 9, 8, 7, 6 (10);
        # −15: 3, 2, 1 Jul, 30 Jun, 29 Jun (15).
        (date(2026, 6, 1), date(2026, 7, 21), (date(2026, 6, 22), date(2026, 6, 29), date(2026, 7, 6),
                                               date(2026, 7, 13))),
        # 11 November (a Wednesday in 2026); 1 November is a Sunday anyway.
        # +15 from Thu 1 Oct: 2 (1), 5–9 (6), 12–16 (11), 19–22 (15).
        # −5 from Tue 17 Nov: 16 (1), 13, 12 (3), 11 is a holiday, 10, 9 (5); −10: 6, 5, 4, 3, 2 (10);
        # −15: 30, 29, 28, 27, 26 Oct (15).
        (date(2026, 10, 1), date(2026, 11, 17), (date(2026, 10, 22), date(2026, 10, 26), date(2026, 11, 2),
                                                 date(2026, 11, 9))),
        # Christmas and New Year's Day (both Fridays in 2026). +15 from Mon 16 Nov: 17–20 (4), 23–27 (9),
        # 30 Nov–4 Dec (14), 7 Dec (15). −5 from Tue 5 Jan 2027: 4 (1), 1 Jan is a holiday, 31, 30, 29, 28 Dec (5);
        # −10: 25 Dec is a holiday, 24, 23, 22, 21, 18 (10); −15: 17, 16, 15, 14, 11 Dec (15).
        (date(2026, 11, 16), date(2027, 1, 5), (date(2026, 12, 7), date(2026, 12, 11), date(2026, 12, 18),
                                                date(2026, 12, 28))),
        # First contact across Christmas and New Year: +15 from Mon 14 Dec: 15–18 (4), 21–24 (8), 25 is a holiday,
        # 28–31 (12), 1 Jan is a holiday, 4, 5, 6 Jan (15). Hearing-bound dates: no holiday from 12 Jan to 2 Feb.
        (date(2026, 12, 14), date(2027, 2, 2), (date(2027, 1, 6), date(2027, 1, 12), date(2027, 1, 19),
                                                date(2027, 1, 26))),
    ],
    ids=["paques-mai-ascension-pentecote", "14-juillet", "11-novembre", "noel-audience", "noel-premier-contact"],
)
def test_chain_across_public_holidays(received: date, hearing: date, expected: tuple[date, ...]) -> None:
    deadlines = dsf_deadlines(received, hearing)
    assert (deadlines.first_contact_due, deadlines.second_offer_due, deadlines.ccapex_request_due,
            deadlines.transmission_due) == expected
    assert deadlines.warnings == ()


def test_no_hearing_yet_gives_only_the_first_contact() -> None:
    deadlines = dsf_deadlines(date(2026, 3, 3), None)
    assert deadlines == DsfDeadlines(date(2026, 3, 24), None, None, None, ())


def test_hearing_too_close_second_offer_before_first_contact() -> None:
    # First contact: Mon 9 Nov 2026; second offer: Mon 26 Oct 2026 (see the 11-November case above).
    deadlines = dsf_deadlines(date(2026, 10, 19), date(2026, 11, 17))
    assert deadlines.first_contact_due == date(2026, 11, 9)
    assert deadlines.second_offer_due == date(2026, 10, 26)
    assert deadlines.warnings == (
        "audience trop proche : la seconde proposition d'entretien (au plus tard le 26/10/2026) tombe avant "
        "l'échéance du premier contact (09/11/2026) ; proposez l'entretien sans attendre",
    )


def test_second_offer_on_the_first_contact_day_is_not_too_close() -> None:
    # Both fall on Mon 26 Oct 2026: the interview can still be offered in time.
    deadlines = dsf_deadlines(date(2026, 10, 5), date(2026, 11, 17))
    assert deadlines.first_contact_due == deadlines.second_offer_due == date(2026, 10, 26)
    assert deadlines.warnings == ()


def test_deadline_already_past_at_receipt() -> None:
    # Hearing Tue 26 May 2026: second offer due Wed 29 Apr, before the receipt on Mon 4 May; CCAPEX (7 May) and
    # transmission (18 May) are still ahead.
    deadlines = dsf_deadlines(date(2026, 5, 4), date(2026, 5, 26))
    assert deadlines.warnings == (
        "seconde proposition d'entretien : échéance du 29/04/2026 déjà dépassée à la réception du signalement "
        "(04/05/2026)",
    )


def test_hearing_before_receipt_flags_every_hearing_deadline() -> None:
    deadlines = dsf_deadlines(date(2026, 6, 1), date(2026, 5, 26))
    assert len(deadlines.warnings) == 3
    assert all("déjà dépassée" in warning for warning in deadlines.warnings)


def test_hearing_on_a_non_working_day_is_flagged() -> None:
    deadlines = dsf_deadlines(date(2026, 3, 3), date(2026, 5, 16))  # a Saturday
    assert deadlines.warnings == ("l'audience du 16/05/2026 tombe un jour non ouvré : vérifiez la date",)


def test_every_deadline_is_a_working_day_in_order() -> None:
    received = date(2026, 1, 1)
    for offset in range(0, 365, 3):
        hearing = received + timedelta(days=60 + offset)
        if not is_working_day(hearing):
            continue
        d = dsf_deadlines(received + timedelta(days=offset), hearing)
        assert d.second_offer_due and d.ccapex_request_due and d.transmission_due
        dues = [d.first_contact_due, d.second_offer_due, d.ccapex_request_due, d.transmission_due]
        assert all(is_working_day(due) for due in dues)
        assert d.second_offer_due < d.ccapex_request_due < d.transmission_due < hearing
