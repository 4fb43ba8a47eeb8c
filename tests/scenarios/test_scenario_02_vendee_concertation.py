"""Scenario 2 of docs/domain.md §13: the Vendée monthly concertation on 243 CDP reproduces the distribution of the
source (MDSF 164, CCAS 52, CAF 13, 14 not processed, §11.6), through the command line and the HTTP API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import Clock
from tests.scenarios.service import Service as World
from tests.scenarios.service import service as world

CDP = "commandement_de_payer"
PILOT = "DDETS de la Vendée"
SURNAMES = ("Arnaud", "Baudry", "Chauvet", "Delorme", "Esnault", "Ferrand", "Gautreau", "Hervouet", "Imbert",
            "Jaunet", "Loizeau", "Merlet", "Naulleau", "Ordonneau", "Pineau", "Raffin", "Soulard", "Texier",
            "Vrignaud", "Yvernogeau")
FIRST_NAMES = ("Anne", "Bruno", "Chantal", "Didier", "Élodie", "Fabrice", "Gisèle", "Hugo", "Inès", "Jacques",
               "Karine", "Luc", "Maëlle")
TODAY = date(2026, 11, 25)

# (profile, count, referent already known): 134 known (MDSF 110, CCAS 22, CAF 2), 95 new by the rules
# (54 → MDSF, 30 → CCAS, 11 → CAF), 14 closed, not processed [001 L108–134].
SOCIAL_FAMILY = {"parc": "social", "enfants_a_charge": 2, "age": 34}  # → CCAS
SOCIAL_SENIOR = {"parc": "social", "enfants_a_charge": 0, "age": 62}  # → MDSF
PRIVATE_ALF = {"parc": "prive", "ages_enfants": "4;9", "aide_logement": "alf", "age": 31}  # → CAF
PRIVATE_FAMILY = {"parc": "prive", "enfants_a_charge": 1, "aide_logement": "aucune", "age": 41}  # → MDSF
PRIVATE_SENIOR = {"parc": "prive", "enfants_a_charge": 0, "age": 70}  # → CCAS
SOCIAL_YOUNG_ALONE = {"parc": "social", "enfants_a_charge": 0, "age": 27}  # no criterion → MDSF (fallback)
COHORT: tuple[tuple[dict[str, Any], int, str | None], ...] = (
    (SOCIAL_FAMILY, 110, "MDSF"), (PRIVATE_SENIOR, 22, "CCAS"), (PRIVATE_FAMILY, 2, "CAF"),
    (SOCIAL_FAMILY, 20, None), (PRIVATE_SENIOR, 10, None),
    (SOCIAL_SENIOR, 24, None), (PRIVATE_FAMILY, 20, None), (SOCIAL_YOUNG_ALONE, 10, None),
    (PRIVATE_ALF, 11, None),
    (SOCIAL_FAMILY, 14, None),  # closed afterwards
)


def _row(index: int, profile: dict[str, Any], referent: str | None) -> dict[str, Any]:
    facts = {key: value for key, value in profile.items() if key != "age"}
    born = TODAY.replace(year=TODAY.year - profile["age"] - 1) + timedelta(days=index)
    return {
        "reference": f"CDP-{index:03d}", "stade": CDP, "date_stade": "20/11/2026",
        "nom": SURNAMES[index % len(SURNAMES)], "prenom": FIRST_NAMES[index // len(SURNAMES)],
        "date_naissance": born.strftime("%d/%m/%Y"), "adresse": f"{index + 1} rue de la Concertation",
        "code_postal": "85000", "commune": "La Roche-sur-Yon",
        "telephone": f"06 70 00 {index // 100:02d} {index % 100:02d}",
        "montant_dette": "1 500,00", "referent_connu": referent, **facts,
    }


def _cohort() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for profile, count, referent in COHORT:
        for _ in range(count):
            rows.append(_row(len(rows), profile, referent))
    return rows


def _setup(w: World) -> None:
    w.partner(PILOT, "etat")
    w.partner("MDSF La Roche-sur-Yon", "departement")
    w.partner("CCAS de La Roche-sur-Yon", "ccas")
    w.partner("CAF de la Vendée", "caf")
    w.campaign(PILOT, {"name": "Concertation CDP", "owner": PILOT, "stages": [CDP],
                       "steps": [{"channel": "appel", "delay_from": "stage_entry"}]})


def test_scenario_2_vendee_concertation_reproduces_the_distribution(tmp_path: Path, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with world(tmp_path, clock) as w:
        _setup(w)
        rows = _cohort()
        assert len(rows) == 243
        report = w.push(PILOT, rows)
        assert (report["crees"], report["rejetes"]) == (243, 0), report
        # 14 closed before the concertation: moves, debts cleared, deaths, out of sector [001 L132–134].
        reasons = ("déménagement", "dette soldée", "décès", "hors secteur")
        closed = [{**row, "stade": "cloture", "motif_cloture": reasons[i % 4]} for i, row in enumerate(rows[-14:])]
        assert w.push(PILOT, closed)["mis_a_jour"] == 14

        batch = w.post(PILOT, "/api/v1/attributions", {"stade": CDP})
        assert batch["dossiers"] == 243
        assert batch["par_type"] == {"CAF": 13, "CCAS": 52, "MDSF": 164}
        assert batch["nouvelles_attributions"] == {"CAF": 11, "CCAS": 30, "MDSF": 54}
        assert (batch["referents_existants"], batch["non_traites"], batch["a_designer"]) == (134, 14, 0)
        assert batch["par_structure"] == {"CAF de la Vendée": 13, "CCAS de La Roche-sur-Yon": 52,
                                          "MDSF La Roche-sur-Yon": 164}
        assert "MDSF" in batch["rapport"] and "68 %" in batch["rapport"]
        # The known referents are untouched by a second concertation: nothing new is attributed.
        again = w.post(PILOT, "/api/v1/attributions", {"stade": CDP})
        assert (again["attribues"], again["par_type"]) == (0, batch["par_type"])

        # The CCAS queue shows a call task for each of its 52 households.
        w.send(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
        ccas = w.get("CCAS de La Roche-sur-Yon", "/api/v1/taches", type="appel", limite=500)["taches"]
        assert len(ccas) == 52
