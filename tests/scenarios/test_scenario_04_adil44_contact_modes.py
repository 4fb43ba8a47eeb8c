"""Scenario 4 of docs/domain.md §13 (domain brief §10.2): the ADIL 44 contact-mode benchmark, through the command
line and the HTTP API. Four CCAPEX restreintes (October 2020 to April 2021) send 109 situations at the réquisition
of the force publique to the ADIL, which pushes them; each social landlord pushes its own tenants. The DDETS starts
the ADIL 44 aller-vers from its preset (letter, call a week later, visit, second visit), delegated to the ADIL. The
ADIL's worker records what happened as it happens: incoming calls after the letter, calls and visits from the
queue, diagnostics. The evaluation is read back through GET /api/v1/evaluation and `chaine rapport`."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import Clock
from tests.scenarios.adil44_data import (
    BAILLEURS,
    INCOMING,
    MEETINGS,
    OUTGOING,
    VISIT_1,
    VISIT_2,
    Situation,
    expected_modes,
    landlord_reference,
    situations,
)
from tests.scenarios.service import Service, service
from tests.security.evaluation_auditor import recovered_cells

PARIS = ZoneInfo("Europe/Paris")
STATE, ADIL = "DDETS de Loire-Atlantique", "ADIL 44"
PERIOD = {"debut": "2020-10-01", "fin": "2021-05-31"}
PARKS = {"prive": "parc privé", "social": "parc social"}
# The step each contact mode is credited to in the preset's sequence (letter, call, visit, second visit).
STEPS = {INCOMING: "étape 1 · courrier", OUTGOING: "étape 2 · appel", VISIT_1: "étape 3 · visite à domicile",
         VISIT_2: "étape 4 · visite à domicile"}
HIDDEN = ("< 5", "secret")


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS).astimezone(UTC)


class Adil:
    """The ADIL's side: its worker, its queue, the responses it records."""

    def __init__(self, s: Service, people: list[Situation]) -> None:
        self.s = s
        self.by_name = {p.name: p for p in people}
        self.worker = s.post(ADIL, "/api/v1/agents", {"nom": "Annaïg Le Gall"}, expected=201)["id"]
        self.incoming_tasks: list[str] = []  # call tasks opened for households that had already called

    def respond(self, target: dict[str, Any], canal: str, nature: str) -> None:
        self.s.post(ADIL, "/api/v1/reponses", {**target, "canal": canal, "nature": nature}, expected=201)

    def work_queue(self, kind: str, outcome: dict[str | None, str], day: date) -> list[Situation]:
        """Completes the queue's open tasks of `kind` with the outcome of each household's mode; a household
        reached by a call and diagnosed comes to the ADIL's office three days later, one found at home is
        diagnosed during the visit."""
        self.s.clock.now = _at(day, 11)
        done: list[tuple[Situation, int]] = []
        for task in self.s.tasks(ADIL, type=kind, limite=500):
            person = self.by_name[(task["menage"]["nom"], task["menage"]["prenom"])]
            result = outcome.get(person.mode, outcome[None])
            if result == "visite_realisee" and person.diagnosed:
                result = "diagnostic_realise"
            self.s.post(ADIL, f"/api/v1/taches/{task['id']}/terminer", {"agent_id": self.worker, "resultat": result})
            done.append((person, task["id"]))
        self.s.clock.now = _at(day + timedelta(days=3), 14)
        for person, task_id in done:
            if kind == "appel" and person.mode == OUTGOING and person.diagnosed:
                self.respond({"tache_id": task_id}, "accueil", "diagnostic_realise")
        return [person for person, _task in done]


def _batch(s: Service, adil: Adil, batch: int, people: list[Situation]) -> None:
    meeting = MEETINGS[batch]
    mine = [p for p in people if p.batch == batch]
    s.clock.now = _at(meeting, 8)
    for bailleur in BAILLEURS:
        rows = [p.row(landlord_reference(p)) for p in mine if p.bailleur == bailleur]
        if rows:
            assert s.push(bailleur, rows)["crees"] == len(rows)
    report = s.push(ADIL, [p.row(p.reference) for p in mine])
    assert (report["crees"], report["rejetes"]) == (len(mine), 0), report
    s.send(_at(meeting, 9))  # the letters

    # Incoming calls after the letter, two to five days later; the diagnostics at the ADIL on the sixth day.
    callers = [p for p in mine if p.mode == INCOMING]
    for offset in range(2, 6):
        s.clock.now = _at(meeting + timedelta(days=offset), 10)
        for p in callers[offset - 2::4]:
            adil.respond({"reference": p.reference}, "appel", "appel_entrant")
    s.clock.now = _at(meeting + timedelta(days=6), 15)
    for p in callers:
        if p.diagnosed:
            adil.respond({"reference": p.reference}, "accueil", "diagnostic_realise")

    s.send(_at(meeting + timedelta(days=7), 9))  # calls to those who have not answered
    opened = {(t["menage"]["nom"], t["menage"]["prenom"]) for t in s.tasks(ADIL, type="appel", statut="toutes",
                                                                           a_venir=True, limite=500)}
    adil.incoming_tasks += [p.reference for p in callers if p.name in opened]
    called = adil.work_queue("appel", {OUTGOING: "joint", None: "pas_de_reponse"}, meeting + timedelta(days=7))
    assert sorted(p.n for p in called) == sorted(p.n for p in mine if p.mode != INCOMING)
    s.send(_at(meeting + timedelta(days=14), 9))  # first visits
    adil.work_queue("visite", {VISIT_1: "visite_realisee", None: "absent"}, meeting + timedelta(days=14))
    s.send(_at(meeting + timedelta(days=28), 9))  # second visits, unannounced
    adil.work_queue("visite", {VISIT_2: "visite_realisee", None: "absent"}, meeting + timedelta(days=28))


def _check_incoming_calls(s: Service, adil: Adil, people: list[Situation]) -> None:
    """Most social-park households that called did so within 7 days of the first letter: no outgoing call task was
    created for them (nor for the private-park ones)."""
    assert adil.incoming_tasks == []
    within: Counter[str] = Counter()
    for p in (p for p in people if p.mode == INCOMING):
        case = s.get(ADIL, f"/api/v1/signalements/{p.reference}")
        by_step = {c["etape"]: c for c in case["contacts"]}
        assert (by_step[1]["canal"], by_step[1]["statut"]) == ("courrier", "delivered")
        assert (by_step[2]["canal"], by_step[2]["statut"], by_step[2]["motif"]) == ("appel", "cancelled", "responded")
        letter = datetime.fromisoformat(by_step[1]["envoye_le"])
        first = min(datetime.fromisoformat(r["date"]) for r in case["reponses"])
        within[p.parc] += timedelta(0) < first - letter < timedelta(days=7)
    social = sum(p.parc == "social" and p.mode == INCOMING for p in people)
    assert within["social"] > social / 2


def _check_modes(rows: list[dict[str, Any]], people: list[Situation]) -> None:
    """The contact-mode table by park: every published cell is the count of the data, the others are hidden by the
    small-cell rule (docs/security.md E5), never wrong; each park's total of households that answered is shown."""
    expected = expected_modes(people)
    shown = {(r["parc"], r["mode"]): r for r in rows}
    for parc, counts in expected.items():
        total = sum(counts.values())
        for mode, count in counts.items():
            row = shown[(PARKS[parc], STEPS[mode])]
            assert row["total"] == total
            if row["menages"] in HIDDEN:
                assert row["part"] == "< 5"
                assert row["menages"] == "secret" or count < 5
            else:
                assert row["menages"] == count and abs(row["part"] - count / total) < 1e-4
    # The source's outgoing calls are shown as it prints them (19 of 28, 13 of 39); the other cells of 5 or more
    # it prints (5, 17, 8) are hidden only because each shares a line or a step with a small cell (docs/security.md
    # E5: the hidden cells of a line are never alone nor under 5 together).
    assert (shown[("parc privé", STEPS[OUTGOING])]["menages"], shown[("parc social", STEPS[OUTGOING])]["menages"]) == (
        19, 13)
    # The printed shares of the source: 67.9 % outgoing calls in the private park, 33.3 % in the social park.
    assert round(100 * shown[("parc privé", STEPS[OUTGOING])]["part"], 1) == 67.9
    assert round(100 * shown[("parc social", STEPS[OUTGOING])]["part"], 1) == 33.3


def _check_diagnostics(rows: list[dict[str, Any]], people: list[Situation]) -> None:
    indicators = {r["indicateur"]: r for r in rows}
    done = Counter(p.parc for p in people if p.diagnosed)
    row = indicators["Diagnostics réalisés"]
    assert (row["parc_prive"], row["parc_public"], row["total"]) == (done["prive"], done["social"], sum(done.values()))
    share = indicators["Part des ménages contactés ayant eu un diagnostic"]
    assert abs(share["total"] - sum(done.values()) / len(people)) < 1e-6
    assert round(100 * share["total"]) == 54


def _said(cell: int | str, one: str, many: str) -> str:
    """A count as the chart's description reads it: « 0 locataire contacté », « 14 dossiers reçus », « < 5 … »."""
    if isinstance(cell, int):
        return f"{cell} {one if cell < 2 else many}"
    return f"{cell} {many}" if cell == "< 5" else f"{many} : {cell}"


def _check_bailleurs(s: Service, sections: dict[str, Any], people: list[Situation], tmp_path: Path) -> None:
    """Per bailleur: files received (households written to) against tenants contacted (households that answered),
    in the API and in the chart of `chaine rapport`, for all 12 bailleurs."""
    received = Counter(p.bailleur for p in people if p.bailleur)
    contacted = Counter(p.bailleur for p in people if p.bailleur and p.mode)
    rows = {r["valeur"]: r for r in sections["taux_bailleur"]["lignes"]}
    assert set(BAILLEURS) <= set(rows)
    for bailleur in BAILLEURS:
        for cell, count in ((rows[bailleur]["menages"], received[bailleur]),
                            (rows[bailleur]["repondants"], contacted[bailleur])):
            assert cell == count or (cell in HIDDEN and (cell == "secret" or count < 5)), (bailleur, cell, count)
    s.cli("rapport", "--debut", PERIOD["debut"], "--fin", PERIOD["fin"], "-o", str(tmp_path / "rapport.html"))
    html = (tmp_path / "rapport.html").read_text("utf-8")
    chart = re.search(r'<svg[^>]*aria-labelledby="graphique-dossiers-bailleur-titre.*?</svg>', html, re.S)
    assert chart, "no chart of files received and tenants contacted by bailleur"
    description = re.search(r'<desc id="graphique-dossiers-bailleur-desc">(.*?)</desc>', chart.group(0), re.S)
    assert description
    lines = {line.split(" : ")[0]: line for line in unescape(description.group(1)).split("; ")}
    for bailleur in BAILLEURS:
        files, tenants = rows[bailleur]["menages"], rows[bailleur]["repondants"]
        assert lines[bailleur] == (f"{bailleur} : {_said(files, 'dossier reçu', 'dossiers reçus')}, "
                                   f"{_said(tenants, 'locataire contacté', 'locataires contactés')}")
    assert "Modes de contact des ménages ayant répondu, par parc" in html
    assert "Diagnostics réalisés" in html


def test_scenario_4_adil44_contact_modes(tmp_path: Path, clock: Clock) -> None:
    people = situations()
    clock.now = _at(date(2020, 10, 1), 9)
    with service(tmp_path, clock) as s:
        s.partner(STATE, "etat")
        s.partner(ADIL, "adil")
        for name in BAILLEURS:
            s.partner(name, "bailleur_social")
        draft = s.post(STATE, "/api/v1/campagnes/modeles/adil44_aller_vers",
                       {"nom": "ADIL 44 — aller-vers", "operateur": ADIL}, expected=201)
        s.post(STATE, f"/api/v1/campagnes/{draft['id']}/activer", {})
        adil = Adil(s, people)
        for batch in range(len(MEETINGS)):
            _batch(s, adil, batch, people)
        s.send(_at(date(2021, 5, 31), 9))  # the last outcomes reach the evaluation facts

        grouping = list(csv.DictReader(io.StringIO(s.get(STATE, "/api/v1/admin/menages.csv").text), delimiter=";"))
        assert len({row["menage"] for row in grouping}) == len(people)
        _check_incoming_calls(s, adil, people)
        sections = s.get(STATE, "/api/v1/evaluation", **PERIOD)["sections"]
        _check_modes(sections["modes_de_contact"]["lignes"], people)
        # No difference of published totals (lines, steps, parks, the whole) gives a hidden cell back.
        assert not recovered_cells({"sections": sections})
        _check_diagnostics(sections["indicateurs_charte"]["lignes"], people)
        _check_bailleurs(s, sections, people, tmp_path)
