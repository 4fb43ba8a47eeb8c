"""Daily facts: same figures as the events, idempotent refresh, survival after the purge of the events."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import delete, select

from campaigns.evaluation.period import Period, Scope
from campaigns.evaluation.restricted import reader_stays
from campaigns.evaluation.time_to_response import evaluate_with_events
from campaigns.facts.attribution import Contact, ResponseEvent, attribute
from campaigns.facts.daily import build_facts, credited, refresh_facts
from campaigns.facts.stays import Stay, StayContact, departement
from campaigns.facts.store import payload, stay_of, store_stays
from campaigns.models import DailyFact, DailyReach, Dispatch, HumanTask, Response
from campaigns.reports.files import neutralise, report_csv, report_xlsx
from campaigns.reports.tables import build_report, protect
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign
from tests.test_evaluation import PERIOD, build_scenario_10, person

WHOLE = Period(date(2026, 11, 1), date(2026, 12, 31))
NUMBER = re.compile(r"-?\d+(,\d+)?")


def _facts(runtime: Runtime) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    def rows(model: type[DailyFact] | type[DailyReach]) -> list[tuple[Any, ...]]:
        columns = [c for c in model.__table__.columns if c.name != "id"]
        with runtime.session_factory() as session:
            return sorted(tuple(r) for r in session.execute(select(*columns)))  # type: ignore[arg-type]
    return rows(DailyFact), rows(DailyReach)


def test_refresh_is_idempotent_and_matches_a_full_rebuild(runtime: Runtime, client: TestClient,
                                                            clock: Clock) -> None:
    build_scenario_10(runtime, client, clock)
    incremental = _facts(runtime)
    # Contacts: the letters, then the State's SMS to every household (the bailleurs' plain answers stop none of
    # them, rule 2 of docs/security.md; tests/test_evaluation.py, scenario 10).
    assert sum(r[-2] for r in incremental[0]) == 67 + 67
    runtime.tick()
    assert _facts(runtime) == incremental
    with runtime.session_factory.begin() as session:
        outcome = refresh_facts(session, now=clock(), full=True)
    assert outcome.full and outcome.days == 2
    assert _facts(runtime) == incremental


def test_evaluation_survives_the_purge_of_the_events(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    built = build_scenario_10(runtime, client, clock)
    before = client.get("/api/v1/evaluation", headers=built["ddets"], params=PERIOD).json()
    assert before["courbes_de_reponse"] is not None
    with runtime.session_factory.begin() as session:
        for model in (Response, HumanTask, Dispatch):
            session.execute(delete(model))
    clock.advance(days=100)
    runtime.tick()  # days older than 90 days are final: the refresh leaves them alone
    after = client.get("/api/v1/evaluation", headers=built["ddets"], params=PERIOD).json()
    for key in ("synthese", "taux_canal", "taux_bailleur", "taux_falc", "comparaisons", "courriers_par_menage",
                "indicateurs_charte", "couts_canal", "entonnoir"):
        assert after["sections"][key] == before["sections"][key], key
    assert after["courbes_de_reponse"] == before["courbes_de_reponse"]  # the delays are kept in the facts too
    assert {c["canal"]: c["menages"] for c in before["courbes_de_reponse"]} == {"courrier": 67, "SMS": 67}


def test_credit_matches_attribution() -> None:
    rng = random.Random(3)
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for _ in range(200):
        times = sorted(start + timedelta(hours=rng.randrange(0, 24 * 40)) for _ in range(rng.randrange(1, 6)))
        contacts = tuple(StayContact(i, at, at.date(), "courrier", i, 1, 1, None, None, None, "delivered", None)
                         for i, at in enumerate(times))
        responses = tuple(sorted(start + timedelta(hours=rng.randrange(0, 24 * 60)) for _ in range(rng.randrange(3))))
        stay = Stay(1, 1, "impaye", None, None, None, contacts, responses)
        expected = {
            a.last_touch.step for a in attribute([Contact(1, c.at, "courrier", step=c.dispatch_id) for c in contacts],
                                                 [ResponseEvent(1, r) for r in responses])
            if a.last_touch is not None and a.last_touch.step is not None
        }
        assert credited(stay) == expected


def test_build_facts_counts_a_stay_once_per_value_on_its_first_day() -> None:
    day1, day2 = datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 16, 9, tzinfo=UTC)
    contacts = (StayContact(1, day1, day1.date(), "courrier", 0, 7, 3, 11, "fr", False, "delivered", None),
                StayContact(2, day2, day2.date(), "courrier", 1, 7, 3, 11, "fr", False, "returned", None))
    stay = Stay(5, 9, "assignation", 42, "prive", "91", contacts, (day2 + timedelta(days=1),))
    rows = build_facts([stay], {day1.date(), day2.date()})
    assert sorted((r["day"], r["step"], r["status"], r["contacts"], r["responded"]) for r in rows.cube) == [
        (day1.date(), 0, "delivered", 1, 0), (day2.date(), 1, "returned", 1, 1)]
    reach = {(r["dimension"], r["value"]): (r["day"], r["households"], r["responded"]) for r in rows.reach}
    assert reach[("canal", "courrier")] == (day1.date(), 1, 1)  # one household, on the day of its first letter
    assert reach[("etape", "2:courrier")] == (day2.date(), 1, 1)
    assert reach[("etape", "1:courrier")] == (day1.date(), 1, 0)
    assert reach[("courriers", "2")] == (day1.date(), 1, 1)
    assert reach[("territoire", "91")] == (day1.date(), 1, 1)
    only_second = build_facts([stay], {day2.date()})
    assert {(r["dimension"], r["value"]) for r in only_second.reach} == {("etape", "2:courrier")}
    assert ("diagnostic", "realise") not in reach


def test_a_diagnosed_stay_counts_once_on_its_first_day_and_is_kept_in_fact_stays() -> None:
    """ADIL 44's diagnostics (docs/domain.md §11.5): a stay with a response `diagnostic_realise` counts once, on
    the day of its first contact like the households contacted; `fact_stays` keeps the flag for the next refresh."""
    day1, day2 = datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 9, 9, tzinfo=UTC)
    contacts = (StayContact(1, day1, day1.date(), "courrier", 0, 2, 7, None, "fr", False, "delivered", None),
                StayContact(2, day2, day2.date(), "appel", 1, 2, 7, None, None, None, "delivered", 8))
    stay = Stay(5, 9, "requisition_force_publique", None, "social", "44", contacts,
                (day2 + timedelta(hours=2), day2 + timedelta(days=3)), diagnosed=True)
    reach = {(r["dimension"], r["value"]): (r["day"], r["households"], r["responded"])
             for r in build_facts([stay], {day1.date(), day2.date()}).reach}
    assert reach[("diagnostic", "realise")] == (day1.date(), 1, 1)
    assert stay_of(5, 9, payload(stay)) == stay


def test_a_bailleurs_own_view_counts_no_diagnostic(sqlite_runtime: Runtime) -> None:
    """A bailleur never learns that a social service diagnosed its tenants; the structure's own view counts it."""
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    contact = StayContact(1, at, at.date(), "courrier", 0, 2, 7, None, "fr", False, "delivered", 8)
    with sqlite_runtime.session_factory.begin() as session:
        store_stays(session, [Stay(5, 9, "impaye", 3, "social", "44", (contact,), (at,), diagnosed=True)], [])
        landlord = reader_stays(session, Scope(3, bailleur_reader=True, reader_id=3, contacts_of=frozenset({7})))
        structure = reader_stays(session, Scope(reader_id=8, contacts_of=frozenset({8}), queue_of=8))
    assert [s.diagnosed for s in landlord] == [False]
    assert [s.diagnosed for s in structure] == [True]


@pytest.mark.parametrize(("code", "expected"), [("44000", "44"), ("97400", "974"), ("20000", "2A"),
                                                ("20200", "2B"), ("4400", None), (None, None)])
def test_departement(code: str | None, expected: str | None) -> None:
    assert departement(code) == expected


def test_secondary_suppression() -> None:
    assert protect([19, 5, 3, 1]) == [19, "secret", "< 5", "< 5"]  # 3 + 1 < 5: the 5 is hidden too
    assert protect([13, 17, 8, 1]) == [13, 17, "secret", "< 5"]  # a single hidden cell is hidden again
    assert protect([20, 3, 4]) == [20, "< 5", "< 5"]  # 3 + 4 ≥ 5: enough
    assert protect([0, 12, 30]) == [0, 12, 30]


@pytest.mark.parametrize("text", ["=1+2", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert neutralise("Habitat 44") == "Habitat 44"


def test_exports_neutralise_formulas_in_partner_names(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    _, owner = new_partner(runtime, "=HYPERLINK(\"http://exemple.invalid\")", "etat")
    campaign(runtime, owner="=HYPERLINK(\"http://exemple.invalid\")", name="@campagne",
             steps=[{"channel": "courrier", "template": "information_etat"}], unit_costs={"courrier": 1.5})
    client.post("/api/v1/signalements", headers=owner, json=[person(i) for i in range(6)])
    runtime.tick()
    with runtime.session_factory() as session:
        report = build_report(evaluate_with_events(session, period=WHOLE, scope=Scope(), now=clock()))
    lines = list(csv.reader(io.StringIO(report_csv(report).lstrip("\ufeff")), delimiter=";"))
    assert ["Taux de réponse par pilote de la campagne", "'=HYPERLINK(\"http://exemple.invalid\")", "ménages",
            "6"] in lines
    assert ["Coût par réponse, par campagne", "'@campagne", "coût (€)", "9,00"] in lines
    # A negative figure (a comparison's lower bound) is a number, not a formula: only text must not start so.
    assert not any(cell.startswith(("=", "@", "+", "-")) and not NUMBER.fullmatch(cell) for line in lines
                   for cell in line)
    sheets = load_workbook(io.BytesIO(report_xlsx(report)))
    values = [cell.value for sheet in sheets for row in sheet.iter_rows() for cell in row]
    assert "'@campagne" in values and "'=HYPERLINK(\"http://exemple.invalid\")" in values
    assert not any(isinstance(v, str) and v.startswith(("=", "@", "+", "-")) for v in values)
    assert not any(cell.data_type == "f" for sheet in sheets for row in sheet.iter_rows() for cell in row)


def test_kaplan_meier_from_counts_matches_statistics() -> None:
    from collections import Counter

    from campaigns.evaluation.time_to_response import kaplan_meier_counts
    from campaigns.platform.statistics import kaplan_meier

    rng = random.Random(8)
    for _ in range(100):
        n = rng.randrange(1, 60)
        durations = [float(rng.randrange(0, 20)) for _ in range(n)]
        observed = [rng.random() < 0.6 for _ in range(n)]
        events = Counter(int(d) for d, o in zip(durations, observed, strict=True) if o)
        censored = Counter(int(d) for d, o in zip(durations, observed, strict=True) if not o)
        fast, reference = kaplan_meier_counts(events, censored), kaplan_meier(durations, observed)
        assert fast.times == reference.times
        assert fast.survival == pytest.approx(reference.survival, abs=1e-12)
        assert fast.median_days == reference.median_days
