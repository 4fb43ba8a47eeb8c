"""A social worker in headless Chromium: signs in, opens Mes tâches, takes a call with the keyboard, records
« Rendez-vous fixé »; the household's pending SMS is cancelled in the database."""

from __future__ import annotations

import os
import subprocess
import time as time_module
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from api.app import create_app
from campaigns.locale.clock import PARIS, is_working_day
from campaigns.runtime.root import Runtime
from tests import test_web_browser as infra
from tests.conftest import Clock
from tests.queue_factories import dispatch_rows, structure_with_call, task_rows
from tests.test_web_auth import PASSWORD
from tests.test_web_tasks import account

pytestmark = pytest.mark.slow

# The same Chromium as the foundation's browser test.
browser = infra.browser


@pytest.fixture
def server(pg_runtime: Runtime) -> Iterator[str]:
    """`chaine run` as in test_web_browser, with this run's data keys (tests/conftest.py) and the test runtime's
    data directory: the server opens the personal data the test wrote."""
    port = infra._free_port()
    kept = {"CHAINE_DATA_KEYS", "CHAINE_BLIND_INDEX_KEY"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINE_") or k in kept} | {
        "CHAINE_DATABASE_URL": pg_runtime.settings.resolved_database_url,
        "CHAINE_DATA_DIR": str(pg_runtime.settings.data_dir),
    }
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([infra.CHAINE, "run", "--port", str(port)], cwd=infra.ROOT, env=env)
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/api/v1/sante", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time_module.sleep(0.1)
        else:
            pytest.fail("chaine run did not answer")
        yield base
    finally:
        process.terminate()
        process.wait(30)


def _last_working_morning(now: datetime) -> datetime:
    """The server runs on the real clock: the data is made on the last working morning before it, so the call
    task is already open when the worker looks."""
    day = now.astimezone(PARIS).date()
    while not is_working_day(day) or datetime.combine(day, time(10), tzinfo=PARIS) > now:
        day -= timedelta(days=1)
    return datetime.combine(day, time(9, 30), tzinfo=PARIS).astimezone(UTC)


def _problems(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if infra._is_problem(m) else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_worker_claims_with_the_keyboard_and_rendez_vous_fixe_cancels_the_sms(
    server: str, browser: Browser, pg_runtime: Runtime, clock: Clock, tmp_path: Path
) -> None:
    clock.now = _last_working_morning(datetime.now(UTC))
    with TestClient(create_app(pg_runtime)) as client:
        structure_with_call(pg_runtime, client)
    account(pg_runtime, "alice@ccas-nantes.fr")
    [task] = task_rows(pg_runtime)
    assert [(c, s) for _, c, s, _ in dispatch_rows(pg_runtime)] == [("appel", "delivered"), ("sms", "planned")]

    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    problems = _problems(page)
    page.goto(f"{server}/mes-taches")
    assert page.url == f"{server}/connexion"
    page.get_by_label("Adresse électronique").fill("alice@ccas-nantes.fr")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{server}/mes-taches")  # back where the worker was going

    assert page.title() == "Mes tâches – chaîne"
    assert page.get_by_role("heading", level=1).inner_text() == "Mes tâches"
    assert page.get_by_role("heading", name="Tâches à prendre (1)").is_visible()
    page.screenshot(path=str(tmp_path / "mes-taches.png"), full_page=True)
    page.get_by_role("link", name="Aïcha BENALI").click()
    page.wait_for_url(f"{server}/mes-taches/{task.id}")
    assert page.title() == f"Appel n° {task.id} – chaîne"
    assert "06 12 34 56 78" in page.locator("#table-menage").inner_text()

    # Keyboard only: Tab to the claim button, Enter.
    infra._tab_to(page, "prendre", limit=40)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    notice = page.locator("#avis")
    assert "Vous avez pris la tâche" in notice.inner_text()
    assert notice.get_attribute("role") == "status"

    appointment = (datetime.now(UTC).astimezone(PARIS).date() + timedelta(days=7))
    while not is_working_day(appointment - timedelta(days=1)):  # its SMS reminder is sent the day before
        appointment += timedelta(days=1)
    # DSFR draws the radio on its label: a person clicks the label.
    page.locator("label[for='resultat-rendez_vous_fixe']").click()
    assert page.get_by_role("radio", name="Rendez-vous fixé").is_checked()
    page.get_by_label("Date du rendez-vous (facultatif)").fill(appointment.isoformat())
    page.get_by_label("Heure (facultatif)").fill("10:00")
    page.get_by_label("Note (facultatif)").fill("Au CCAS, avec ses quittances")
    page.screenshot(path=str(tmp_path / "tache.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer le résultat").click()
    page.wait_for_url(f"{server}/mes-taches")
    assert "Tâche terminée : « Rendez-vous fixé »." in page.locator("#avis").inner_text()
    assert page.get_by_role("heading", name="Tâches à prendre (0)").is_visible()
    assert problems == []  # no CSP violation, no script error

    # The relance SMS stopped; the rendez-vous's reminder (issue 18) is planned for the day before.
    assert [(c, s, r) for _, c, s, r in dispatch_rows(pg_runtime)] == [
        ("appel", "delivered", None), ("sms", "cancelled", "responded"), ("sms", "planned", None)]
    [done] = task_rows(pg_runtime)
    assert (done.status, done.outcome) == ("completed", "rendez_vous_fixe")
    assert done.note == f"Rendez-vous le {appointment:%d/%m/%Y} à 10 h 00.\nAu CCAS, avec ses quittances"
