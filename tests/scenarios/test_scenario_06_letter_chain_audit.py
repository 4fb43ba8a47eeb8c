"""Scenario 6 of docs/domain.md §13 (domain brief §10.2): the Seine-Saint-Denis letter audit across profiles, "du
simple au quintuple" [003 L435, L3911–3914], through the command line and the HTTP API.

Two households at the commandement de payer: A (social park, CAF allocataire, in Aubervilliers where a CLIL sits,
tenant of a bailleur that also texts, under a protocole tripartite) and B (private park, non-allocataire, in
Livry-Gargan without a CLIL, no phone). Every partner that writes holds its own copy of the case and drafts its
campaign: the bailleur's relances, the CAF's tripartite letter, the DRIHL's letter at each stage (from its preset),
the CCAPEX's prevention letter, the CLIL's recommendation, the mobile team's letter and the Département's letters.
The DRIHL runs the dry run of the drafts, then activates them, and `chaine envoyer` sends what is due for the
period: what the dry run announced is what each partner then reads in its own cases."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import Clock
from tests.scenarios.service import Service, service

PARIS = ZoneInfo("Europe/Paris")
CDP = "commandement_de_payer"
START = date(2026, 11, 30)  # a Monday
DAYS = 30
DRIHL, BAILLEUR = "DRIHL de Seine-Saint-Denis", "Seine-Saint-Denis Habitat"
CAF, CCAPEX, CLIL = "CAF de la Seine-Saint-Denis", "CCAPEX de la Seine-Saint-Denis", "CCAS d'Aubervilliers"
MOBILE, DEPARTEMENT = "Équipe mobile de prévention 93", "Département de la Seine-Saint-Denis"
UNDER_REACHED = "sous-atteint : pas de téléphone, parc privé"

A = {"stade": CDP, "date_stade": "27/11/2026", "parc": "social", "nom": "Benkhelifa", "prenom": "Samia",
     "date_naissance": "14/05/1981", "adresse": "12 rue du Moutier", "code_postal": "93300",
     "commune": "Aubervilliers", "telephone": "06 61 28 47 93", "montant_dette": "4 500,00", "allocataire": "oui",
     "numero_allocataire": "9301847"}
B = {"stade": CDP, "date_stade": "27/11/2026", "parc": "prive", "nom": "Marchand", "prenom": "Gérard",
     "date_naissance": "02/02/1957", "adresse": "4 allée des Pins", "code_postal": "93190",
     "commune": "Livry-Gargan", "montant_dette": "1 850,00", "allocataire": "non"}
# Who holds a copy of each household's case (its reference there): whoever writes to it.
COPIES = {"A": {BAILLEUR: "SSDH-2026-4471", DRIHL: "CDP-93-A-1187", CAF: "CAF-9301847", CCAPEX: "CCAPEX-93-2210",
                CLIL: "CLIL-AUB-118", MOBILE: "EM93-0412", DEPARTEMENT: "CD93-77310"},
          "B": {DRIHL: "CDP-93-B-1188", CCAPEX: "CCAPEX-93-2211"}}


def _letter(day: int, template: str = "information_etat") -> dict[str, Any]:
    return {"channel": "courrier", "template": template, "delay_days": day, "delay_from": "stage_entry"}


def _sms(day: int) -> dict[str, Any]:
    return {"channel": "sms", "template": "relance", "delay_days": day, "delay_from": "stage_entry",
            "conditions": ["no_response", "has_mobile"]}


def _draft(name: str, owner: str, steps: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    return {"name": name, "owner": owner, "stages": [CDP], "steps": steps, "active": False, **options}


DRAFTS = [
    _draft("Relances du bailleur", BAILLEUR, [_letter(0, "etape_{stade}"), _sms(3), _letter(7, "etape_{stade}"),
                                              _letter(14, "etape_{stade}"), _sms(17), _letter(21, "etape_{stade}")],
           segment={"parc": ["social"]}, priority=200, coordination="suppress"),
    _draft("Courrier du protocole tripartite", CAF, [_letter(0)], segment={"parc": ["social"], "allocataire": ["oui"]}),
    _draft("Courrier de prévention de la CCAPEX", CCAPEX, [_letter(3)]),
    _draft("Recommandation de la CLIL", CLIL, [_letter(7)], territory={"communes": ["Aubervilliers"]}),
    _draft("Équipe mobile", MOBILE, [_letter(14, "mise_a_disposition")], territory={"communes": ["Aubervilliers"]}),
    _draft("Courriers du Département", DEPARTEMENT, [_letter(21, "etape_{stade}")],
           segment={"allocataire": ["oui"]}),
]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS).astimezone(UTC)


def _setup(s: Service) -> list[dict[str, Any]]:
    for name, kind in ((DRIHL, "etat"), (CCAPEX, "etat"), (DEPARTEMENT, "departement"), (CAF, "caf"),
                       (CLIL, "ccas"), (MOBILE, "association"), (BAILLEUR, "bailleur_social")):
        s.partner(name, kind)
    s.post(DRIHL, "/api/v1/campagnes/modeles/etat_courriers_par_stade",
           {"nom": "Courrier de la DRIHL à chaque stade"}, expected=201)
    for draft in DRAFTS:
        s.campaign(DRIHL, draft)
    campaigns: list[dict[str, Any]] = s.get(DRIHL, "/api/v1/campagnes")["campagnes"]
    assert {c["statut"] for c in campaigns} == {"brouillon"} and len(campaigns) == len(DRAFTS) + 1
    for household, row in (("A", A), ("B", B)):
        for partner, reference in COPIES[household].items():
            assert s.push(partner, [{**row, "reference": reference}])["crees"] == 1
    return campaigns


def _send_days(campaigns: list[dict[str, Any]]) -> list[date]:
    """The days a step of the campaigns falls due (all working days here), and the last day of the period."""
    days = {START + timedelta(days=DAYS)}
    for campaign in campaigns:
        previous = 0
        for step in campaign["steps"]:
            previous = step["delay_days"] + (0 if step["delay_from"] == "stage_entry" else previous)
            days.add(START + timedelta(days=previous))
    assert all(day.weekday() < 5 for day in days)
    return sorted(day for day in days if day <= START + timedelta(days=DAYS))


def _households(s: Service) -> dict[str, int]:
    grouping = csv.DictReader(io.StringIO(s.get(DRIHL, "/api/v1/admin/menages.csv").text), delimiter=";")
    ids = {row["reference"]: int(row["menage"]) for row in grouping}
    found = {name: {ids[reference] for reference in copies.values()} for name, copies in COPIES.items()}
    assert all(len(household) == 1 for household in found.values()), found  # every copy joined its household
    return {name: household.pop() for name, household in found.items()}


def _real_letters(s: Service, household: str) -> tuple[int, Counter[str]]:
    """What the household really got, as each partner reads it in its own case: the letters sent, and why the
    others were not (every one has a reason)."""
    sent, avoided = 0, Counter[str]()
    for partner, reference in COPIES[household].items():
        for contact in s.contacts(partner, reference):
            if contact["canal"] != "courrier":
                continue
            if contact["statut"] == "delivered":
                sent += 1
            else:
                assert contact["motif"], (partner, contact)
                avoided[contact["motif"]] += 1
    return sent, avoided


def test_scenario_6_letter_chain_audit_across_profiles(tmp_path: Path, clock: Clock) -> None:
    clock.now = _at(START, 8)
    with service(tmp_path, clock) as s:
        campaigns = _setup(s)
        ids = _households(s)

        # The dry run of the drafts, as if activated on the first day: by the API and by the command line.
        report = s.get(DRIHL, "/api/v1/simulation", debut=START.isoformat(), jours=DAYS, brouillons=True,
                       par_menage=True)
        printed = s.cli("simuler", "--debut", START.isoformat(), "--jours", str(DAYS), "--brouillons", "--par-menage")
        assert printed.strip() == report["tableau"].strip()
        listed = {h["menage"]: h for h in report["menages"]}
        a, b = listed[ids["A"]], listed[ids["B"]]
        assert (a["parc"], a["allocataire"], a["bailleur"]) == ("social", "oui", BAILLEUR)
        assert (b["parc"], b["allocataire"], b["bailleur"]) == ("prive", "non", "—")
        # Without coordination A would get ten letters or more, B two at most.
        assert a["courriers_sans_coordination"] >= 10 and b["courriers_sans_coordination"] <= 2
        # With the budget and deduplication, A stays under the cap; every letter avoided has its reason.
        assert a["courriers_avec_coordination"] <= report["regles"]["courriers_par_30_jours"]
        for household in (a, b):
            assert sum(household["evites"].values()) == (household["courriers_sans_coordination"]
                                                         - household["courriers_avec_coordination"])
        # B is flagged under-reached (private park, no phone), A is not; the table says so in French.
        assert (b["sous_atteint"], b["signalement"]) == (True, UNDER_REACHED)
        assert (a["sous_atteint"], a["signalement"]) == (False, None)
        lines = {line.strip().split(" (")[0]: line for line in printed.splitlines() if "ménage n°" in line}
        assert lines[f"ménage n°{ids['B']}"].endswith(f" ; {UNDER_REACHED}")
        assert f"{a['courriers_sans_coordination']} courriers sans coordination" in lines[f"ménage n°{ids['A']}"]
        assert "Ménages sous-atteints (parc privé, sans téléphone) : 1" in printed
        by_profile = {(p["parc"], p["allocataire"]): p for p in report["profils"]}
        assert (by_profile[("prive", "non")]["sous_atteints"], by_profile[("social", "oui")]["sous_atteints"]) == (1, 0)

        # Activation, then the period for real: each partner's own cases show what the dry run announced.
        clock.now = _at(START, 9)
        for campaign in campaigns:
            s.post(DRIHL, f"/api/v1/campagnes/{campaign['id']}/activer", {})
        for day in _send_days(campaigns):
            s.send(_at(day, 9))
        for name, simulated in (("A", a), ("B", b)):
            sent, avoided = _real_letters(s, name)
            assert sent == simulated["courriers_avec_coordination"], (name, sent, simulated)
            # Merged or suppressed, a letter coordination took away is cancelled as a duplicate.
            expected = Counter({"duplicate": simulated["evites"].get("merged", 0)
                                + simulated["evites"].get("duplicate", 0),
                                "cap_reached": simulated["evites"].get("cap_reached", 0)})
            assert avoided == +expected, (name, avoided, simulated)
