"""The social worker's main job in headless Chromium (issue 19): sign in, read « Mes tâches », take a call, record an
outcome from the charter list and plan the follow-up (a rendez-vous with its day and time), at 1280 px and at 360 px,
with axe-core (from npm) reporting no violation on each page. Screenshots are kept as artefacts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from api.app import create_app
from campaigns.locale.clock import PARIS
from campaigns.queues.reservations import OUTCOME_LABELS, outcomes_for
from campaigns.runtime.root import Runtime
from tests.conftest import Clock
from tests.queue_factories import structure_with_call, task_rows
from tests.test_web_landlord_browser import AXE, axe_violations, keep_screenshot, nothing_cut, signed_in_page
from tests.test_web_tasks import account
from tests.test_web_tasks_browser import _last_working_morning, browser, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow

EMAIL = "alice@ccas-nantes.fr"


def _checked(page: Page, tmp_path: Path, name: str) -> None:
    """axe-core finds nothing on the page as shown, and a screenshot of it is kept."""
    assert axe_violations(page) == [], name
    keep_screenshot(page, f"agent-{name}")


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core absent: npm install in web/")
def test_worker_takes_a_call_records_the_outcome_and_plans_the_rendez_vous(
    server: str, browser: Browser, pg_runtime: Runtime, clock: Clock, tmp_path: Path  # noqa: F811
) -> None:
    clock.now = _last_working_morning(datetime.now(UTC))
    with TestClient(create_app(pg_runtime)) as client:
        structure_with_call(pg_runtime, client)
    account(pg_runtime, EMAIL)
    [task] = task_rows(pg_runtime)

    page = signed_in_page(browser, server, EMAIL)
    page.get_by_role("link", name="Mes tâches").first.click()
    page.wait_for_url(f"{server}/mes-taches")
    for heading in ("Tâches que vous tenez (0)", "Tâches à prendre (1)", "Tâches tenues par votre équipe (0)"):
        assert page.get_by_role("heading", name=heading).is_visible(), heading
    _checked(page, tmp_path, "mes-taches")

    page.get_by_role("region", name="Tâches à prendre, les plus urgentes d'abord").get_by_role(
        "link", name="Aïcha BENALI").click()
    page.wait_for_url(f"{server}/mes-taches/{task.id}")
    _checked(page, tmp_path, "tache-a-prendre")
    page.get_by_role("button", name="Prendre la tâche").click()
    page.wait_for_url(f"{server}/mes-taches/{task.id}")
    assert "Vous avez pris la tâche" in page.locator("#avis").inner_text()

    # The outcomes offered are the charter's list for a call, in its order.
    offered = page.locator("#resultat").get_by_role("radio")
    expected = [OUTCOME_LABELS[o] for o in outcomes_for("appel")]
    assert [page.locator(f"label[for='{offered.nth(i).get_attribute('id')}']").inner_text().strip()
            for i in range(offered.count())] == expected
    _checked(page, tmp_path, "tache-tenue")

    day = datetime.now(UTC).astimezone(PARIS).date() + timedelta(days=7)
    page.locator("label[for='resultat-rendez_vous_fixe']").click()
    page.get_by_label("Date du rendez-vous (facultatif)").fill(day.isoformat())
    page.get_by_label("Heure (facultatif)").fill("14:30")
    page.get_by_label("Note (facultatif)").fill("Apporter les trois dernières quittances")
    page.get_by_role("button", name="Enregistrer le résultat").click()
    page.wait_for_url(f"{server}/mes-taches")
    assert "Tâche terminée : « Rendez-vous fixé »." in page.locator("#avis").inner_text()
    assert page.get_by_role("heading", name="Tâches que vous tenez (0)").is_visible()
    _checked(page, tmp_path, "mes-taches-apres")

    [done] = task_rows(pg_runtime)
    assert (done.status, done.outcome) == ("completed", "rendez_vous_fixe")
    assert done.note is not None and done.note.startswith(f"Rendez-vous le {day:%d/%m/%Y} à 14 h 30")

    # The closed task's page says what was recorded; on a phone nothing is cut.
    page.goto(f"{server}/mes-taches/{task.id}")
    assert "Tâche terminée : Rendez-vous fixé" in " ".join(page.locator("main").inner_text().split())
    # Everything about the household the structure may see, then the appointment on the round of its day (structured
    # date and time) and in the worker's agenda file.
    page.get_by_role("link", name="Voir tout ce qui concerne ce ménage").click()
    page.wait_for_url(f"{server}/mes-taches/{task.id}/menage")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Aïcha BENALI"
    _checked(page, tmp_path, "menage")
    page.goto(f"{server}/mes-taches/tournee?jour={day.isoformat()}")
    assert "14 h 30" in page.locator("main").inner_text()
    _checked(page, tmp_path, "tournee")
    with page.expect_download() as download:
        page.get_by_role("link", name="Mon agenda (.ics)").click()
    agenda = Path(download.value.path()).read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in agenda and re.search(rf"DTSTART[^:\n]*:{day:%Y%m%d}T\d{{6}}", agenda), agenda
    page.set_viewport_size({"width": 360, "height": 800})
    for url in (f"{server}/mes-taches/{task.id}", f"{server}/mes-taches"):
        page.goto(url)
        nothing_cut(page)
        _checked(page, tmp_path, "mobile-" + url.rsplit("/", 1)[1])
    page.context.close()
