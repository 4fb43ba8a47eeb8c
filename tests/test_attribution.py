"""Attribution: last touch and all touches within the window, household-level rates, ADIL 44 contact modes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaigns.facts.attribution import (
    NOT_RECORDED,
    Attribution,
    Contact,
    ResponseEvent,
    attribute,
    breakdown_by,
    rates_by,
    response_times,
)
from campaigns.platform.statistics import compare, kaplan_meier

T0 = datetime(2020, 10, 1, 9, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def contact(household: int, at: float, channel: str = "courrier", step: int | None = 1, **dims: str) -> Contact:
    return Contact(household, day(at), channel, step, campaign_id=7, template_version_id=None, dims=dims)


def responses_of(*pairs: tuple[int, float]) -> list[ResponseEvent]:
    return [ResponseEvent(household, day(at)) for household, at in pairs]


# --- attribute -----------------------------------------------------------------------------------------------------


def test_last_touch_within_14_days_and_every_touch_in_the_window():
    letter, sms = contact(1, 0), contact(1, 3, "sms", 2)
    [a] = attribute([sms, letter], responses_of((1, 10)))
    assert a.last_touch == sms
    assert a.touches == (letter, sms)  # oldest first, whatever the input order


def test_response_after_15_days_is_unattributed_but_kept():
    [late] = attribute([contact(1, 0)], responses_of((1, 15)))
    assert (late.last_touch, late.touches) == (None, ())
    [edge] = attribute([contact(1, 0)], responses_of((1, 14)))  # exactly 14 days: still inside
    assert edge.last_touch is not None
    [wider] = attribute([contact(1, 0)], responses_of((1, 15)), window=timedelta(days=21))
    assert wider.last_touch is not None


def test_several_contacts_only_those_in_the_window_and_before_the_response_count():
    old, letter, sms, call, after = (contact(1, 0), contact(1, 12), contact(1, 20, "sms", 2),
                                     contact(1, 25, "appel_sortant", 3), contact(1, 30, "visite", 4))  # fmt: skip
    [a] = attribute([old, letter, sms, call, after], responses_of((1, 25)))
    assert a.touches == (letter, sms, call)  # day 0 is 25 days before (day 10 would be 15); day 30 is after
    assert a.last_touch == call  # an answered call: same instant as the contact


def test_other_households_contacts_are_never_credited_and_spontaneous_answers_stay_visible():
    result = attribute([contact(1, 0)], responses_of((2, 1), (1, 2)))
    assert [a.response.household_id for a in result] == [2, 1]
    assert result[0].last_touch is None
    assert result[1].last_touch is not None


def test_two_contacts_at_the_same_instant_the_later_given_wins():
    letter, sms = contact(1, 0), contact(1, 0, "sms", 2)
    [a] = attribute([letter, sms], responses_of((1, 1)))
    assert a.last_touch == sms


def test_contacts_and_responses_must_be_timezone_aware_and_windows_positive():
    with pytest.raises(ValueError, match="fuseau"):
        Contact(1, datetime(2021, 1, 1), "courrier")
    with pytest.raises(ValueError, match="fuseau"):
        ResponseEvent(1, datetime(2021, 1, 1))
    with pytest.raises(ValueError, match="négative"):
        attribute([], [], window=timedelta(days=-1))


def test_dims_are_copied_and_core_names_reserved():
    dims = {"parc": "social"}
    c = Contact(1, T0, "courrier", dims=dims)
    dims["parc"] = "prive"
    assert c.dimension("parc") == "social"
    assert c.dimension("step") == NOT_RECORDED
    assert c.dimension("bailleur") == NOT_RECORDED
    assert hash(c) == hash(Contact(1, T0, "courrier", dims={"parc": "prive"}))  # dims do not take part in hashing
    with pytest.raises(ValueError, match="réservées"):
        Contact(1, T0, "courrier", dims={"channel": "sms"})


# --- rates_by ------------------------------------------------------------------------------------------------------


def test_rates_by_counts_households_not_messages():
    contacts = [
        contact(1, 0), contact(1, 1), contact(1, 2),  # three letters to one household
        contact(2, 0), contact(2, 5, "sms", 2),  # letter, then SMS; answers after the SMS
        contact(3, 0, "sms", 2),  # SMS only, no answer
    ]  # fmt: skip
    attributions = attribute(contacts, responses_of((1, 3), (1, 4), (2, 6)))
    rates = rates_by(contacts, attributions, "channel")
    assert (rates["courrier"].successes, rates["courrier"].n) == (1, 2)  # household 1 once, despite 3 letters/2 answers
    assert (rates["sms"].successes, rates["sms"].n) == (1, 2)  # household 2 credited to the SMS only
    assert list(rates) == ["courrier", "sms"]


def test_rates_by_groups_missing_dimension_under_non_renseigne():
    contacts = [contact(1, 0, bailleur="NMH"), contact(2, 0)]
    rates = rates_by(contacts, attribute(contacts, responses_of((2, 1))), "bailleur")
    assert (rates["NMH"].successes, rates["NMH"].n) == (0, 1)
    assert (rates[NOT_RECORDED].successes, rates[NOT_RECORDED].n) == (1, 1)


def test_rates_by_refuses_attributions_from_another_contact_list():
    other = Attribution(ResponseEvent(9, day(1)), contact(9, 0, "sms", 2), (contact(9, 0, "sms", 2),))
    with pytest.raises(ValueError, match="absents"):
        rates_by([contact(1, 0)], [other], "channel")


def test_breakdown_by_lists_unused_modes_as_zero_and_refuses_foreign_attributions():
    contacts = [
        contact(1, 0, parc="prive"),
        contact(1, 20, "appel_sortant", 2, parc="prive"),
        contact(2, 0, parc="social"),
    ]
    table = breakdown_by(contacts, attribute(contacts, responses_of((2, 3))), "parc", "channel")
    assert {p: {m: (r.successes, r.n) for m, r in modes.items()} for p, modes in table.items()} == {
        "prive": {"appel_sortant": (0, 1), "courrier": (0, 1)},
        "social": {"courrier": (1, 1)},
    }
    foreign = attribute([contact(3, 0, parc="prive")], responses_of((3, 1)))
    with pytest.raises(ValueError, match="absents"):
        breakdown_by(contacts, foreign, "parc", "channel")


# --- ADIL 44 contact modes by parc (§5.1) ---------------------------------------------------------------------------

# Step → channel; a response credited to the letter (step 1) is the tenant calling in (appel entrant).
STEPS = {1: "courrier", 2: "appel_sortant", 3: "visite", 4: "visite"}
ADIL44 = {"prive": {1: 5, 2: 19, 3: 3, 4: 1}, "social": {1: 17, 2: 13, 3: 8, 4: 1}}
PRINTED = {"prive": {1: 17.9, 2: 67.9, 3: 10.7, 4: 3.6}, "social": {1: 43.6, 2: 33.3, 3: 20.5, 4: 2.6}}
# Day of each step: the letter, an outgoing call after the 14-day window, then one or two home visits.
STEP_DAY = {1: 0, 2: 20, 3: 35, 4: 50}


def adil44_events() -> tuple[list[Contact], list[ResponseEvent]]:
    """The 67 households reached (28 privé, 39 social): each gets the steps up to the one that reached it."""
    contacts, responses = [], []
    household = 0
    for parc, by_step in ADIL44.items():
        for reached_at, count in by_step.items():
            for _ in range(count):
                household += 1
                for step in range(1, reached_at + 1):
                    contacts.append(contact(household, STEP_DAY[step], STEPS[step], step, parc=parc))
                # Letter: the tenant calls 4 days later; call or visit: answered on the spot.
                answered = STEP_DAY[reached_at] + (4 if reached_at == 1 else 0.01)
                responses.append(ResponseEvent(household, day(answered)))
    return contacts, responses


def test_adil44_contact_mode_shares_by_parc_are_reproduced():
    contacts, responses = adil44_events()
    attributions = attribute(contacts, responses)
    assert all(a.last_touch is not None for a in attributions)
    table = breakdown_by(contacts, attributions, "parc", "step")
    for parc, by_step in ADIL44.items():
        n = sum(by_step.values())
        assert {step: (r.successes, r.n) for step, r in table[parc].items()} == {
            str(step): (count, n) for step, count in by_step.items()
        }
        for step, printed in PRINTED[parc].items():
            share = table[parc][str(step)].value
            assert share is not None and round(100 * share, 1) == printed
    # Every household reached: the parc-level rate is 28/28 and 39/39.
    parcs = rates_by(contacts, attributions, "parc")
    assert {p: (r.successes, r.n) for p, r in parcs.items()} == {"prive": (28, 28), "social": (39, 39)}


def test_adil44_same_figures_through_rates_by_on_last_touch_channel():
    contacts, responses = adil44_events()
    attributions = attribute(contacts, responses)
    for step, channel in [(1, "courrier"), (2, "appel_sortant")]:
        credited = [a for a in attributions if a.last_touch is not None and a.last_touch.channel == channel]
        by_parc = rates_by(contacts, credited, "parc")
        assert {p: (r.successes, r.n) for p, r in by_parc.items()} == {
            parc: (ADIL44[parc][step], sum(ADIL44[parc].values())) for parc in ADIL44
        }
    # Per-step conversion is another figure: the outgoing call reached 19 of the 23 privé households it was tried on.
    prive = [c for c in contacts if c.dims["parc"] == "prive"]
    steps = rates_by(prive, [a for a in attributions if a.last_touch in prive], "step")
    assert (steps["2"].successes, steps["2"].n) == (19, 23)
    assert (steps["4"].successes, steps["4"].n) == (1, 1)


def test_adil44_incoming_call_difference_between_parcs():
    contacts, responses = adil44_events()
    table = breakdown_by(contacts, attribute(contacts, responses), "parc", "step")
    result = compare(table["prive"]["1"], table["social"]["1"])
    assert result.test == "chi2"
    assert result.low < result.difference < result.high < 0


def test_adil44_time_to_response_with_kaplan_meier():
    contacts, responses = adil44_events()
    durations, observed = response_times(contacts, responses, period_end=day(60))
    assert len(durations) == 67 and all(observed)
    km = kaplan_meier(durations, observed)
    assert km.responded_by(14) == pytest.approx(22 / 67)  # the 5 + 17 who called after the letter
    assert km.median_days == pytest.approx(20.01)
    # Censoring: with the period closing at day 30, the visits are not known yet and nobody counts as a "no".
    durations, observed = response_times(contacts, responses, period_end=day(30))
    assert observed.count(False) == 3 + 1 + 8 + 1
    assert max(durations) == pytest.approx(30.0)


# --- Vendée (§5.2) -------------------------------------------------------------------------------------------------


def test_vendee_ccas_sans_suite_through_rates_by():
    contacts = [contact(h, 0, "orientation", None, referent="CCAS") for h in range(52)]
    answered = responses_of(*[(h, 7) for h in range(40)])
    ccas = rates_by(contacts, attribute(contacts, answered), "referent")["CCAS"]
    assert (ccas.successes, ccas.n) == (40, 52)
    assert ccas.value is not None
    assert round(100 * (1 - ccas.value), 1) == 23.1  # 12/52 "sans suite"
