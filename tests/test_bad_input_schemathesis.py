"""schemathesis against the OpenAPI of the running app (uvicorn on PostgreSQL): no generated request gets a 5xx.

Every operation of /openapi.json gets EXAMPLES generated requests (derandomised: the same ones on every run, so CI is
stable), with an owner's API key; answers must be < 500 (a refusal is a 4xx with a French message).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from api.app import create_app
from campaigns.platform.settings import Settings
from campaigns.runtime import migrate
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, drop_pg_database, new_partner, pg_url, recreate_pg_database, run_database
from tests.factories import campaign, signalement

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("CHAINE_SCHEMATHESIS_EXAMPLES", "12"))


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def running_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    name = run_database("schemathesis")
    recreate_pg_database(name)
    url = pg_url(name)
    data_dir = tmp_path_factory.mktemp("schemathesis")
    runtime = Runtime(Settings(database_url=url, data_dir=data_dir), clock=Clock())
    migrate.upgrade(runtime.engine)
    # Some data, so that identifiers in paths sometimes exist (a case, a campaign, tasks, an import).
    new_partner(runtime, "DDETS 44", "etat")
    _, owner = new_partner(runtime, "DDETS 44 (clé)", "etat")
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    campaign(runtime, owner="DDETS 44", steps=[{"channel": "courrier", "template": "information_etat"},
                                              {"channel": "appel", "delay_days": 0}])
    runtime.engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINE_")} | {
        "CHAINE_DATABASE_URL": url, "CHAINE_DATA_DIR": str(data_dir), "CHAINE_TWILIO_AUTH_TOKEN": "token",
        # The point is every generated request, not the per-key limit (tested in test_rate_limits.py).
        "CHAINE_RATE_LIMIT_PER_MINUTE": "0"}
    api = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1", "--port",
         str(port), "--log-level", "warning"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/api/v1/sante", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        rows = [signalement(f"R-{i}", nom=f"Nom{i}", numero_allocataire=str(5_000 + i)) for i in range(5)]
        httpx.post(f"{base}/api/v1/signalements", json=rows, headers=bailleur, timeout=60).raise_for_status()
        yield base, owner
    finally:
        api.terminate()
        api.wait(30)
        drop_pg_database(name)


def _openapi() -> dict[str, object]:
    """The app's OpenAPI document, read at collection so that each operation is a test of its own; the running
    server serves the same one (test_the_running_server_serves_this_schema)."""
    settings_dir = Path(tempfile.mkdtemp(prefix="chaine-openapi-"))
    try:
        return create_app(Runtime(Settings(data_dir=settings_dir))).openapi()
    finally:
        shutil.rmtree(settings_dir, ignore_errors=True)


OPENAPI = _openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)


def test_the_running_server_serves_this_schema(running_api: tuple[str, dict[str, str]]) -> None:
    base, _ = running_api
    assert httpx.get(f"{base}/openapi.json", timeout=30).json() == OPENAPI


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(
    case: schemathesis.Case, running_api: tuple[str, dict[str, str]]
) -> None:
    base, owner = running_api
    response = case.call(base_url=base, headers=owner, timeout=60)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:400]}"
    )
