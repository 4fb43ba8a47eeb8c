"""The sources' own tables, rebuilt through the API and read back from the evaluation: Essonne closure reasons
and open files (docs/domain.md §11.7, §13.3) and the Vendée CCAS "sans suite" rate (§11.6, §13.2)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from campaigns.evaluation.period import Period, Scope
from campaigns.evaluation.time_to_response import evaluate_with_events
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign
from tests.test_evaluation import person

# Closed files by reason (004 L185–202): 75 had answered, 49 letters came back NPAI, 168 never answered.
RESPONDED_MOTIFS = {"ne souhaite pas poursuivre après adhésion": 55, "dette soldée avant l'audience": 10,
                    "orientation vers la MDS": 8, "mesure ASLL déjà en cours": 1,
                    "relogé avant l'expulsion, dossier de surendettement": 1}
SILENT_MOTIFS = {"aucun contact": 153, "départ volontaire du logement": 15}
NPAI_MOTIF = ("n'habite pas à l'adresse indiquée", 49)
PERIOD = {"debut": "2026-11-01", "fin": "2026-12-31"}


def _essonne(runtime: Runtime, client: TestClient, clock: Clock) -> dict[str, str]:
    _, dept = new_partner(runtime, "Département de l'Essonne", "departement")
    campaign(runtime, owner="Département de l'Essonne", name="Équipe mobile Essonne", stages=["assignation"],
             steps=[{"channel": "courrier", "template": "information_etat"},
                    {"channel": "sms", "template": "relance", "delay_days": 15, "conditions": ["no_response"]}])
    fates: list[tuple[str, str | None]] = []  # (fate, closing reason)
    fates += [("responded", m) for m, n in RESPONDED_MOTIFS.items() for _ in range(n)]
    fates += [("npai", NPAI_MOTIF[0])] * NPAI_MOTIF[1]
    fates += [("silent", m) for m, n in SILENT_MOTIFS.items() for _ in range(n)]
    fates += [("accompanied", None)] * 31 + [("relance", None)] * 73
    assert len(fates) == 396
    rows = [person(i, stade="assignation", parc="prive", code_postal="91000", commune="Évry-Courcouronnes")
            for i in range(len(fates))]
    for start in range(0, len(rows), 200):
        assert client.post("/api/v1/signalements", headers=dept, json=rows[start:start + 200]).status_code == 200
    runtime.tick()  # 396 first letters
    clock.advance(days=2)
    for i, (fate, _motif) in enumerate(fates):
        if fate in ("responded", "accompanied"):
            client.post("/api/v1/reponses", headers=dept, json={"reference": f"R-{i}", "canal": "appel",
                                                                "nature": "appel_entrant"})
        elif fate == "npai":
            letter = client.get(f"/api/v1/signalements/R-{i}", headers=dept).json()["contacts"][0]
            assert client.post("/api/v1/npai", headers=dept, json={"courrier_id": letter["id"]}).status_code == 201
    clock.advance(days=14)
    runtime.tick()  # the relance of those who did not answer
    clock.advance(days=1)
    closing = [person(i, stade="cloture", date_stade="11/12/2026", motif_cloture=motif, parc="prive",
                      code_postal="91000", commune="Évry-Courcouronnes")
               for i, (_fate, motif) in enumerate(fates) if motif is not None]
    for start in range(0, len(closing), 200):
        client.post("/api/v1/signalements", headers=dept, json=closing[start:start + 200])
    late = [person(1000 + i, stade="assignation", parc="prive", code_postal="91000", commune="Évry-Courcouronnes",
                   date_stade="10/12/2026") for i in range(29)]
    client.post("/api/v1/signalements", headers=dept, json=late)
    clock.advance(days=2)  # Saturday 12 December: letters wait for Monday
    runtime.tick()  # the 29 late households' first letter
    return dept


def test_essonne_closure_reasons_and_open_files(pg_runtime: Runtime, clock: Clock) -> None:
    from api.app import create_app

    with TestClient(create_app(pg_runtime)) as client:
        dept = _essonne(pg_runtime, client, clock)
        report = client.get("/api/v1/evaluation", headers=dept, params=PERIOD).json()
    with pg_runtime.session_factory() as session:
        evaluation = evaluate_with_events(session, period=Period(date(2026, 11, 1), date(2026, 12, 31)),
                                          scope=Scope(), now=clock())
    closures = evaluation.sections.closures
    assert dict(closures.motifs) == {**{m.lower(): n for m, n in RESPONDED_MOTIFS.items()},
                                     **{m: n for m, n in SILENT_MOTIFS.items()}, NPAI_MOTIF[0]: 49}
    assert (closures.total, closures.responded, closures.returned_only, closures.neither) == (292, 75, 49, 168)
    assert dict(evaluation.open_files or []) == {"ont répondu": 31,
                                                 "sans réponse, dernier contact : étape 1 · courrier": 29,
                                                 "sans réponse, dernier contact : étape 2 · SMS": 73}
    shown = {r["motif"]: (r["menages"], r["part"]) for r in report["sections"]["clotures"]["lignes"]}
    assert shown["aucun contact"] == (153, pytest.approx(153 / 292, abs=1e-6))  # 52.4 %
    assert shown["n'habite pas à l'adresse indiquée"] == (49, pytest.approx(49 / 292, abs=1e-6))
    assert shown["ne souhaite pas poursuivre après adhésion"] == (55, pytest.approx(55 / 292, abs=1e-6))
    assert shown["départ volontaire du logement"] == (15, pytest.approx(15 / 292, abs=1e-6))
    assert shown["dette soldée avant l'audience"] == (10, pytest.approx(10 / 292, abs=1e-6))
    # The two reasons of a single household each are grouped, then hidden with the next smallest (8).
    assert shown["autres motifs (moins de 5 ménages chacun)"] == ("< 5", "< 5")
    assert shown["orientation vers la mds"] == ("secret", "< 5")
    assert shown["total des dossiers clôturés"] == (292, None)
    assert shown["dont : avaient répondu avant la clôture"] == (75, pytest.approx(75 / 292, abs=1e-6))
    assert shown["dont : ni réponse ni retour NPAI"] == (168, pytest.approx(168 / 292, abs=1e-6))
    open_files = {r["etat"]: r["menages"] for r in report["sections"]["en_cours"]["lignes"]}
    assert open_files["total"] == 133
    npai = {r["parc"]: (r["courriers"], r["npai"]) for r in report["sections"]["npai"]["lignes"]}
    assert npai["ensemble"] == (425, 49)
    charter = {r["indicateur"]: r for r in report["sections"]["indicateurs_charte"]["lignes"]}
    assert (charter["Dossiers clôturés"]["parc_prive"], charter["Dossiers clôturés"]["total"]) == (292, 292)
    assert charter["Taux de retour des courriers"]["parc_prive"] == pytest.approx(49 / 425, abs=1e-6)


def test_vendee_ccas_sans_suite(pg_runtime: Runtime, clock: Clock) -> None:
    """52 households oriented to the CCAS's call queue; 40 answer the call, 12 stay without follow-up (23.1 %)."""
    from api.app import create_app

    _, ddets = new_partner(pg_runtime, "DDETS 85", "etat")
    _, ccas = new_partner(pg_runtime, "CCAS de La Roche-sur-Yon", "ccas")
    campaign(pg_runtime, owner="CCAS de La Roche-sur-Yon", name="Orientations CCAS", steps=[{"channel": "appel"}])
    with TestClient(create_app(pg_runtime)) as client:
        client.post("/api/v1/signalements", headers=ddets, json=[
            person(i, code_postal="85000", commune="La Roche-sur-Yon") for i in range(52)])
        pg_runtime.tick()
        tasks: list[dict[str, Any]] = client.get("/api/v1/taches", headers=ccas,
                                                 params={"limite": 100}).json()["taches"]
        assert len(tasks) == 52
        clock.advance(days=3)
        for task in tasks[:40]:
            answer = client.post("/api/v1/reponses", headers=ccas, json={"tache_id": task["id"], "canal": "appel",
                                                                         "nature": "appel_sortant_joint"})
            assert answer.status_code == 201, answer.text
        pg_runtime.tick()
        report = client.get("/api/v1/evaluation", headers=ddets, params=PERIOD).json()
    [row] = report["sections"]["files"]["lignes"]
    assert (row["file"], row["menages"], row["sans_suite"]) == ("CCAS de La Roche-sur-Yon", 52, 12)
    assert row["taux"] == pytest.approx(12 / 52, abs=1e-6)  # 23.1 %
