"""An import whose process is killed mid-file resumes at restart from its last committed batch (issue 16).

A real process (the runtime built on PostgreSQL, as the API or a worker builds it) runs the import of a big CSV and
is killed with SIGKILL between two batches; then the runtime does what it does at restart (the tick reclaims the
job once its lease is over and runs it again). Every row's case exists once and the counts are those of an
uninterrupted import of the same file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from campaigns.intake.jobs import create_import, push_items
from campaigns.models import Case, ImportChunk, ImportJob, Partner
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner

ROOT = Path(__file__).resolve().parents[2]
ROWS = 1_500
BATCH = 50
HEADER = "reference;stade;date_stade;nom;prenom;date_naissance;adresse;code_postal;commune;montant_dette"

# Runs one import as `Runtime.run_import` does in an API thread or a Celery worker, on the tests' clock.
CHILD = """
import sys
from datetime import datetime
from pathlib import Path
from campaigns.platform.settings import Settings
from campaigns.runtime.root import Runtime
url, data_dir, import_id, now = sys.argv[1], sys.argv[2], int(sys.argv[3]), datetime.fromisoformat(sys.argv[4])
settings = Settings(database_url=url, data_dir=Path(data_dir), import_batch_size=int(sys.argv[5]))
Runtime(settings, clock=lambda: now).run_import(import_id)
"""


def _row(i: int) -> dict[str, str]:
    return {
        "reference": f"R-{i}", "stade": "commandement_de_payer", "date_stade": "20/11/2026", "nom": f"Nom{i}",
        "prenom": "Aïcha", "date_naissance": f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1940 + i % 60}",
        "adresse": f"{i} rue Neuve", "code_postal": "44000", "commune": "Nantes", "montant_dette": "1 200,00",
    }


def _file() -> bytes:
    """ROWS rows: one in 97 with an impossible date (refused), and R-3 repeated near the end (refused: already
    in the first batch, which a resumed run does not apply again but must still remember)."""
    lines = [HEADER]
    for i in range(ROWS):
        row = _row(i)
        if i % 97 == 50:
            row["date_stade"] = "31/02/2026"
        lines.append(";".join(row.values()))
    lines.append(";".join(_row(3).values()))
    return ("\n".join(lines) + "\n").encode()


def _known_before(runtime: Runtime, partner_id: int) -> None:
    """The partner's cases before the file: 100 the file leaves as they are, 100 whose debt it changes."""
    items: list[dict[str, Any]] = [_row(i) for i in range(100)]
    items += [_row(i) | {"montant_dette": "900,00"} for i in range(100, 200)]
    with runtime.session_factory.begin() as session:
        push_items(session, partner=session.get_one(Partner, partner_id), items=items, now=runtime.clock())


def _job(runtime: Runtime, partner_id: int, data: bytes) -> int:
    with runtime.session_factory.begin() as session:
        partner = session.get_one(Partner, partner_id)
        return create_import(session, partner=partner, source="csv", payload=data, now=runtime.clock()).id


def _report(client: TestClient, headers: dict[str, str], job_id: int) -> dict[str, Any]:
    answer = client.get(f"/api/v1/imports/{job_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


def _counts(report: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(report[k] for k in ("statut", "lignes_total", "lignes_traitees", "crees", "mis_a_jour",
                                     "inchanges", "rejetes"))


def _kill_mid_import(pg_runtime: Runtime, client: TestClient, headers: dict[str, str], job_id: int,
                     now: datetime, tmp_path: Path) -> dict[str, Any]:
    url = pg_runtime.settings.database_url.get_secret_value()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(tmp_path / "child"), str(job_id), now.isoformat(), str(BATCH)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            report = _report(client, headers, job_id)
            if report["lignes_traitees"] >= 4 * BATCH:
                break
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            time.sleep(0.01)
        else:
            raise AssertionError("the import made no progress")
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
    return _report(client, headers, job_id)


def test_an_import_killed_mid_file_resumes_from_its_last_batch(
    pg_runtime: Runtime, clock: Clock, tmp_path: Path
) -> None:
    data = _file()
    first, first_headers = new_partner(pg_runtime, "Habitat 44", "bailleur_social")
    _known_before(pg_runtime, first)
    job_id = _job(pg_runtime, first, data)
    with TestClient(create_app(pg_runtime)) as client:
        killed = _kill_mid_import(pg_runtime, client, first_headers, job_id, clock(), tmp_path)
        # Known as soon as the file was read, while the job runs: rows done of total.
        assert (killed["statut"], killed["lignes_total"]) == ("running", ROWS + 1)
        assert 4 * BATCH <= killed["lignes_traitees"] < ROWS, killed
        assert killed["lignes_traitees"] % BATCH == 0  # whole batches, with their counts
        # Restart: within the lease the job may still be someone's; after it, the tick takes it up again.
        pg_runtime.tick()
        pg_runtime.join_background(120)
        assert _report(client, first_headers, job_id)["lignes_traitees"] == killed["lignes_traitees"]
        clock.advance(seconds=pg_runtime.settings.import_lease_seconds + 60)
        pg_runtime.tick()
        pg_runtime.join_background(300)
        resumed = _report(client, first_headers, job_id)

        # The same file, uninterrupted, for another partner with the same cases before it.
        second, second_headers = new_partner(pg_runtime, "Harmonie Habitat", "bailleur_social")
        _known_before(pg_runtime, second)
        reference_id = _job(pg_runtime, second, data)
        pg_runtime.run_import(reference_id)
        uninterrupted = _report(client, second_headers, reference_id)

    bad_dates = len([i for i in range(ROWS) if i % 97 == 50])  # two of them known before
    expected = ("done", ROWS + 1, ROWS + 1, ROWS - 200 - (bad_dates - 2), 100 - 1, 100 - 1, bad_dates + 1)
    assert _counts(uninterrupted) == expected
    assert _counts(resumed) == _counts(uninterrupted)
    assert [r["ligne"] for r in resumed["rejets"]] == [r["ligne"] for r in uninterrupted["rejets"]]
    with pg_runtime.session_factory() as session:
        cases = session.execute(
            select(Case.reference, func.count(Case.id)).where(Case.partner_id == first).group_by(Case.reference)
        ).all()
        households = session.scalar(select(func.count(func.distinct(Case.household_id)))
                                    .where(Case.partner_id == first))
        job = session.get_one(ImportJob, job_id)
        assert job.payload is None and job.payload_index is None  # the file is dropped once the job ended
        assert session.scalar(select(func.count(ImportChunk.id)).where(ImportChunk.import_id == job_id)) == 0
    assert max(count for _, count in cases) == 1
    assert len(cases) == ROWS - bad_dates + 2 and households == len(cases)  # one case, one household per person
