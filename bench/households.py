"""Household linkage benchmark: generated French households pushed by several partners with the usual corruptions.

Prints the pairwise precision, recall and F1 of the household grouping and rows/s through the HTTP API into
PostgreSQL, then the cost per pushed row on top of a 100,000 and a 1,000,000 household base (pre-loaded with
the bulk helpers, then 100,000 rows pushed through the API).
Run: .venv/bin/python bench/households.py [--rows 100000] [--bases 100000,1000000] [--clients 2] [--api-processes N]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import random
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.intake import _free_port, _fresh_database, _peak_rss_mb, api_command, wait_for_api  # noqa: E402
from campaigns.accounts.partners import add_partner, issue_key  # noqa: E402
from campaigns.campaign.config import CampaignSpec, upsert_campaign  # noqa: E402
from campaigns.crypto.cipher import generate_key  # noqa: E402
from campaigns.intake.cases import load_households  # noqa: E402
from campaigns.intake.fields import parse_row  # noqa: E402
from campaigns.platform.settings import Settings  # noqa: E402
from campaigns.runtime import migrate  # noqa: E402
from campaigns.runtime.root import Runtime  # noqa: E402

# ~ share of the population (%) of the largest départements; the others share the rest evenly.
BIG_DEPARTMENTS = {"75": 3.2, "13": 3.0, "59": 3.8, "69": 2.8, "92": 2.4, "93": 2.5, "94": 2.1, "33": 2.5,
                   "31": 2.1, "44": 2.2, "06": 1.6, "62": 2.2, "78": 2.1, "91": 1.9, "77": 2.1, "95": 1.9,
                   "67": 1.7, "76": 1.9, "34": 1.8, "38": 1.9}
OTHER_DEPARTMENTS = [f"{d:02d}" for d in range(1, 96) if d != 20 and f"{d:02d}" not in BIG_DEPARTMENTS]
COMMUNES = ["Saint-Martin", "Saint-Herblain", "Rezé", "Sainte-Luce", "Montreuil", "Villeneuve", "Beaulieu",
            "Saint-Denis", "Le Mesnil", "La Chapelle-sur-Erdre", "Bourg-la-Reine", "Saint-Étienne", "Belleville",
            "Fontaine", "Châteauneuf", "L'Île-Saint-Denis", "Saint-Jean-de-Braye", "Neuville", "Villefranche",
            "Mont-Saint-Aignan", "Les Sorinières", "Sainte-Geneviève-des-Bois", "Carquefou", "Bois-Colombes"]
STREET_TYPES = ["rue"] * 12 + ["avenue"] * 3 + ["boulevard"] * 2 + ["place", "allée", "impasse", "chemin",
                                                                     "route", "quai", "square", "cours"]
STREET_NAMES = ["de la République", "Victor Hugo", "Jean Jaurès", "Pasteur", "du Général de Gaulle", "des Lilas",
                "Saint-Jacques", "du Maréchal Foch", "Gambetta", "de la Gare", "des Écoles", "du Moulin",
                "Jules Ferry", "de Verdun", "Carnot", "de l'Église", "Émile Zola", "Anatole France", "de Paris",
                "Sainte-Anne", "du 8 Mai 1945", "des Tilleuls", "Louis Pasteur", "Jean Moulin", "de Bretagne",
                "Aristide Briand", "des Acacias", "de la Paix", "du Château", "Voltaire", "Paul Bert", "Molière",
                "des Mimosas", "Saint-Exupéry", "de la Mairie", "des Peupliers", "Henri Barbusse", "Danton",
                "Pierre et Marie Curie", "de la Liberté", "des Roses", "du Stade", "Saint-Nicolas", "des Vignes"]
COMMON = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
          "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
          "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André",
          "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier",
          "Garcia", "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Masson"]
SPECIAL = ["Le Goff", "Le Gall", "Le Bihan", "de la Fontaine", "Da Silva", "Dos Santos", "D'Almeida", "N'Diaye",
           "M'Bappé", "Le Floch", "Benali", "Haddad", "Nguyen", "Diallo", "Traoré", "Camara", "Kaya", "Yılmaz",
           "Ferreira", "Rodrigues", "Bensaïd", "Mansouri", "Cissé", "Koné", "Saint-Cyr", "Lévêque", "Cœur"]
ONSETS = ["Ker", "Mor", "Bel", "Ros", "Char", "Duv", "Lam", "Gir", "Bour", "Pel", "Ver", "Mar", "Fon", "Cham",
          "Bris", "Lav", "Tour", "Rou", "Val", "Gar", "Quin", "Blan", "Cor", "Hu", "Jou", "Mé", "Tri", "Sau"]
VOWELS = ["a", "e", "i", "o", "ou", "an", "el", "er", "é", "au"]
ENDINGS = ["ec", "in", "et", "and", "ier", "ot", "ard", "el", "on", "eau", "ais", "oux", "ac", "eix", "ant", "y"]
WOMEN = ["Marie", "Nathalie", "Isabelle", "Sophie", "Aïcha", "Léa", "Fatou", "Amina", "Céline", "Hélène",
         "Sandrine", "Christine", "Valérie", "Sylvie", "Catherine", "Chloé", "Émilie", "Nadia", "Samia", "Inès",
         "Marie-Claire", "Anne-Sophie", "Françoise", "Monique", "Julie", "Laura", "Manon", "Océane", "Yasmina"]
MEN = ["Jean", "Pierre", "Michel", "Karim", "Thomas", "Julien", "Loïc", "Mamadou", "Kevin", "Nicolas",
       "Philippe", "Alain", "Patrick", "Stéphane", "Christophe", "Mohamed", "Sébastien", "David", "Éric", "Yann",
       "Jean-Pierre", "Jean-Luc", "François", "Hugo", "Lucas", "Mehdi", "Bruno", "Didier", "Antoine"]
PARTNERS = [("Habitat social", "bailleur_social"), ("Bailleur privé", "bailleur_prive"), ("DDETS", "etat"),
            ("Département", "departement"), ("CAF", "caf"), ("CCAS", "ccas")]


class World:
    """Deterministic generator of territory, people and households (ground truth = household number)."""

    def __init__(self, seed: int) -> None:
        self.rng = rng = random.Random(seed)
        departments = list(BIG_DEPARTMENTS) + OTHER_DEPARTMENTS
        rest = (100 - sum(BIG_DEPARTMENTS.values())) / len(OTHER_DEPARTMENTS)
        self.dept_cumulative = list(itertools.accumulate(BIG_DEPARTMENTS.get(d, rest) for d in departments))
        self.departments = departments
        self.communes = {d: [(rng.choice(COMMUNES) if k else f"Ville-{d}", f"{d}{k * 10:03d}")
                             for k in range(6)] for d in departments}
        self.streets = {(d, k): [f"{rng.choice(STREET_TYPES)} {rng.choice(STREET_NAMES)}" for _ in range(40)]
                        for d in departments for k in range(6)}
        tail = [f"{o}{v}{o2.lower()}{e}" for o in ONSETS for v in VOWELS for o2 in ONSETS[:12] for e in ENDINGS]
        self.surnames = COMMON + SPECIAL + tail
        # About 5 % of people carry one of the 49 most common names (Martin ~1 %), 6 % a particle or foreign one.
        weights = [1.0 / (i + 1) for i in range(len(COMMON))] + [0.2] * len(SPECIAL) + [82.0 / len(tail)] * len(tail)
        self.surname_cumulative = list(itertools.accumulate(weights))

    def surname(self) -> str:
        name = self.rng.choices(self.surnames, cum_weights=self.surname_cumulative)[0]
        if self.rng.random() < 0.03:
            name = f"{name}-{self.rng.choices(self.surnames, cum_weights=self.surname_cumulative)[0]}"
        return name

    def person(self, sex: str, born_from: int = 1935, born_to: int = 2005) -> dict[str, Any]:
        born = date(born_from, 1, 1) + timedelta(days=self.rng.randrange((born_to - born_from) * 365))
        return {"nom": self.surname(), "prenom": self.rng.choice(WOMEN if sex == "f" else MEN), "born": born,
                "sex": sex}

    def household(self, number: int) -> dict[str, Any]:
        rng = self.rng
        dept = rng.choices(self.departments, cum_weights=self.dept_cumulative)[0]
        k = 0 if rng.random() < 0.4 else rng.randrange(1, 6)
        commune, postcode = self.communes[dept][k]
        street = rng.choice(self.streets[(dept, k)])
        house = str(rng.choice([rng.randrange(1, 30), rng.randrange(1, 250)]))
        if rng.random() < 0.04:
            house += rng.choice([" bis", " ter"])
        complement = None
        if rng.random() < 0.45:
            complement = rng.choice([f"Bât {rng.choice('ABCDEF')} appt {rng.randrange(1, 80)}",
                                     f"Appartement {rng.randrange(1, 120)}", f"Esc {rng.randrange(1, 6)} appt "
                                     f"{rng.randrange(1, 40)}"])
        first = self.person(rng.choice("fm"))
        people = [first]
        if rng.random() < 0.4:  # a couple of co-tenants; married ones often share the surname
            other = self.person("m" if first["sex"] == "f" else "f", first["born"].year - 8, first["born"].year + 8)
            if rng.random() < 0.5:
                wife, husband = (first, other) if first["sex"] == "f" else (other, first)
                wife["naissance"], wife["nom"] = wife["nom"], husband["nom"]
            people.append(other)
        phone = (f"0{rng.choice('67')}{rng.randrange(10**8):08d}" if rng.random() < 0.6
                 else f"02{rng.randrange(10**8):08d}" if rng.random() < 0.4 else None)
        return {"number": number, "people": people, "adresse": f"{house} {street}", "complement": complement,
                "code_postal": postcode, "commune": commune, "telephone": phone,
                "email": f"m{number}@exemple.fr" if rng.random() < 0.2 else None,
                "allocataire": str(rng.randrange(10**6, 10**7)) if rng.random() < 0.55 else None}

    def namesake(self, number: int, of: dict[str, Any]) -> dict[str, Any]:
        """Father/son or mother/daughter: same names a generation apart, same building or same commune."""
        household = self.household(number)
        parent = of["people"][0]
        years = self.rng.randrange(22, 36) * (1 if parent["born"].year < 1975 else -1)
        born = parent["born"].replace(year=parent["born"].year + years, day=min(parent["born"].day, 28))
        household["people"] = [{**parent, "born": born}]
        household.pop("naissance", None)
        if self.rng.random() < 0.5:
            household.update(adresse=of["adresse"], code_postal=of["code_postal"], commune=of["commune"],
                             complement=f"Appartement {self.rng.randrange(121, 200)}")
        return household


def _flip_date(born: date) -> date:
    return born.replace(day=born.month, month=born.day) if born.day <= 12 and born.day != born.month else born


def _abbreviate(address: str, rng: random.Random) -> str:
    for full, short in (("rue", "r."), ("avenue", "av."), ("boulevard", "bd"), ("place", "pl."), ("allée", "all."),
                        ("impasse", "imp."), ("chemin", "ch."), ("route", "rte"), ("Saint-", "St "),
                        ("Sainte-", "Ste "), ("Général", "Gal"), ("Maréchal", "Mal"), (" bis", "B"), (" ter", "T")):
        if full in address and rng.random() < 0.7:
            address = address.replace(full, short, 1)
    return address


def _fold(text: str) -> str:
    table = str.maketrans("éèêëàâîïôöùûüçÉÈÎÏÔŒœıÿ", "eeeeaaiioouuucEEIIOOoiy")
    return text.translate(table)


def row(world: World, household: dict[str, Any], reference: str, stage: str, *, clean: bool) -> dict[str, Any]:
    """One partner's line for this household: the usual fields, partly missing or written their way."""
    rng = world.rng
    people = list(household["people"])
    if len(people) == 2 and rng.random() < 0.5:
        people.reverse()  # either co-tenant may be the partner's titulaire
    with_cotenant = len(people) == 2 and rng.random() < 0.75
    main = people[0]
    out: dict[str, Any] = {
        "reference": reference, "stade": stage, "date_stade": "15/11/2026", "prenom": main["prenom"],
        "nom": main["nom"], "date_naissance": main["born"], "adresse": household["adresse"],
        "complement_adresse": household["complement"], "code_postal": household["code_postal"],
        "commune": household["commune"], "telephone": household["telephone"], "email": household["email"],
        "numero_allocataire": household["allocataire"], "montant_dette": f"{rng.uniform(300, 9000):.2f}",
    }
    if with_cotenant:
        out.update(nom_cotitulaire=people[1]["nom"], prenom_cotitulaire=people[1]["prenom"],
                   date_naissance_cotitulaire=people[1]["born"])
    if not clean:
        corrupt(out, main, rng)
    for name in ("date_naissance", "date_naissance_cotitulaire"):
        if isinstance(out.get(name), date):
            out[name] = out[name].strftime("%d/%m/%Y")
    return {k: v for k, v in out.items() if v is not None}


def corrupt(out: dict[str, Any], main: dict[str, Any], rng: random.Random) -> None:
    """One to four of the corruptions seen in partners' files, plus the fields each partner lacks."""
    if rng.random() < 0.6:
        out["numero_allocataire"] = None  # only the CAF and some partners have it
    if rng.random() < 0.35:
        out["telephone"] = None if rng.random() < 0.6 else f"07{rng.randrange(10**8):08d}"  # none, or another
    if rng.random() < 0.5:
        out["email"] = None
    edits = rng.sample(range(14), rng.randrange(1, 5))
    for edit in edits:
        if edit == 0:
            out["nom"] = rng.choice([out["nom"].upper(), _fold(out["nom"]).upper(), out["nom"].lower()])
            out["prenom"] = rng.choice([out["prenom"].upper(), _fold(out["prenom"])])
        elif edit == 1:
            out["nom"] = out["nom"].replace("-", " ").replace("'", rng.choice(["", " "]))
            out["prenom"] = out["prenom"].replace("-", " ")
        elif edit == 2 and main.get("naissance"):
            out["nom"] = rng.choice([f"{main['nom']} épouse {main['naissance']}", f"{main['naissance']}",
                                     f"Mme {main['nom']} née {main['naissance']}", f"{main['nom']} ep. "
                                     f"{main['naissance']}"])
        elif edit == 2:
            out["nom"] = out["nom"].replace("de la ", "Dela").replace("Le ", "Le").replace("Da ", "DA ")
        elif edit == 3 and rng.random() < 0.5:
            out["nom"], out["prenom"] = out["prenom"], out["nom"]
        elif edit == 4:
            out["adresse"] = _abbreviate(out["adresse"], rng)
        elif edit == 5 and out.get("complement_adresse"):
            complement = out.pop("complement_adresse").replace("Bât", "bat.").replace("appt", "appartement")
            if rng.random() < 0.5:
                out["adresse"] = f"{out['adresse']} {complement}"
            else:
                out["complement_adresse"] = complement.upper()
        elif edit == 6:
            out["commune"] = out["commune"].replace("Saint-", "St-").replace("Sainte-", "Ste-").upper()
        elif edit == 7:
            out["commune"] = f"{out['commune']} CEDEX{rng.choice(['', ' 9'])}"
        elif edit == 8 and rng.random() < 0.4:
            digits = list(out["code_postal"])
            digits[rng.randrange(2, 5)] = str(rng.randrange(10))
            out["code_postal"] = "".join(digits)  # a typo in the postcode; the commune stays
        elif edit == 9 and out.get("telephone"):
            phone = out["telephone"]
            out["telephone"] = rng.choice([f"+33 {phone[1]} {phone[2:4]} {phone[4:6]} {phone[6:8]} {phone[8:]}",
                                           ".".join(phone[i:i + 2] for i in range(0, 10, 2)), f"0033{phone[1:]}"])
        elif edit == 10:
            out["date_naissance"] = None
        elif edit == 11 and isinstance(out["date_naissance"], date):
            out["date_naissance"] = _flip_date(out["date_naissance"])
        elif edit == 12 and rng.random() < 0.5:
            out["nom_cotitulaire"] = out["prenom_cotitulaire"] = out["date_naissance_cotitulaire"] = None
        elif edit == 13:
            out["prenom"] = out["prenom"].split("-")[0]  # "Jean-Pierre" written "Jean"


STAGES = ["impaye", "commandement_de_payer", "assignation"]


def make_pushes(world: World, rows: int, *, start: int, base: list[dict[str, Any]] | None = None
                ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """Partner lists of about `rows` lines: each household appears in 1 to 3 lists (or once more, for a base
    household). Returns the lists and the true household of each (partner, reference)."""
    rng = world.rng
    lists: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in PARTNERS}
    truth: dict[str, int] = {}
    count, number = 0, start
    known: list[dict[str, Any]] = []
    while count < rows:
        if base and rng.random() < 0.3:
            household, appearances = rng.choice(base), 1
        elif known and rng.random() < 0.02:
            # A parent's namesake (each parent once: siblings do not share a first name).
            household, appearances = world.namesake(number, known.pop(rng.randrange(len(known)))), 1
            number += 1
        else:
            household = world.household(number)
            number += 1
            known.append(household)
            appearances = rng.choices([1, 2, 3], [0.5, 0.35, 0.15])[0]
        stage = rng.choice(STAGES)
        for position, (partner, _kind) in enumerate(rng.sample(PARTNERS, appearances)):
            reference = f"{partner[:3].upper()}-{len(lists[partner])}"
            lists[partner].append(row(world, household, reference, stage, clean=position == 0 and not base))
            truth[f"{partner}|{reference}"] = household["number"]
            count += 1
    return lists, truth


def pairwise(truth: dict[str, int], predicted: dict[str, int]) -> tuple[float, float, float]:
    def pairs(counter: Counter[Any]) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    keys = [k for k in truth if k in predicted]
    together = pairs(Counter((truth[k], predicted[k]) for k in keys))
    precision = together / max(pairs(Counter(predicted[k] for k in keys)), 1)
    recall = together / max(pairs(Counter(truth[k] for k in keys)), 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-9)


def setup_partners(url: str, partners: list[tuple[str, str]]) -> dict[str, str]:
    runtime = Runtime(Settings(database_url=url))
    migrate.upgrade(runtime.engine)
    now = datetime.now(UTC)
    with runtime.session_factory.begin() as session:
        keys = {}
        for name, kind in [*partners, ("Base historique", "departement")]:
            keys[name] = issue_key(session, partner=add_partner(session, name=name, kind=kind, now=now), now=now)
        # As in bench/intake.py: each new household is enrolled and its letters planned.
        upsert_campaign(session, CampaignSpec.model_validate({
            "name": "Courriers de l'État", "owner": "DDETS", "stages": STAGES,
            "steps": [{"channel": "courrier", "template": "information_etat"},
                      {"channel": "sms", "template": "relance", "delay_days": 10}]}), now=now)
    runtime.engine.dispose()
    return keys


def load_base(url: str, rows: list[dict[str, Any]], numbers: list[int], *, now: datetime) -> dict[str, int]:
    """The base, straight into the database with the bulk helpers (no HTTP, no matching: one household each)."""
    from campaigns.models import Partner

    runtime = Runtime(Settings(database_url=url))
    today = now.date()
    gc.freeze()  # a million live rows: the collector would rescan them all, over and over
    for start in range(0, len(rows), 50_000):
        parsed = [parse_row(raw, i, today=today)[0] for i, raw in enumerate(rows[start:start + 50_000])]
        with runtime.session_factory.begin() as session:
            partner = session.scalars(select(Partner).where(Partner.name == "Base historique")).one()
            load_households(session, partner=partner, rows=[r for r in parsed if r is not None], now=now)
    with runtime.engine.connect() as conn:
        # As after any bulk migration: statistics, visibility map, and the load's dirty pages written out, so
        # that the pushes measured next do not pay for the load.
        autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
        autocommit.execute(text("VACUUM ANALYZE"))
        autocommit.execute(text("CHECKPOINT"))
    runtime.engine.dispose()
    gc.unfreeze()
    return {f"Base historique|BASE-{i}": number for i, number in enumerate(numbers)}


def push_all(url: str, lists: dict[str, list[dict[str, Any]]], keys: dict[str, str], *, clients: int,
             processes: int = 1, batch: int = 5_000) -> tuple[float, float]:
    """Every partner's list through the HTTP API, partners interleaved, `clients` requests at a time."""
    bodies = [(keys[partner], orjson.dumps(rows[start:start + batch]))
              for start in range(0, max(len(v) for v in lists.values()), batch)
              for partner, rows in lists.items() if rows[start:start + batch]]
    port = _free_port()
    env = os.environ | {"CHAINE_DATABASE_URL": url, "CHAINE_DATA_DIR": "/tmp/chaine-bench"}
    api = subprocess.Popen(api_command(port, processes), cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_api(base)

        def push(item: tuple[str, bytes]) -> None:
            with httpx.Client(timeout=600) as client:
                answer = client.post(f"{base}/api/v1/signalements", content=item[1], headers={
                    "Authorization": f"Bearer {item[0]}", "Content-Type": "application/json"})
            answer.raise_for_status()
            assert answer.json()["rejetes"] == 0, answer.json()["rejets"][:3]

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(push, bodies))
        elapsed = time.perf_counter() - started
        peak = _peak_rss_mb(api.pid)
    finally:
        api.terminate()
        api.wait(30)
    return elapsed, peak


def _grouping(url: str) -> dict[str, int]:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        rows = conn.execute("SELECT p.name, c.reference, c.household_id FROM cases c "
                            "JOIN partners p ON p.id = c.partner_id").fetchall()
        reviews = conn.execute("SELECT count(*) FROM link_reviews").fetchone()
    print(f"  reviews proposed: {reviews[0] if reviews else '?'}")
    return {f"{partner}|{reference}": household for partner, reference, household in rows}


def run(label: str, *, rows: int, base_size: int, clients: int, processes: int, seed: int) -> float:
    world = World(seed)
    url = _fresh_database("chaine_bench_households")
    keys = setup_partners(url, PARTNERS)
    truth: dict[str, int] = {}
    base: list[dict[str, Any]] = []
    if base_size:
        started = time.perf_counter()
        base = [world.household(-1 - i) for i in range(base_size)]
        truth.update(load_base(url, [row(world, h, f"BASE-{i}", rng_stage, clean=True) for i, (h, rng_stage)
                                     in enumerate(zip(base, world.rng.choices(STAGES, k=base_size), strict=True))],
                               [h["number"] for h in base], now=datetime.now(UTC)))
        print(f"{label}: base of {base_size:,} households loaded in {time.perf_counter() - started:.0f} s")
    lists, pushed_truth = make_pushes(world, rows, start=0, base=base)
    truth.update(pushed_truth)
    elapsed, peak = push_all(url, lists, keys, clients=clients, processes=processes)
    total = sum(len(v) for v in lists.values())
    precision, recall, f1 = pairwise(truth, _grouping(url))
    print(f"{label}: {total:,} rows by {len(PARTNERS)} partners in {elapsed:.1f} s: {total / elapsed:,.0f} rows/s "
          f"end to end, {elapsed / total * 1e6:.0f} µs per row (API peak RSS {peak:.0f} MB)")
    print(f"  pairwise precision {precision:.4f}, recall {recall:.4f}, F1 {f1:.4f} "
          f"(targets: precision >= 0.995, recall >= 0.98)")
    return elapsed / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bases", default="100000,1000000", help="base sizes for the cost-per-row comparison")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--api-processes", type=int, default=os.cpu_count() or 1,
                        help="uvicorn worker processes (default: one per core)")
    args = parser.parse_args()
    # One pair of data keys for this process (the base is loaded from here) and the API processes it starts.
    for name in ("CHAINE_DATA_KEYS", "CHAINE_BLIND_INDEX_KEY"):
        os.environ.setdefault(name, generate_key())
    started = time.perf_counter()
    run("empty base", rows=args.rows, base_size=0, clients=args.clients, processes=args.api_processes, seed=11)
    costs = [(size, run(f"base {size:,}", rows=args.rows, base_size=size, clients=args.clients,
                         processes=args.api_processes, seed=13))
             for size in (int(s) for s in args.bases.split(",") if s)]
    if len(costs) == 2:
        (small, first), (large, second) = costs
        print(f"cost per pushed row: {first * 1e6:.0f} µs on a {small:,} base, {second * 1e6:.0f} µs on a "
              f"{large:,} base: {second / first - 1:+.0%} (target <= +20%)")
    print(f"total bench time: {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
