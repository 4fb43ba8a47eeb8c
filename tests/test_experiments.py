"""Experiments: a stable assignment (hash, recorded at enrollment, never redrawn), dispatch by the arm's template
and sequence, and the report's figures against values computed by hand from the textbook formulas."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from statistics import NormalDist
from typing import Any

import pytest
from fastapi.testclient import TestClient
from scipy.stats import chisquare
from sqlalchemy import select

from campaigns.campaign.config import CampaignSpec, parse_campaigns_yaml
from campaigns.evaluation.period import Period, Scope
from campaigns.evaluation.time_to_response import evaluate_with_events
from campaigns.models import (
    Case,
    Dispatch,
    DispatchStatus,
    Experiment,
    ExperimentAssignment,
    Household,
    TemplateVersion,
)
from campaigns.planning.experiments import draw_arm
from campaigns.platform.errors import ValidationError
from campaigns.reports.html import report_html
from campaigns.reports.tables import build_report
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign
from tests.test_evaluation import PERIOD, person

ARMS = [{"name": "courrier"}, {"name": "courrier_sms"}]
# Letter alone (the State's letter) against the stage's own letter followed by an SMS a week later.
STEPS: list[dict[str, Any]] = [
    {"channel": "courrier", "template": "information_etat", "variants": {"courrier_sms": "etape_{stade}"}},
    {"channel": "sms", "template": "relance", "delay_days": 7, "conditions": ["no_response"],
     "arms": ["courrier_sms"]},
]
KEY = "relance-sms-cdp"
Z = NormalDist().inv_cdf(0.975)


def _campaign(runtime: Runtime, arms: list[dict[str, Any]] = ARMS, **extra: Any) -> int:
    return campaign(runtime, owner="DDETS 44", stages=["commandement_de_payer", "assignation"], steps=STEPS,
                    experiment={"key": KEY, "arms": arms, **extra})


def _assignments(runtime: Runtime) -> dict[int, tuple[str, int]]:
    with runtime.session_factory() as session:
        return {h: (arm, entry) for h, arm, entry in session.execute(select(
            ExperimentAssignment.household_id, ExperimentAssignment.arm, ExperimentAssignment.stage_entry_id))}


def test_the_draw_is_stable_and_balanced_over_2000_households() -> None:
    arms = [{"name": "a", "weight": 1}, {"name": "b", "weight": 1}]
    drawn = [draw_arm(KEY, h, arms) for h in range(1, 2001)]
    assert drawn == [draw_arm(KEY, h, arms) for h in range(1, 2001)]  # a hash: the same every time
    counts = Counter(drawn)
    assert chisquare([counts["a"], counts["b"]]).pvalue > 0.01
    assert 900 < counts["a"] < 1100
    weighted = Counter(draw_arm(KEY, h, [{"name": "a", "weight": 1}, {"name": "b", "weight": 3}])
                       for h in range(1, 2001))
    assert chisquare([weighted["a"], weighted["b"]], f_exp=[500, 1500]).pvalue > 0.01
    # Another experiment key draws independently: not the same split of the same households.
    other = [draw_arm("autre-cle", h, arms) for h in range(1, 2001)]
    assert 0.4 < sum(x == y for x, y in zip(drawn, other, strict=True)) / 2000 < 0.6


def test_the_schema_refuses_arms_that_do_not_exist_or_change_nothing() -> None:
    base = {"name": "X", "owner": "DDETS 44", "stages": ["assignation"],
            "experiment": {"key": "k", "arms": ARMS}}
    with pytest.raises(ValueError, match="bras inconnu « lettre »"):
        CampaignSpec.model_validate({**base, "steps": [{"channel": "courrier", "template": "information_etat",
                                                        "arms": ["lettre"]}]})
    with pytest.raises(ValueError, match="l'expérience ne change rien entre ses bras"):
        CampaignSpec.model_validate({**base, "steps": [{"channel": "courrier", "template": "information_etat"}]})
    with pytest.raises(ValueError, match="demandent une expérience"):
        CampaignSpec.model_validate({**base, "experiment": None, "steps": [
            {"channel": "courrier", "template": "information_etat", "arms": ["courrier"]}]})
    with pytest.raises(ValidationError, match=r"campagne n°1, .*experiment\.arms.*au moins deux bras"):
        parse_campaigns_yaml("campaigns:\n  - {name: X, owner: D, stages: [assignation], "
                             "steps: [{channel: courrier, template: information_etat}], "
                             "experiment: {key: k, arms: [{name: seul}]}}\n")


def test_assignment_is_recorded_once_and_survives_new_stages_and_new_weights(runtime: Runtime, client: TestClient,
                                                                              clock: Clock) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    _campaign(runtime)
    assert client.post("/api/v1/signalements", headers=ddets, json=[person(i) for i in range(12)]).status_code == 200
    first = _assignments(runtime)
    assert len(first) == 12
    assert all(arm == draw_arm(KEY, h, ARMS) for h, (arm, _entry) in first.items())
    assert {arm for arm, _entry in first.values()} == {"courrier", "courrier_sms"}
    # The arms' weights change, then every household moves to the assignation stage and is enrolled again.
    _campaign(runtime, arms=[{"name": "courrier", "weight": 1}, {"name": "courrier_sms", "weight": 100}])
    clock.advance(days=3)
    moved = [person(i, stade="assignation", date_stade="27/11/2026") for i in range(12)]
    assert client.post("/api/v1/signalements", headers=ddets, json=moved).status_code == 200
    with runtime.session_factory() as session:
        assert {h.stage for h in session.scalars(select(Household))} == {"assignation"}
        letters = Counter(d.household_id for d in session.scalars(select(Dispatch).where(
            Dispatch.channel == "courrier", Dispatch.stage == "assignation")))
        sms = {d.household_id for d in session.scalars(select(Dispatch).where(
            Dispatch.channel == "sms", Dispatch.stage == "assignation"))}
    assert _assignments(runtime) == first  # same arm, same stay of reference: nothing redrawn
    assert set(letters) == set(first) and set(letters.values()) == {1}
    assert sms == {h for h, (arm, _entry) in first.items() if arm == "courrier_sms"}
    # A household pushed after the change is drawn with the new weights (and recorded).
    client.post("/api/v1/signalements", headers=ddets, json=[person(50)])
    newcomer = set(_assignments(runtime)) - set(first)
    [household] = newcomer
    assert _assignments(runtime)[household][0] == draw_arm(
        KEY, household, [{"name": "courrier", "weight": 1}, {"name": "courrier_sms", "weight": 100}])


def test_dispatch_follows_the_arm_template_and_sequence(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    campaign_id = _campaign(runtime)
    client.post("/api/v1/signalements", headers=ddets, json=[person(i) for i in range(10)])
    arms = {h: arm for h, (arm, _entry) in _assignments(runtime).items()}
    with runtime.session_factory() as session:
        planned = {(d.household_id, d.step_position): d.template for d in session.scalars(select(Dispatch))}
    for household, arm in arms.items():
        if arm == "courrier":
            assert planned[(household, 0)] == "information_etat" and (household, 1) not in planned
        else:
            assert planned[(household, 0)] == "etape_commandement_de_payer"
            assert planned[(household, 1)] == "relance"
    runtime.tick()
    with runtime.session_factory() as session:
        sent = {d.household_id: session.get_one(TemplateVersion, d.template_version_id).slug
                for d in session.scalars(select(Dispatch).where(Dispatch.channel == "courrier"))}
        assert sent == {h: "information_etat" if arm == "courrier" else "etape_commandement_de_payer"
                        for h, arm in arms.items()}
        # A step planned outside the arms (as a replan that ignored them would): the send-time check skips it.
        alone = next(h for h, arm in arms.items() if arm == "courrier")
        letter = session.scalars(select(Dispatch).where(Dispatch.household_id == alone)).one()
    with runtime.session_factory.begin() as session:
        session.add(Dispatch(dedup_key="hors-bras", enrollment_id=letter.enrollment_id, campaign_id=campaign_id,
                             household_id=alone, stage_entry_id=letter.stage_entry_id, stage=letter.stage,
                             step_position=1, channel="sms", template="relance", conditions=[], due_at=clock(),
                             status=DispatchStatus.PLANNED.value, attempts=0))
    clock.advance(days=7)
    runtime.tick()
    with runtime.session_factory() as session:
        stray = session.scalars(select(Dispatch).where(Dispatch.dedup_key == "hors-bras")).one()
        assert (stray.status, stray.reason) == ("skipped", "experiment_arm")
        texts = {d.household_id for d in session.scalars(select(Dispatch).where(
            Dispatch.channel == "sms", Dispatch.status == "delivered"))}
    assert texts == {h for h, arm in arms.items() if arm == "courrier_sms"}


def _wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def _needed(p1: float, p2: float) -> int:
    """Per arm: 2 arcsin √p has variance 1/n, so the difference of two arms of n has variance 2/n, and
    h / √(2/n) = z(0.975) + z(0.8) gives n = 2 ((z(0.975) + z(0.8)) / h)² (Cohen's h = 0.2 gives 393)."""
    h = abs(2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2)))
    return math.ceil(2 * ((Z + NormalDist().inv_cdf(0.8)) / h) ** 2)


def test_report_figures_match_the_formulas(pg_runtime: Runtime, clock: Clock) -> None:
    from api.app import create_app

    runtime = pg_runtime
    with TestClient(create_app(runtime)) as client:
        _, ddets = new_partner(runtime, "DDETS 44", "etat")
        _, nmh = new_partner(runtime, "NMH", "bailleur_social")
        _campaign(runtime, minimal_effect=0.1)
        client.post("/api/v1/signalements", headers=ddets, json=[person(i) for i in range(80)])
        runtime.tick()
        clock.advance(days=2)
        arms = {h: arm for h, (arm, _entry) in _assignments(runtime).items()}
        with runtime.session_factory() as session:
            households = {ref: h for ref, h in session.execute(select(Case.reference, Case.household_id))}
        # Every 4th household of the letter arm answers, every 2nd of the letter + SMS arm (by household id).
        answering = {h for h, arm in arms.items() if h % (4 if arm == "courrier" else 2) == 0}
        for reference, household in households.items():
            if household in answering:
                reply = client.post("/api/v1/reponses", headers=ddets,
                                    json={"reference": reference, "canal": "appel", "nature": "appel_entrant"})
                assert reply.status_code == 201, reply.text
        runtime.tick()  # the tick brings the facts up to date
        report = client.get("/api/v1/evaluation", headers=ddets, params=PERIOD).json()
        rows = {r["bras"]: r for r in report["sections"]["experiences"]["lignes"]}
        own = client.get("/api/v1/evaluation", headers=nmh, params=PERIOD).json()
    n = Counter(arms.values())
    k = Counter(arms[h] for h in answering)
    na, ka, nb, kb = n["courrier"], k["courrier"], n["courrier_sms"], k["courrier_sms"]
    assert (rows["courrier"]["menages"], rows["courrier"]["repondants"]) == (na, ka)
    assert (rows["courrier_sms"]["menages"], rows["courrier_sms"]["repondants"]) == (nb, kb)
    pa, pb = ka / na, kb / nb
    for arm, (count, total) in (("courrier", (ka, na)), ("courrier_sms", (kb, nb))):
        low, high = _wilson(count, total)
        assert rows[arm]["taux"] == pytest.approx(count / total, abs=1e-6)
        assert (rows[arm]["ic_bas"], rows[arm]["ic_haut"]) == (pytest.approx(low, abs=1e-6),
                                                               pytest.approx(high, abs=1e-6))
    # Newcombe's hybrid score interval of pb − pa, from the two Wilson intervals.
    (la, ua), (lb, ub) = _wilson(ka, na), _wilson(kb, nb)
    versus = rows["courrier_sms"]
    assert versus["difference"] == pytest.approx(pb - pa, abs=1e-6)
    assert versus["diff_ic_bas"] == pytest.approx(pb - pa - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2), abs=1e-6)
    assert versus["diff_ic_haut"] == pytest.approx(pb - pa + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2), abs=1e-6)
    # Every expected count is at least 5: the chi² test, i.e. the pooled two-proportion z-test.
    pooled = (ka + kb) / (na + nb)
    z = (pb - pa) / math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    assert versus["test"] == "chi²"
    assert versus["p"] == pytest.approx(2 * (1 - NormalDist().cdf(abs(z))), abs=1e-6)
    assert versus["p_holm"] == pytest.approx(versus["p"], abs=1e-9)  # one comparison: nothing to adjust
    # Households per arm for 80 % power at 5 % (Cohen's h): at the observed effect, and at the stated 10 points.
    assert versus["necessaires_effet_observe"] == pytest.approx(_needed(pa, pb), abs=1)
    assert versus["necessaires_effet_minimal"] == pytest.approx(_needed(pa, pa + 0.1), abs=1)
    assert rows["courrier"]["conclusion"] == "bras de référence"
    assert rows["courrier"]["difference"] is None
    # A bailleur does not see the State's experiment.
    assert own["sections"]["experiences"]["lignes"] == []
    with runtime.session_factory() as session:
        evaluation = evaluate_with_events(session, period=Period(date(2026, 11, 1), date(2026, 12, 31)),
                                          scope=Scope(), now=clock())
        assert session.scalars(select(Experiment.key)).all() == [KEY]
    html = report_html(build_report(evaluation))
    assert 'aria-labelledby="graphique-experiences-titre graphique-experiences-desc"' in html
    assert f"{KEY} · courrier_sms" in html
