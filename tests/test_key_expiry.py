"""API keys with a last valid day (Paris time): issued from the admin API, the web page and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.test_web_campaigns import _pilot, _post

CHAINE = str(Path(sys.executable).parent / "chaine")


def test_admin_api_key_valid_until_the_end_of_its_last_day_in_paris(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    _, owner = new_partner(runtime, "DDETS 44", "etat")
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    issued = client.post(f"/api/v1/admin/partenaires/{partner_id}/cles", json={"dernier_jour": "2026-11-30"},
                         headers=owner)
    assert issued.status_code == 201, issued.text
    assert issued.json()["expire_le"] == "2026-12-01T00:00:00+01:00"
    bearer = {"Authorization": f"Bearer {issued.json()['cle']}"}
    listed = client.get(f"/api/v1/admin/partenaires/{partner_id}/cles", headers=owner).json()["cles"]
    assert sorted(str(k["expire_le"]) for k in listed) == ["2026-12-01T00:00:00+01:00", "None"]
    clock.now = clock.now.replace(month=11, day=30, hour=22, minute=59)  # 23:59 in Paris, the last day
    assert client.get("/api/v1/taches", headers=bearer).status_code == 200
    clock.advance(minutes=1)  # midnight in Paris
    assert client.get("/api/v1/taches", headers=bearer).status_code == 401
    past = client.post(f"/api/v1/admin/partenaires/{partner_id}/cles", json={"dernier_jour": "2026-11-29"},
                       headers=owner)
    assert past.status_code == 422
    assert "date d'expiration 29/11/2026 déjà passée" in past.text
    assert client.post(f"/api/v1/admin/partenaires/{partner_id}/cles", headers=owner).json()["expire_le"] is None
    partner = client.post("/api/v1/admin/partenaires", headers=owner,
                          json={"nom": "ADIL 44", "type": "adil", "dernier_jour_cle": "2027-06-30"})
    assert partner.status_code == 201 and partner.json()["cle"].startswith("chn_")


def test_web_page_issues_a_key_with_a_last_day_and_explains_a_wrong_one(client: TestClient, runtime: Runtime) -> None:
    _pilot(client, runtime)
    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    page = f"/administration/partenaires/{partner_id}"
    refused = _post(client, f"{page}/cles", {"dernier_jour": "2026-11-01"}, page)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "expiration 01/11/2026 déjà passée" in refused.text  # type: ignore[attr-defined]
    assert 'aria-invalid="true"' in refused.text  # type: ignore[attr-defined]
    issued = _post(client, f"{page}/cles", {"dernier_jour": "2027-06-30"}, page)
    assert issued.status_code == 303  # type: ignore[attr-defined]  # POST-redirect-GET: the key is shown once after
    shown = client.get(issued.headers["location"])  # type: ignore[attr-defined]
    assert shown.status_code == 200 and '<code id="cle">chn_' in shown.text
    assert "01/07/2027" in client.get(page).text  # the first moment it no longer works


def test_cli_key_with_a_last_day(tmp_path: Path) -> None:
    env = os.environ | {"CHAINE_DATABASE_URL": f"sqlite:///{tmp_path / 'chaine.db'}", "CHAINE_DATA_DIR": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CHAINE, *args], env=env, capture_output=True, text=True, timeout=120, check=False)

    added = run("partners", "add", "Habitat 44", "--kind", "bailleur_social", "--expire-le", "31/12/2099")
    assert added.returncode == 0, added.stderr
    issued = run("partners", "key", "Habitat 44", "--expire-le", "2099-06-30")
    assert issued.returncode == 0 and "valable jusqu'au 2099-06-30 inclus" in issued.stdout
    assert issued.stdout.strip().splitlines()[-1].startswith("chn_")
    past = run("partners", "key", "Habitat 44", "--expire-le", "01/01/2020")
    assert past.returncode == 1 and "date d'expiration 01/01/2020 déjà passée" in past.stderr
    garbled = run("partners", "key", "Habitat 44", "--expire-le", "demain")
    assert garbled.returncode == 1 and "date d'expiration « demain » illisible" in garbled.stderr
