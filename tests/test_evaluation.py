"""Evaluation through the API: the ADIL 44 contact-mode table (docs/domain.md §11.5) and scenario 10 (bailleurs,
small cells), built by pushing households, ticking and recording responses, then read back from the facts."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from campaigns.evaluation.period import Period, Scope
from campaigns.evaluation.time_to_response import evaluate_with_events
from campaigns.reports.html import report_html
from campaigns.reports.tables import build_report
from campaigns.runtime.root import Runtime
from tests.conftest import Clock, new_partner
from tests.factories import campaign, signalement
from tests.security.evaluation_auditor import recovered_cells

BAILLEURS = ["NMH", "LNH", "HABITAT 44", "Harmonie Habitat", "CDC Habitat Social", "LOGI OUEST",
             "Atlantique Habitations", "VILOGIA", "Aiguillon Construction", "CIF Coopérative", "ICF Habitat", "SILENE"]
# Social park: 62 households over 12 bailleurs, two of them under 5 (scenario 10).
SIZES = [6, 6, 6, 6, 6, 5, 5, 5, 5, 5, 3, 4]
# Responses by mode (incoming call after the letter, outgoing call, visit 1, visit 2), §5.1.
PRIVE = {"courrier": 5, "appel": 19, "visite_1": 3, "visite_2": 1, "none": 18}
SOCIAL = {"courrier": 17, "appel": 13, "visite_1": 8, "visite_2": 1, "none": 23}
PERIOD = {"debut": "2026-11-01", "fin": "2026-12-31"}


SYLLABLES = ["ba", "ko", "ri", "mu", "te", "lo", "ga", "ni", "su", "fe", "do", "pa", "vi", "ze", "hu", "jo", "ca",
             "mi", "ro", "ty"]
FIRST_NAMES = ["Marie", "Jean", "Nathalie", "Pierre", "Isabelle", "Michel", "Sophie", "Karim", "Aïcha", "Léa",
               "Thomas", "Fatou", "Julien", "Amina", "Loïc", "Céline", "Mamadou", "Hélène", "Kevin", "Sandrine"]


def person(i: int, **extra: Any) -> dict[str, Any]:
    """A distinct household: name, first name, birth date, address and allocataire number all differ."""
    name = "".join(SYLLABLES[(i * 7 + k * 3) % 20] + SYLLABLES[(i // 20 + k * 11) % 20] for k in range(2)).title()
    born = date(1935, 1, 1) + timedelta(days=(97 * i) % 24_000)
    return signalement(f"R-{i}", nom=f"{name}-{chr(65 + i % 26)}{i}", prenom=FIRST_NAMES[i % 20],
                       date_naissance=born.strftime("%d/%m/%Y"), adresse=f"{i + 1} rue n°{i * 13}",
                       numero_allocataire=f"{9_000_000 + i * 7919}", **extra)


def _plan(counts: dict[str, int]) -> list[str]:
    return [mode for mode, n in counts.items() for _ in range(n)]


def build_adil44(runtime: Runtime, client: TestClient, clock: Clock) -> dict[str, Any]:
    """108 households (46 private, 62 social), the ADIL 44 aller-vers: letter, call, visit, second visit."""
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    new_partner(runtime, "ADIL 44", "adil")
    bailleurs = [new_partner(runtime, name, "bailleur_social")[1] for name in BAILLEURS]
    campaign(runtime, owner="ADIL 44", name="ADIL 44 aller-vers",
             unit_costs={"courrier": 1.2, "appel": 6, "visite": 25},
             steps=[{"channel": "courrier", "template": "information_etat"},
                    {"channel": "appel", "delay_days": 7, "conditions": ["no_response"]},
                    {"channel": "visite", "delay_days": 7, "conditions": ["no_response"]},
                    {"channel": "visite", "delay_days": 7, "conditions": ["no_response"]}])
    households: list[tuple[str, dict[str, str], str]] = []  # reference, headers of its pusher, planned mode
    for i, mode in enumerate(_plan(PRIVE)):
        households.append((f"R-{i}", ddets, mode))
    assert client.post("/api/v1/signalements", headers=ddets,
                       json=[person(i, parc="prive") for i in range(46)]).json()["crees"] == 46
    social_modes = _plan(SOCIAL)
    # Round-robin over the bailleurs so that each one has responders of several kinds.
    order = [b for rnd in range(max(SIZES)) for b, size in enumerate(SIZES) if rnd < size]
    for n, (bailleur, mode) in enumerate(zip(order, social_modes, strict=True)):
        i = 46 + n
        assert client.post("/api/v1/signalements", headers=bailleurs[bailleur],
                           json=[person(i, parc="social")]).json()["crees"] == 1
        households.append((f"R-{i}", bailleurs[bailleur], mode))

    def answer(mode: str, canal: str, nature: str) -> None:
        for reference, headers, planned in households:
            if planned == mode:
                # The pushers record the household's answers to the ADIL's steps with an attributed reason (rule 2 of
                # docs/security.md): that evidence stops the ADIL's next steps, as a worker's outcome would.
                reply = client.post("/api/v1/reponses", headers=headers,
                                    json={"reference": reference, "canal": canal, "nature": nature,
                                          "motif_menage": "accompagnement_engage"})
                assert reply.status_code == 201, reply.text

    runtime.tick()  # the letters
    clock.advance(days=2)
    answer("courrier", "appel", "appel_entrant")
    for mode in ("appel", "visite_1", "visite_2"):
        clock.advance(days=5)
        runtime.tick()  # the next step's tasks, for those who have not answered
        clock.advance(hours=3)
        answer(mode, "appel" if mode == "appel" else "visite",
               "appel_sortant_joint" if mode == "appel" else "visite")
        clock.advance(days=2)
    runtime.tick()
    return {"ddets": ddets, "bailleurs": bailleurs}


def test_adil44_contact_modes_by_parc(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    headers = build_adil44(runtime, client, clock)
    with runtime.session_factory() as session:
        evaluation = evaluate_with_events(session, period=Period(date(2026, 11, 1), date(2026, 12, 31)),
                                          scope=Scope(), now=clock())
    modes = {t.parc: (t.responders, dict(t.modes)) for t in evaluation.sections.modes}
    assert modes["parc privé"] == (28, {"étape 1 · courrier": 5, "étape 2 · appel": 19,
                                        "étape 3 · visite à domicile": 3, "étape 4 · visite à domicile": 1})
    assert modes["parc social"] == (39, {"étape 1 · courrier": 17, "étape 2 · appel": 13,
                                         "étape 3 · visite à domicile": 8, "étape 4 · visite à domicile": 1})
    answer = client.get("/api/v1/evaluation", headers=headers["ddets"], params=PERIOD)
    assert answer.status_code == 200, answer.text
    rows = answer.json()["sections"]["modes_de_contact"]["lignes"]
    shown = {(r["parc"], r["mode"]): (r["menages"], r["part"]) for r in rows}
    # 19/28 = 67.9 % and 17/39 = 43.6 % (req. 29). The small cells are hidden, and only the fewest others so that
    # no subtraction gives them back (docs/security.md E5): the social park's 8, or its row would give its 1 back.
    # The cells the source publishes at 5 or more (19, 5, 17, 13) stay visible.
    assert shown[("parc privé", "étape 2 · appel")] == (19, pytest.approx(0.6786, abs=1e-4))
    assert shown[("parc privé", "étape 1 · courrier")] == (5, pytest.approx(5 / 28, abs=1e-4))
    assert shown[("parc privé", "étape 3 · visite à domicile")] == ("< 5", "< 5")
    assert shown[("parc privé", "étape 4 · visite à domicile")] == ("< 5", "< 5")
    assert shown[("parc social", "étape 1 · courrier")] == (17, pytest.approx(0.4359, abs=1e-4))
    assert shown[("parc social", "étape 2 · appel")] == (13, pytest.approx(0.3333, abs=1e-4))
    assert shown[("parc social", "étape 3 · visite à domicile")] == ("secret", "< 5")
    assert shown[("parc social", "étape 4 · visite à domicile")] == ("< 5", "< 5")
    assert {r["total"] for r in rows if r["parc"] == "parc privé"} == {28}
    assert {r["total"] for r in rows if r["parc"] == "parc social"} == {39}
    # The steps' responders are the grid's columns and add up to the 67 responders: the second visit's 2 would come
    # back as 67 − 22 − 32 − 11, so the first visit's 11 is hidden too.
    steps = {r["valeur"]: r["repondants"] for r in answer.json()["sections"]["taux_etape"]["lignes"]}
    assert steps == {"étape 1 · courrier": 22, "étape 2 · appel": 32, "étape 3 · visite à domicile": "secret",
                     "étape 4 · visite à domicile": "< 5"}
    assert not recovered_cells(answer.json())


def test_adil44_costs_curves_and_indicators(pg_runtime: Runtime, clock: Clock) -> None:
    from api.app import create_app

    with TestClient(create_app(pg_runtime)) as client:
        headers = build_adil44(pg_runtime, client, clock)
        report = client.get("/api/v1/evaluation", headers=headers["ddets"], params=PERIOD).json()
    sections = report["sections"]
    assert sections["synthese"]["lignes"][0]["menages"] == 108
    assert sections["synthese"]["lignes"][0]["repondants"] == 67
    channels = {r["valeur"]: (r["menages"], r["repondants"]) for r in sections["taux_canal"]["lignes"]}
    assert channels == {"courrier": (108, 22), "appel": (86, 32), "visite à domicile": (54, 13),
                        "lien de réponse": (108, 0)}  # every letter carried the answer link; nobody used it
    parcs = {r["valeur"]: (r["menages"], r["repondants"], r["taux"]) for r in sections["taux_parc"]["lignes"]}
    assert parcs == {"parc privé": (46, 28, pytest.approx(28 / 46)), "parc social": (62, 39, pytest.approx(39 / 62))}
    # 108 letters at 1.20 €, 86 calls at 6 €, 97 visits at 25 €: 3 070,60 € for 67 responses.
    cost = sections["couts_campagne"]["lignes"][0]
    assert (cost["contacts"], cost["cout"], cost["reponses"]) == (291, 3070.6, 67)
    assert cost["cout_par_reponse"] == pytest.approx(3070.6 / 67, abs=1e-6)
    by_channel = {r["valeur"]: (r["cout"], r["reponses"]) for r in sections["couts_canal"]["lignes"]}
    assert by_channel == {"courrier": (129.6, 22), "appel": (516.0, 32), "visite à domicile": (2425.0, 13)}
    charter = {r["indicateur"]: (r["parc_prive"], r["parc_public"], r["total"])
               for r in sections["indicateurs_charte"]["lignes"]}
    assert charter["Nombre de courriers transmis"] == (46, 62, 108)
    assert charter["Ménages ayant répondu"] == (28, 39, 67)
    assert charter["Appels programmés (tâches créées)"] == (41, 45, 86)
    comparison = next(c for c in sections["comparaisons"]["lignes"] if (c["a"], c["b"]) == ("appel", "courrier"))
    assert comparison["difference"] == pytest.approx(32 / 86 - 22 / 108, abs=1e-6)
    assert comparison["test"] == "chi²" and comparison["p_holm"] >= comparison["p"]
    curves = {c["canal"]: c for c in report["courbes_de_reponse"]}
    # The 22 households that answered the letter did so two days after it.
    assert curves["courrier"]["menages"] == 108
    assert curves["courrier"]["points"][2]["part_ayant_repondu"] == pytest.approx(22 / 108, abs=1e-4)
    assert curves["courrier"]["points"][1]["part_ayant_repondu"] == 0.0
    open_files = {r["etat"]: r["menages"] for r in sections["en_cours"]["lignes"]}
    assert open_files == {"ont répondu": 67, "sans réponse, dernier contact : étape 4 · visite à domicile": 41,
                          "total": 108}


SCENARIO_10 = [6] * 10 + [3, 4]


def build_scenario_10(runtime: Runtime, client: TestClient, clock: Clock) -> dict[str, Any]:
    """Scenario 10: 12 bailleurs, two with fewer than 5 households; a letter then an SMS; half the households
    read FALC. Household j of a bailleur answers the letter if j % 3 == 0, the SMS if j % 3 == 1."""
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    bailleurs = [new_partner(runtime, name, "bailleur_social")[1] for name in BAILLEURS]
    campaign(runtime, owner="DDETS 44", steps=[
        {"channel": "courrier", "template": "information_etat"},
        {"channel": "sms", "template": "relance", "delay_days": 7, "conditions": ["no_response"]}])
    plan: list[tuple[str, dict[str, str], int]] = []
    i = 0
    pushed: list[dict[str, Any]] = []
    for b, size in enumerate(SCENARIO_10):
        rows = []
        for j in range(size):
            rows.append(person(i, falc="oui" if i % 2 else "non"))
            plan.append((f"R-{i}", bailleurs[b], j % 3))
            i += 1
        assert client.post("/api/v1/signalements", headers=bailleurs[b], json=rows).json()["crees"] == size
        pushed.extend(rows)
    runtime.tick()
    clock.advance(days=2)
    for reference, headers, kind in plan:
        if kind == 0:
            client.post("/api/v1/reponses", headers=headers,
                        json={"reference": reference, "canal": "appel", "nature": "appel_entrant"})
    clock.advance(days=5)
    runtime.tick()
    clock.advance(hours=2)
    for reference, headers, kind in plan:
        if kind == 1:
            client.post("/api/v1/reponses", headers=headers, json={"reference": reference, "canal": "sms",
                                                                    "nature": "sms"})
    clock.advance(days=1)
    runtime.tick()
    return {"ddets": ddets, "bailleurs": bailleurs, "rows": pushed}


def test_scenario_10_bailleurs_small_cells_and_no_personal_data(runtime: Runtime, client: TestClient,
                                                                   clock: Clock) -> None:
    built = build_scenario_10(runtime, client, clock)
    answer = client.get("/api/v1/evaluation", headers=built["ddets"], params=PERIOD)
    sections = answer.json()["sections"]
    channels = {r["valeur"]: (r["menages"], r["repondants"]) for r in sections["taux_canal"]["lignes"]}
    # The 23 households that phoned their bailleur did so in the bailleur's word only (no attributed reason, rule 2
    # of docs/security.md): that stops the bailleur's own campaigns (it has none here), not the State's SMS, which
    # therefore goes to all 67 households when it falls due; the 22 answers recorded after it are credited to it.
    assert channels == {"courrier": (67, 23), "SMS": (67, 22), "lien de réponse": (67, 0)}
    by_bailleur = {r["valeur"]: (r["menages"], r["repondants"], r["taux"]) for r in sections["taux_bailleur"]["lignes"]}
    assert by_bailleur["ICF Habitat"] == ("< 5", "< 5", "< 5")
    assert by_bailleur["SILENE"] == ("< 5", "< 5", "< 5")
    assert by_bailleur["NMH"] == (6, "< 5", "< 5")
    crossed = {(r["canal"], r["bailleur"]): r for r in sections["taux_canal_bailleur"]["lignes"]}
    assert crossed[("courrier", "ICF Habitat")]["menages"] == "< 5"
    assert crossed[("courrier", "SILENE")]["taux"] == "< 5"
    assert crossed[("courrier", "NMH")]["menages"] == 6
    # FALC (odd households) against standard: 33 and 34 letters, with the responses of the plan.
    falc = {r["valeur"]: (r["menages"], r["repondants"]) for r in sections["taux_falc"]["lignes"]}
    kinds = [j % 3 for size in SCENARIO_10 for j in range(size)]
    assert falc == {"FALC": (33, sum(1 for i, k in enumerate(kinds) if i % 2 and k < 2)),
                    "standard": (34, sum(1 for i, k in enumerate(kinds) if not i % 2 and k < 2))}
    assert falc["FALC"][1] + falc["standard"][1] == 45
    [versus] = [c for c in sections["comparaisons"]["lignes"] if c["famille"] == "FALC contre standard"]
    assert (versus["a"], versus["b"], versus["test"]) == ("FALC", "standard", "chi²")
    assert versus["p_holm"] == versus["p"]  # a family of one comparison
    # Exports and report: no name, address or allocataire number anywhere.
    csv_text = client.get("/api/v1/evaluation/export.csv", headers=built["ddets"], params=PERIOD).text
    xlsx = client.get("/api/v1/evaluation/export.xlsx", headers=built["ddets"], params=PERIOD).content
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    with runtime.session_factory() as session:
        html = report_html(build_report(evaluate_with_events(
            session, period=Period(date(2026, 11, 1), date(2026, 12, 31)), scope=Scope(), now=clock())))
    for output in (answer.text, csv_text, xml, html):
        for row in built["rows"]:
            for field in ("nom", "adresse", "numero_allocataire", "telephone"):
                assert row[field] not in output
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0] == "section;ligne;indicateur;valeur"
    assert "Taux de réponse par canal;courrier;ménages;67" in lines
    assert "Taux de réponse par bailleur;SILENE;taux de réponse;< 5" in lines
    # A bailleur sees its own households only, and not who else writes to them.
    own = client.get("/api/v1/evaluation", headers=built["bailleurs"][0], params=PERIOD).json()
    assert own["perimetre"] == "ménages signalés par NMH"
    assert [r["valeur"] for r in own["sections"]["taux_bailleur"]["lignes"]] == ["NMH"]
    assert own["sections"]["synthese"]["lignes"][0]["menages"] == 6
    assert "taux_pilote" not in own["sections"] and "files" not in own["sections"]
    assert client.get("/api/v1/evaluation/export.csv", headers=built["bailleurs"][0],
                      params=PERIOD).status_code == 403


def test_evaluation_access_and_period(runtime: Runtime, client: TestClient) -> None:
    _, caf = new_partner(runtime, "CAF 44", "caf")
    _, ddets = new_partner(runtime, "DDETS 44", "etat")
    assert client.get("/api/v1/evaluation", headers=caf, params=PERIOD).status_code == 403
    assert client.get("/api/v1/evaluation", params=PERIOD).status_code == 401
    wrong = client.get("/api/v1/evaluation", headers=ddets, params={"debut": "2026-12-31", "fin": "2026-11-01"})
    assert wrong.status_code == 422
    empty = client.get("/api/v1/evaluation", headers=ddets, params=PERIOD).json()
    assert empty["sections"]["synthese"]["lignes"][0]["menages"] == 0
    assert empty["courbes_de_reponse"] == []
    exported = client.get("/api/v1/evaluation/export.xlsx", headers=ddets, params=PERIOD)
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == 'attachment; filename="evaluation_2026-11-01_2026-12-31.xlsx"'
