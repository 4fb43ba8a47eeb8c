"""The same CSV posted twice at the same moment to two API processes: one import, no duplicate case or household."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import httpx
from sqlalchemy import func, select

from campaigns.models import Case, Household, ImportJob
from tests.conftest import new_partner
from tests.factories import campaign
from tests.faults.rig import Rig
from tests.faults.services import ROOT, free_port, wait_for

ROWS = 2_000


def _csv(rows: int) -> bytes:
    lines = ["reference;stade;date_stade;nom;prenom;date_naissance;adresse;code_postal;commune;telephone"]
    lines += [f"R-{i};commandement_de_payer;20/11/2026;Nom{i};Aïcha;{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 50};"
              f"{i} rue Neuve;44000;Nantes;06{10_000_000 + i:08d}" for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")  # as a spreadsheet saves it


def test_the_same_import_posted_twice_at_once(rig: Rig) -> None:
    new_partner(rig.runtime, "DDETS 44", "etat")
    _, headers = new_partner(rig.runtime, "Habitat 44", "bailleur_social")
    campaign(rig.runtime, owner="DDETS 44", steps=[{"channel": "sms", "template": "relance"}])
    rig.start_worker(concurrency=2)  # runs the import jobs (chaine.run_import)
    port = free_port()
    # Production mode: two uvicorn processes behind one port, so the two posts race in two processes.
    api = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1", "--port",
         str(port), "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=rig.worker_env(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(base), timeout=60, what="API")
        body = _csv(ROWS)
        barrier = threading.Barrier(2)
        answers: list[httpx.Response] = []

        def post() -> None:
            with httpx.Client(base_url=base, timeout=120) as client:
                barrier.wait()
                answers.append(client.post("/api/v1/signalements", content=body,
                                           headers=headers | {"Content-Type": "text/csv"}))

        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)
        assert [a.status_code for a in answers] == [202, 202], [a.text[:300] for a in answers]
        locations = {a.headers["Location"] for a in answers}
        assert len(locations) == 1  # both answered with the same job
        [location] = locations
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 180
            report = client.get(location, headers=headers).json()
            while report["statut"] not in ("done", "failed") and time.monotonic() < deadline:
                time.sleep(0.5)
                report = client.get(location, headers=headers).json()
    finally:
        api.terminate()
        api.wait(30)
    with rig.runtime.session_factory() as session:
        jobs = session.scalar(select(func.count()).select_from(ImportJob))
        cases = session.scalar(select(func.count()).select_from(Case))
        distinct = session.scalar(select(func.count(func.distinct(Case.reference))))
        households = session.scalar(select(func.count()).select_from(Household))
    print(f"import report: {report}")
    assert (jobs, cases, distinct, households) == (1, ROWS, ROWS, ROWS)
    assert report["crees"] == ROWS and report["rejetes"] == 0


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/v1/sante", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
