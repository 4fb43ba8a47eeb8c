"""CSV imports as jobs, reports with row-level French errors, idempotency, and bad input that loses nothing."""

from __future__ import annotations

import csv
import io
import platform
import time
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from campaigns.intake.reference_lines import ReferenceLines
from campaigns.models import Case
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import signalement

HEADER = ["reference", "stade", "date_stade", "nom", "prenom", "date_naissance", "adresse", "code_postal",
          "commune", "telephone", "montant_dette"]


def _csv(rows: list[dict[str, Any]], *, delimiter: str = ";", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, delimiter=delimiter, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def _wait(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(200):
        report: dict[str, Any] = client.get(url, headers=headers).json()
        if report["statut"] in ("done", "failed"):
            return report
        time.sleep(0.05)
    raise AssertionError(f"import still running: {report}")


def _post_csv(client: TestClient, headers: dict[str, str], data: bytes) -> dict[str, Any]:
    answer = client.post("/api/v1/signalements", content=data, headers={**headers, "Content-Type": "text/csv"})
    assert answer.status_code == 202, answer.text
    assert answer.headers["Location"] == f"/api/v1/imports/{answer.json()['id']}"
    return _wait(client, answer.headers["Location"], headers)


def _case_count(runtime: Runtime) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count(Case.id))) or 0


def test_csv_job_keeps_valid_rows_and_reports_each_rejection(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    rows = [signalement(f"R-{i}", nom=f"Nom{i}", numero_allocataire=None) for i in range(1, 6)]
    rows[1]["date_stade"] = "31/02/2026"
    rows[3]["stade"] = "expulsion_immediate"
    rows[4]["montant_dette"] = "douze euros"
    data = _csv(rows, encoding="cp1252")
    report = _post_csv(client, headers, data.replace(b"Nantes", "Rezé".encode("cp1252")))
    assert (report["crees"], report["rejetes"], report["lignes_traitees"]) == (2, 3, 5)
    assert [(r["ligne"], r["champ"]) for r in report["rejets"]] == [
        (3, "date_stade"), (5, "stade"), (6, "montant_dette")]
    assert all(r["motif"] for r in report["rejets"])
    assert "expulsion_immediate" in report["rejets"][1]["motif"]
    rejected = client.get(report["rejets_csv"], headers=headers)
    assert rejected.status_code == 200
    lines = rejected.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "ligne;reference;champ;motif" and len(lines) == 4
    assert lines[1].startswith("3;R-2;date_stade;")
    other = new_partner(runtime, "Harmonie Habitat", "bailleur_social")[1]
    assert client.get(report["rejets_csv"], headers=other).status_code == 404


def test_unknown_columns_are_reported_not_fatal(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    data = ("reference,stade,nom,prenom,commune,telephone,couleur_prefere\n"
            "R-1,impaye,Martin,Léa,Nantes,0612345678,bleu\n").encode()
    report = _post_csv(client, headers, data)
    assert (report["crees"], report["colonnes_inconnues"]) == (1, ["couleur_prefere"])


def test_broken_files_fail_clearly_and_keep_earlier_data(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    assert client.post("/api/v1/signalements", json=[signalement("R-1")], headers=headers).json()["crees"] == 1
    empty = _post_csv(client, headers, b"")
    assert empty["statut"] == "failed" and "vide" in empty["erreur"]
    missing = _post_csv(client, headers, b"reference;stade;nom\nR-1;impaye;Martin\n")
    # The first name is optional (issue 17): only the commune's column is missing here.
    assert missing["statut"] == "failed" and missing["erreur"] == "colonne obligatoire absente : commune"
    header_only = _post_csv(client, headers, ";".join(HEADER).encode() + b"\n")
    assert (header_only["statut"], header_only["lignes_traitees"]) == ("done", 0)
    undecodable = _post_csv(client, headers, b"reference;stade;prenom;commune\nR-9;impaye;\x81\x8d;Nantes\n")
    assert undecodable["statut"] == "failed" and undecodable["erreur"]
    assert _case_count(runtime) == 1
    view = client.get("/api/v1/signalements/R-1", headers=headers).json()
    assert view["stade"] == "commandement_de_payer"


FIRST_NAME_WARNING = "prénom absent : la ligne est gardée sans prénom"


def _first_names(runtime: Runtime) -> dict[str, str | None]:
    with runtime.session_factory() as session:
        return {reference: first for reference, first in session.execute(select(Case.reference, Case.prenom))}


def test_csv_row_without_first_name_is_kept_with_a_warning(runtime: Runtime, client: TestClient) -> None:
    """Issue 17: a row without prénom (or « X ») is kept, the first name stored empty (NULL), and the report names
    its line and field in French, as for an unreadable phone; the surname stays required."""
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    rows = [signalement("R-1", nom="Martin"), signalement("R-2", nom="Dupont", prenom=None),
            signalement("R-3", nom="Durand", prenom="X"), signalement("R-4", nom="INCONNU", prenom=None)]
    report = _post_csv(client, headers, _csv(rows))
    assert (report["crees"], report["rejetes"], report["lignes_traitees"]) == (3, 1, 4)
    assert [(r["ligne"], r["reference"], r["champ"], r["motif"]) for r in report["rejets"]] == [
        (3, "R-2", "prenom", FIRST_NAME_WARNING),
        (4, "R-3", "prenom", "valeur de remplissage (X, INCONNU, NC…) et non un prénom : valeur ignorée, la ligne "
                             "est gardée sans ce champ"),
        (5, "R-4", "nom", "nom de famille absent : une valeur de remplissage (X, INCONNU, NC…) n'est pas un nom"),
    ]
    lines = client.get(report["rejets_csv"], headers=headers).text.lstrip("\ufeff").splitlines()
    assert lines[1] == f"3;R-2;prenom;{FIRST_NAME_WARNING}"
    assert _first_names(runtime) == {"R-1": "Aïcha", "R-2": None, "R-3": None}
    # A file with a surname column and no first-name column is read, every row kept with the warning.
    no_column = _post_csv(client, headers, b"reference;stade;nom;adresse;code_postal;commune\n"
                                           b"R-5;impaye;Leroy;3 rue Haute;44000;Nantes\n")
    assert (no_column["statut"], no_column["crees"], no_column["rejetes"]) == ("done", 1, 0)
    assert [(r["ligne"], r["champ"], r["motif"]) for r in no_column["rejets"]] == [(2, "prenom", FIRST_NAME_WARNING)]


def test_json_row_without_first_name_is_kept_with_a_warning(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    answer = client.post("/api/v1/signalements", headers=headers, json=[
        signalement("R-1"), signalement("R-2", nom="Dupont", prenom=None), signalement("R-3", nom="Roux", prenom=""),
        signalement("R-4", nom="Petit", prenom="   "), signalement("R-5", nom="NC", prenom=None)])
    report = answer.json()
    assert (report["crees"], report["rejetes"]) == (4, 1)
    assert [(r["ligne"], r["reference"], r["champ"], r["motif"]) for r in report["rejets"] if r["champ"] == "prenom"] \
        == [(2, "R-2", "prenom", FIRST_NAME_WARNING), (3, "R-3", "prenom", FIRST_NAME_WARNING),
            (4, "R-4", "prenom", FIRST_NAME_WARNING)]
    assert [(r["ligne"], r["champ"]) for r in report["rejets"] if r["champ"] != "prenom"] == [(5, "nom")]
    assert _first_names(runtime) == {"R-1": "Aïcha", "R-2": None, "R-3": None, "R-4": None}
    # Pushed again unchanged: nothing changes (the absent first name hashes as before).
    again = client.post("/api/v1/signalements", headers=headers, json=[
        signalement("R-2", nom="Dupont", prenom=None)]).json()
    assert (again["crees"], again["mis_a_jour"], again["inchanges"]) == (0, 0, 1)


def test_json_bad_input_is_refused_row_by_row(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    answer = client.post("/api/v1/signalements", headers=headers, json=[
        signalement("R-1"), signalement("R-2", stade="inconnu"), signalement("R-1", nom="Doublon")])
    report = answer.json()
    assert (report["crees"], report["rejetes"]) == (1, 2)
    assert [(r["ligne"], r["champ"]) for r in report["rejets"]] == [(2, "stade"), (3, "reference")]
    assert client.post("/api/v1/signalements", headers={**headers, "Content-Type": "application/json"},
                       content=b"{pas du json").status_code == 400
    assert client.post("/api/v1/signalements", headers=headers, json={"signalements": "non"}).status_code == 422
    assert client.post("/api/v1/signalements", headers={**headers, "Content-Type": "application/xml"},
                       content=b"<a/>").status_code == 415
    assert _case_count(runtime) == 1


def test_idempotency_key_replays_the_first_answer(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    keyed = {**headers, "Idempotency-Key": "lot-2026-11-25"}
    first = client.post("/api/v1/signalements", json=[signalement("R-1")], headers=keyed)
    replay = client.post("/api/v1/signalements", json=[signalement("R-1")], headers=keyed)
    assert first.json() == replay.json() and replay.json()["crees"] == 1
    conflict = client.post("/api/v1/signalements", json=[signalement("R-2")], headers=keyed)
    assert conflict.status_code == 422
    assert _case_count(runtime) == 1


def test_responses_validate_their_input(runtime: Runtime, client: TestClient) -> None:
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    client.post("/api/v1/signalements", json=[signalement("R-1")], headers=headers)
    bad = client.post("/api/v1/reponses", headers=headers, json={"reference": "R-1", "canal": "pigeon",
                                                                  "nature": "appel_entrant"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["champ"] == "canal"
    assert "valeurs possibles" in bad.json()["detail"][0]["motif"]
    unknown = client.post("/api/v1/reponses", headers=headers, json={"reference": "R-404", "canal": "appel",
                                                                      "nature": "appel_entrant"})
    assert unknown.status_code == 404
    both = client.post("/api/v1/reponses", headers=headers, json={"canal": "appel", "nature": "appel_entrant"})
    assert both.status_code == 422


def test_an_import_whose_process_died_is_run_again_by_the_tick(runtime: Runtime, clock: Clock) -> None:
    from campaigns.intake.jobs import create_import
    from campaigns.models import ImportJob, Partner

    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    data = _csv([signalement("R-1"), signalement("R-2", nom="Martin", numero_allocataire="2")])
    with runtime.session_factory.begin() as session:
        job = create_import(session, partner=session.get_one(Partner, partner_id), source="csv", payload=data,
                            now=clock())
        # As left by an API process killed in the middle: running, no progress since its first batch (row 1,
        # committed with its count; its case is left out here to show that the next run does not apply it again).
        job.status, job.started_at, job.heartbeat_at = "running", clock(), clock()
        job.processed_rows, job.created_count = 1, 1
        job_id = job.id
    runtime.tick()
    assert _case_count(runtime) == 0  # within the lease: still someone else's
    clock.advance(hours=1)
    runtime.tick()
    runtime.join_background(30)
    with runtime.session_factory() as session:
        job = session.get_one(ImportJob, job_id)
        assert (job.status, job.total_rows, job.processed_rows, job.created_count) == ("done", 2, 2, 2)
        assert session.scalars(select(Case.reference)).all() == ["R-2"]  # resumed after row 1


def test_references_kept_are_still_found_once_frozen_into_arrays() -> None:
    """A million references are kept in 16 bytes each (campaigns/intake/reference_lines.py): older ones frozen."""
    seen = ReferenceLines(recent=3)
    for line, reference in enumerate(["R-1", "R-2", "R-3", "R-4", "R-5"], start=2):
        assert seen.line_of(reference) is None
        seen.add(reference, line)
    assert [seen.line_of(r) for r in ("R-1", "R-3", "R-4", "R-5", "R-6")] == [2, 4, 5, 6, None]
    assert len(seen) == 5


def test_columns_no_row_of_a_push_gives_are_stored_empty_or_with_their_default(runtime: Runtime,
                                                                                client: TestClient) -> None:
    # A push's new cases are inserted with the columns some row gives (and those with a default): the others are
    # left out of the insert, and read back empty, as when they were written as NULL.
    _, headers = new_partner(runtime, "Habitat 44", "bailleur_social")
    rows = [signalement("R-1", nom="Durand", email="durand@exemple.fr"),
            signalement("R-2", nom="Morel", prenom="Luc", telephone=None, loyer_mensuel=None, parc=None,
                        adresse="3 rue du Port", referent_connu="Mme Roux, CCAS")]
    answer = client.post("/api/v1/signalements", headers=headers, json=rows)
    assert answer.status_code == 200 and answer.json()["crees"] == 2, answer.text
    with runtime.session_factory() as session:
        cases = {case.reference: case for case in session.scalars(select(Case))}
    first, second = cases["R-1"], cases["R-2"]
    assert (first.email, second.email) == ("durand@exemple.fr", None)
    assert (first.referent_connu, second.referent_connu) == (None, "Mme Roux, CCAS")
    assert (first.telephone, second.telephone, first.parc, second.parc) == ("+33612345678", None, "social", None)
    for case in (first, second):
        # No row gave these: empty, or their column's default.
        assert (case.mandataire_nom, case.bailleur, case.date_audience, case.ages_enfants) == (None, None, None, None)
        assert (case.langue, case.falc, case.injoignable) == ("fr", False, False)
        assert case.nom in ("Durand", "Morel") and case.date_naissance == date(1985, 3, 12)


def test_the_c_heap_is_trimmed_after_each_committed_batch(runtime: Runtime, clock: Clock,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A big file's RSS stays level only if the freed C heap of each batch is handed back (campaigns/intake/heap.py):
    once per committed batch, after its transaction (5 rows in batches of 2: 3 batches)."""
    from campaigns.intake import jobs
    from campaigns.models import ImportJob, Partner

    partner_id, _ = new_partner(runtime, "Habitat 44", "bailleur_social")
    data = _csv([signalement(f"R-{i}", nom=f"Nom{i}") for i in range(5)])
    with runtime.session_factory.begin() as session:
        job_id = jobs.create_import(session, partner=session.get_one(Partner, partner_id), source="csv",
                                    payload=data, now=clock()).id
    committed: list[int] = []

    def trim() -> bool:
        with runtime.session_factory() as session:  # what another session sees: the batch is committed
            committed.append(session.get_one(ImportJob, job_id).processed_rows)
        return True

    monkeypatch.setattr(jobs, "release_free_heap", trim)
    jobs.run_import(runtime.session_factory, job_id, clock=clock, batch_size=2)
    assert committed == [2, 4, 5]
    assert _case_count(runtime) == 5


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_malloc_trim_is_found_on_glibc() -> None:
    from campaigns.intake.heap import release_free_heap

    assert release_free_heap() is True
