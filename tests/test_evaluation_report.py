"""`chaine rapport`: a self-contained French HTML file with its charts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from campaigns.cli.main import app
from campaigns.runtime.root import Runtime, set_runtime
from tests.conftest import Clock
from tests.test_evaluation import build_adil44


@pytest.fixture
def current(sqlite_runtime: Runtime) -> Iterator[Runtime]:
    set_runtime(sqlite_runtime)
    yield sqlite_runtime
    set_runtime(None)


def test_rapport_writes_a_self_contained_html_file(current: Runtime, clock: Clock, tmp_path: Path) -> None:
    from api.app import create_app

    with TestClient(create_app(current)) as client:
        build_adil44(current, client, clock)
    output = tmp_path / "rapport.html"
    result = CliRunner().invoke(app, ["rapport", "--debut", "2026-11-01", "--fin", "2026-12-31", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "108 ménages contactés" in result.output
    html = output.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    assert "Évaluation des contacts du 01/11/2026 au 31/12/2026" in html
    # Nothing fetched from elsewhere: no script, link, image, font or external URL (the SVG namespace aside).
    assert not re.search(r"<script|<link|<img|src=|url\(|@import", html)
    assert set(re.findall(r"https?://[^\"' <]+", html)) == {"http://www.w3.org/2000/svg"}
    # Rates by channel and by bailleur, curves, letters, funnel, files received and tenants contacted by bailleur.
    assert html.count("<svg") == 6
    assert html.count("<polyline") == 3  # one response curve per channel
    assert "67,9\u202f%" in html  # 19 private-park households of 28 answered the outgoing call
    assert "Indicateurs de la charte (002, annexe 6)" in html
    assert "rue n°" not in html  # no pushed address, no allocataire number
    assert not any(str(9_000_000 + i * 7919) in html for i in range(108))


def test_rapport_refuses_a_bad_period(current: Runtime) -> None:
    result = CliRunner().invoke(app, ["rapport", "--debut", "2026-12-31", "--fin", "2026-11-01"])
    assert result.exit_code == 1
    assert "la fin après le début" in result.output


def test_chart_labels_are_printed_whole_on_several_lines() -> None:
    """Issue 19: the labels of the charts were cut (« Office public de l'habitat de Loire-Atl… »)."""
    from campaigns.reports.charts import bar_chart, paired_chart, rate_chart, wrap_label

    long = "Office public de l'habitat de Loire-Atlantique et de la métropole nantaise"
    assert wrap_label(long, 34) == ["Office public de l'habitat de", "Loire-Atlantique et de la", "métropole nantaise"]
    assert wrap_label("Anticonstitutionnellement-long", 10) == ["Anticonstitutionnellement-long"]
    charts = [rate_chart("t", "Taux", [(long, 0.5, 0.4, 0.6, 40), ("NMH", 0.25, 0.1, 0.4, 20)]),
              bar_chart("b", "Courriers", [(long, 2.5, 40), ("NMH", 1.0, 20)], ("courrier", "courriers")),
              paired_chart("p", "Entonnoir", [(long, 40, 20), ("NMH", 20, 5)])]
    for svg in charts:
        assert "…" not in svg
        shown = " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)).replace("&#x27;", "'")
        assert long in shown and "NMH" in shown
        # The drawing grows with the lines: the last row stays inside it.
        height = float(re.search(r'<svg[^>]* height="([\d.]+)"', svg)[1])  # type: ignore[index]
        assert max(float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)"', svg)) + 14 <= height
