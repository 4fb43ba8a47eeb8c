"""A second household generator for the linkage benchmark, written apart from bench/generate.py and
bench/households.py and never used to tune the matcher (issue 17, "Evaluation that does not flatter").

It reads the sources another way (docs/domain.md §8): there is no common household identifier, only names, birth
dates and addresses, sometimes a phone, an e-mail or a CAF number; a lease may have co-holders; addresses go stale
(households move, mail returns NPAI); phones are hard to find. People come from Faker's fr_FR names (and a few other
Latin-script locales for the names of immigrant origin found in France), addresses from Faker's fr_FR streets and
communes. Four partner kinds push rows in their own formats:

- the bailleur: split fields, its tenants' dwelling, co-holders, phone and e-mail when it has them;
- the DDETS (EXPLOC exports): surnames in capitals, often "NOM Prénom" or "Mme NOM épouse X" / "Vve NOM" in the
  surname field, inverted surname and first name, the whole address in one field with "bd", "av.", "res.", "bât",
  CEDEX, lieu-dit; birth date often missing, no CAF number;
- the CAF: allocataire numbers, names folded to capitals without accents, the birth (maiden) name of married
  women, its own mailing address, birth date sometimes missing;
- the Département's spreadsheets: phones as numbers ("781032831"), "+33 6 ...", "06.12.34.56.78"; dates typed as
  text in several ways.

Corruptions have kinds and rates of their own (`CORRUPTION` below): typos, swapped day and month, missing birth
date, moved households reported at the old address, a second (mailing) address, nicknames and short first names,
hyphens lost, maiden names. The truth says which rows are the same household.

Run: .venv/bin/python bench/linkage_data.py --households 2000 --seed 7 --out /tmp/linkage_data
(writes one JSON list of rows per partner and truth.csv: partner;reference;household).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import random
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
from faker import Faker
from faker.providers.address.fr_FR import Provider as FrenchAddresses
from faker.providers.person import fr_BE as fr_be_names
from faker.providers.person import fr_CA as fr_ca_names
from faker.providers.person import fr_CH as fr_ch_names
from faker.providers.person import fr_FR as fr_fr_names

# The four partner kinds and the name each pushes under (docs/domain.md §3).
PARTNERS: list[tuple[str, str]] = [("Bailleur", "bailleur_social"), ("DDETS", "etat"), ("CAF", "caf"),
                                   ("Département", "departement")]
# Chance that a household's file reaches each partner (at least one always does: the bailleur then).
REACH = {"Bailleur": 0.68, "DDETS": 0.33, "CAF": 0.47, "Département": 0.29}
STAGE_BY_PARTNER = {"Bailleur": ("impaye", "commandement_de_payer"), "DDETS": ("assignation",),
                    "CAF": ("impaye",), "Département": ("commandement_de_payer", "assignation")}

# Rates of this generator (per row unless said per household); chosen from the sources' wording, not from any
# matcher's results.
CORRUPTION = {
    "surname_typo": 0.035, "first_name_typo": 0.025, "day_month_swap": 0.02, "birth_date_missing": 0.05,
    "short_first_name": 0.05, "hyphen_lost": 0.35, "cotenant_dropped": 0.25, "holders_swapped": 0.3,
    "postcode_typo": 0.01, "other_phone": 0.08,
    # per household
    "moved": 0.08, "mailing_address": 0.04, "namesake_elsewhere": 0.015, "sibling_namesake_same_building": 0.004,
}

# Frequent surnames in France with an estimate of their share of the population (INSEE birth registers for the
# French ones; the others from their bearers in France): the rest of the population is spread over Faker's lists.
FREQUENT_SURNAMES = {"Martin": 0.0035, "Bernard": 0.0016, "Thomas": 0.0015, "Petit": 0.0014, "Robert": 0.0014,
                     "Richard": 0.0014, "Durand": 0.0013, "Dubois": 0.0013, "Moreau": 0.0012, "Laurent": 0.0012,
                     "Nguyen": 0.0008, "Diallo": 0.0006, "Benali": 0.0004, "Traoré": 0.0003, "Dos Santos": 0.0004}
# Names of North and West African origin, which no Latin-script Faker locale has (each rarer than those above).
AFRICAN_SURNAMES = ["Benmoussa", "Belkacem", "Haddouche", "Bouzidi", "Meziane", "Amrani", "Cherif", "Saadi",
                    "Hamidi", "Ouali", "Boukhalfa", "Zerrouki", "Kaci", "Mebarki", "Touati", "Sow", "Diop",
                    "Ndiaye", "Keita", "Coulibaly", "Kouyaté", "Sylla", "Bamba", "Fofana", "Konaté", "Ba",
                    "N'Diaye", "M'Bemba", "Ould Ahmed", "Ben Youssef", "El Amrani", "Aït Said"]
AFRICAN_FIRST = {"f": ["Fatima", "Khadija", "Nadia", "Yasmine", "Samira", "Aminata", "Mariam", "Awa", "Kadiatou",
                       "Leïla", "Rachida", "Fatoumata", "Saïda", "Malika"],
                 "m": ["Mohamed", "Ahmed", "Karim", "Rachid", "Youssef", "Mamadou", "Moussa", "Ibrahima",
                       "Abdelkader", "Saïd", "Samir", "Ousmane", "Bakary", "Nordine"]}
# Other Faker locales for names of European and Asian origin, with their weight among surnames.
OTHER_LOCALES = {"pt_PT": 0.05, "it_IT": 0.04, "es_ES": 0.035, "pl_PL": 0.015, "tr_TR": 0.015, "de_DE": 0.01,
                 "vi_VN": 0.01}
# Short forms and nicknames seen in administrative files (first name -> what a partner may write).
SHORT_FORMS = {"Alexandre": "Alex", "Catherine": "Cathy", "Frédéric": "Fred", "Stéphane": "Steph",
               "Christophe": "Chris", "Mohamed": "Mohammed", "Mohammed": "Mohamed", "Nathalie": "Nath",
               "Jean-Baptiste": "JB", "Jean-Pierre": "J-Pierre", "Jean-Claude": "J-Claude", "Marie-Thérèse": "Marie",
               "Abdelkader": "Abdel", "Élisabeth": "Elisa", "Guillaume": "Guilhem", "Valentin": "Valentin",
               "Emmanuel": "Manu", "Dominique": "Dom", "Maximilien": "Max", "Benjamin": "Ben", "Nicolas": "Nico",
               "Fatoumata": "Fatou", "Christine": "Kristine", "Mathieu": "Matthieu", "Matthieu": "Mathieu"}
STREET_SHORT = {"boulevard": "bd", "avenue": "av.", "rue": "r.", "place": "pl.", "chemin": "ch.", "impasse": "imp.",
                "allée": "all.", "route": "rte", "quai": "qu.", "résidence": "res.", "bâtiment": "bât",
                "appartement": "apt", "escalier": "esc.", "lieu-dit": "LD", "saint": "st", "sainte": "ste"}
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


@dataclasses.dataclass
class Person:
    first: str
    surname: str  # the name in use (a married woman's husband's name, when she took it)
    birth_surname: str  # the birth (maiden) name
    born: date
    sex: str


@dataclasses.dataclass
class Place:
    number: str
    street: str  # "rue Étienne Coulon"; empty for a lieu-dit
    lieu_dit: str | None
    residence: str | None
    building: str | None
    apartment: str | None
    postcode: str
    commune: str
    cedex: bool


@dataclasses.dataclass
class Household:
    number: int
    people: list[Person]  # holders of the lease, the first one usually named by partners
    place: Place
    old_place: Place | None  # where it lived before moving (partners not told report it)
    mailing: Place | None  # a second, mailing address (a relative's, a post office box at the CCAS...)
    phone: str | None  # national form, "0612345678"
    email: str | None
    allocataire: str | None


@dataclasses.dataclass
class Dataset:
    partners: list[tuple[str, str]]
    rows: dict[str, list[dict[str, Any]]]  # partner name -> rows as POST /api/v1/signalements accepts them
    truth: dict[tuple[str, str], int]  # (partner, reference) -> household number

    @property
    def size(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class Territory:
    """Départements, communes, streets and residences, all drawn once from Faker (fr_FR)."""

    def __init__(self, fake: Faker, rng: random.Random, households: int) -> None:
        # Metropolitan départements with a two-digit code (the postcode's first two digits).
        metropolitan = [code for code, _name in FrenchAddresses.departments if len(code) == 2 and code.isdigit()]
        self.departments = rng.sample(metropolitan, 8)
        self.home = self.departments[0]  # the département of the deployment; the others are neighbours
        self.communes: dict[str, list[tuple[str, str, float]]] = {}
        used: set[str] = set()
        for code in self.departments:
            size = max(8, households // (60 if code == self.home else 400))
            towns = []
            for k in range(size):
                name = fake.city()
                while name in used:
                    name = f"{fake.city()}-{fake.city_suffix().strip()}" if rng.random() < 0.5 else fake.city()
                used.add(name)
                # A few large communes (the préfecture, its suburbs), many small ones.
                towns.append((f"{code}{rng.randrange(0, 1000):03d}" if k else f"{code}000", name, 1 / (k + 1)))
            self.communes[code] = towns
        self.streets: dict[str, list[str]] = {}
        self.residences: dict[str, list[tuple[str, str, str]]] = {}
        for towns in self.communes.values():
            for _postcode, name, weight in towns:
                count = max(4, int(60 * weight))
                self.streets[name] = [fake.street_name() for _ in range(count)]
                self.residences[name] = [(f"Résidence {fake.last_name()}", str(rng.randrange(1, 60)),
                                          rng.choice(self.streets[name])) for _ in range(max(1, count // 6))]

    def place(self, fake: Faker, rng: random.Random, department: str | None = None) -> Place:
        code = department or (self.home if rng.random() < 0.85 else rng.choice(self.departments))
        towns = self.communes[code]
        postcode, commune, _ = rng.choices(towns, weights=[w for *_, w in towns])[0]
        cedex = rng.random() < 0.02
        if rng.random() < 0.05 and postcode[-3:] != "000":  # a rural household: a lieu-dit, no street
            return Place("", "", f"{fake.last_name()}{rng.choice(['', ' Haut', 'ière', ' du Bas'])}", None, None,
                         None, postcode, commune, cedex)
        if rng.random() < 0.4:  # social housing: residence, building, apartment
            residence, number, street = rng.choice(self.residences[commune])
            return Place(number, street, None, residence, rng.choice("ABCDEFGH"), str(rng.randrange(1, 90)),
                         postcode, commune, cedex)
        number = fake.building_number()
        if rng.random() < 0.03:
            number += rng.choice([" bis", " ter"])
        apartment = str(rng.randrange(1, 40)) if rng.random() < 0.3 else None
        return Place(number, rng.choice(self.streets[commune]), None, None, None, apartment, postcode, commune, cedex)


class Population:
    """Names: the frequent surnames at their share, the rest from Faker's fr_FR list and a few other locales."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("fr_FR")
        self.fake.seed_instance(seed)
        self.others: dict[str, Faker] = {}
        for offset, locale in enumerate(OTHER_LOCALES):
            other = Faker(locale)
            other.seed_instance(seed + 1 + offset)
            self.others[locale] = other
        # fr_FR alone has 400 surnames: at three quarters of the population each would be as common as Bernard,
        # the second name of France. The French-language lists of Faker's fr_CA, fr_CH and fr_BE widen the tail.
        self.french_surnames = sorted({str(name) for module in (fr_fr_names, fr_ca_names, fr_ch_names, fr_be_names)
                                       for name in module.Provider.last_names})
        self.source_names = ["frequent", "african", *OTHER_LOCALES, "fr"]
        frequent = sum(FREQUENT_SURNAMES.values())
        african = 0.015  # 32 names: about 0.05 % each
        self.source_weights = [frequent, african, *OTHER_LOCALES.values(),
                               1 - frequent - african - sum(OTHER_LOCALES.values())]

    def surname(self) -> tuple[str, str]:
        """(surname, origin) — the origin picks a matching first name most of the time."""
        source = self.rng.choices(self.source_names, weights=self.source_weights)[0]
        if source == "frequent":
            names = list(FREQUENT_SURNAMES)
            name = self.rng.choices(names, weights=list(FREQUENT_SURNAMES.values()))[0]
            origin = {"Nguyen": "vi_VN", "Diallo": "african", "Benali": "african", "Traoré": "african",
                      "Dos Santos": "pt_PT"}.get(name, "fr")
            return name, origin
        if source == "african":
            return self.rng.choice(AFRICAN_SURNAMES), "african"
        if source in self.others:
            return self.others[source].last_name(), source
        name = self.rng.choice(self.french_surnames)
        if self.rng.random() < 0.04:  # double surnames (law of 2005) and old compound ones
            name = f"{name}-{self.rng.choice(self.french_surnames)}"
        elif self.rng.random() < 0.02:
            name = f"{self.rng.choice(['Le', 'Du', 'De', 'de La', 'Van'])} {name}"
        return name, "fr"

    def first_name(self, sex: str, origin: str) -> str:
        if origin == "african" and self.rng.random() < 0.8:
            return self.rng.choice(AFRICAN_FIRST[sex])
        if origin in self.others and self.rng.random() < 0.6:
            other = self.others[origin]
            return str(other.first_name_female() if sex == "f" else other.first_name_male())
        name = str(self.fake.first_name_female() if sex == "f" else self.fake.first_name_male())
        if self.rng.random() < 0.07:
            second = self.fake.first_name_female() if sex == "f" else self.fake.first_name_male()
            name = f"{'Marie' if sex == 'f' else 'Jean'}-{second}" if self.rng.random() < 0.6 else f"{name}-{second}"
        return name

    def birth(self, around: date | None = None) -> date:
        if around is not None:
            return around + timedelta(days=self.rng.randint(-9 * 365, 9 * 365))
        age_days = int(self.rng.triangular(18, 88, 42) * 365.25)
        return date(2026, 11, 1) - timedelta(days=age_days)

    def person(self, sex: str, around: date | None = None) -> Person:
        surname, origin = self.surname()
        return Person(self.first_name(sex, origin), surname, surname, self.birth(around), sex)


def _phone(rng: random.Random) -> str:
    return f"0{rng.choice('6677123459')}{rng.randrange(10**8):08d}"


class Generator:
    def __init__(self, households: int, seed: int) -> None:
        self.population = Population(seed)
        self.rng = self.population.rng
        self.fake = self.population.fake
        self.territory = Territory(self.fake, self.rng, households)
        self.count = households

    def household(self, number: int) -> Household:
        rng, people = self.rng, self.population
        first = people.person(rng.choice("mf"))
        holders = [first]
        kind = rng.choices(["alone", "married", "partners", "flatmates"], weights=[0.58, 0.22, 0.14, 0.06])[0]
        if kind in ("married", "partners"):
            other = people.person("f" if first.sex == "m" else "m", first.born)
            if kind == "married":
                wife, husband = (first, other) if first.sex == "f" else (other, first)
                if rng.random() < 0.85:
                    wife.surname = husband.surname
            holders.append(other)
        elif kind == "flatmates":
            holders.append(people.person(rng.choice("mf"), first.born))
        place = self.territory.place(self.fake, rng)
        moved = rng.random() < CORRUPTION["moved"]
        old = self.territory.place(self.fake, rng, department=place.postcode[:2] if rng.random() < 0.7 else None)
        mailing = self.territory.place(self.fake, rng) if rng.random() < CORRUPTION["mailing_address"] else None
        phone = _phone(rng) if rng.random() < 0.62 else None
        email = None
        if rng.random() < 0.3:
            email = f"{_fold(first.first).lower()}.{_fold(first.surname).lower().replace(' ', '')}" \
                    f"{rng.randrange(100) if rng.random() < 0.5 else ''}@{self.fake.free_email_domain()}"
        allocataire = f"{rng.randrange(10**6, 10**7)}" if rng.random() < 0.6 else None
        return Household(number, holders, place, old if moved else None, mailing, phone, email, allocataire)

    def namesake(self, number: int, of: Household, *, same_building: bool) -> Household:
        """Same first name, surname and birth date, another household: elsewhere, or (rarely) a relative in
        the same building. Nothing else in common."""
        twin = self.household(number)
        source = of.people[0]
        twin.people[0] = Person(source.first, source.surname, source.surname, source.born, source.sex)
        if same_building:
            twin.place = dataclasses.replace(of.place, apartment=str(int(of.place.apartment or 0) + 100))
        else:
            while twin.place.commune == of.place.commune:
                twin.place = self.territory.place(self.fake, self.rng)
        return twin

    def households(self) -> list[Household]:
        out: list[Household] = []
        for number in range(self.count):
            if out and self.rng.random() < CORRUPTION["namesake_elsewhere"]:
                out.append(self.namesake(number, self.rng.choice(out), same_building=False))
            elif out and self.rng.random() < CORRUPTION["sibling_namesake_same_building"]:
                out.append(self.namesake(number, self.rng.choice(out), same_building=True))
            else:
                out.append(self.household(number))
        return out


# --- corruptions -------------------------------------------------------------------------------------------------

def _typo(text: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters[1:])
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1:]  # a letter dropped
    if kind == 1 and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]  # two letters swapped
    if kind == 2:
        return text[:i] + text[i] + text[i:]  # a letter doubled
    near = {"a": "e", "e": "é", "i": "y", "o": "au", "n": "m", "m": "n", "s": "z", "c": "k", "t": "d", "l": "ll"}
    return text[:i] + near.get(text[i].lower(), "e") + text[i + 1:]


def _short_first(first: str, rng: random.Random) -> str:
    if first in SHORT_FORMS:
        return SHORT_FORMS[first]
    if "-" in first:
        return first.split("-", maxsplit=1)[0] if rng.random() < 0.7 else "".join(p[0] for p in first.split("-"))
    return first


def _birth(person: Person, rng: random.Random) -> date | None:
    if rng.random() < CORRUPTION["birth_date_missing"]:
        return None
    born = person.born
    if rng.random() < CORRUPTION["day_month_swap"] and born.day <= 12 and born.day != born.month:
        born = born.replace(day=born.month, month=born.day)
    return born


def _names(person: Person, rng: random.Random) -> tuple[str, str]:
    surname, first = person.surname, person.first
    if rng.random() < CORRUPTION["surname_typo"]:
        surname = _typo(surname, rng)
    if rng.random() < CORRUPTION["first_name_typo"]:
        first = _typo(first, rng)
    if rng.random() < CORRUPTION["short_first_name"]:
        first = _short_first(first, rng)
    if rng.random() < CORRUPTION["hyphen_lost"]:
        first, surname = first.replace("-", " "), surname.replace("-", rng.choice([" ", ""]))
    return surname, first


def _street_line(place: Place, rng: random.Random, *, shorten: float) -> str:
    if place.lieu_dit:
        return place.lieu_dit if rng.random() < 0.5 else f"lieu-dit {place.lieu_dit}"
    line = f"{place.number}{rng.choice([' ', ', '])}{place.street}"
    words = []
    for word in line.split(" "):
        short = STREET_SHORT.get(word.lower())
        words.append(short if short and rng.random() < shorten else word)
    return " ".join(words)


def _complement(place: Place, rng: random.Random, *, shorten: float) -> str | None:
    parts = []
    if place.residence:
        parts.append(place.residence.replace("Résidence", "res." if rng.random() < shorten else "Résidence"))
    if place.building:
        parts.append(f"{'bât' if rng.random() < shorten else 'Bâtiment'} {place.building}")
    if place.apartment:
        parts.append(f"{'apt' if rng.random() < shorten else 'Appartement'} {place.apartment}")
    if place.lieu_dit is not None and place.street:
        parts.append(place.lieu_dit)
    return " ".join(parts) or None


def _date_text(day: date | None, style: str) -> str | None:
    if day is None:
        return None
    if style == "slash":
        return day.strftime("%d/%m/%Y")
    if style == "iso":
        return day.isoformat()
    if style == "short":
        return f"{day.day}/{day.month}/{day.year}"
    if style == "words":
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{day.isoformat()} 00:00:00"  # a spreadsheet's date cell written out as text


def _phone_text(phone: str, style: str) -> str:
    if style == "number":
        return phone[1:]  # the cell was a number: the leading zero is gone
    if style == "intl":
        return f"+33 {phone[1]} {phone[2:4]} {phone[4:6]} {phone[6:8]} {phone[8:]}"
    if style == "dots":
        return ".".join(phone[i:i + 2] for i in range(0, 10, 2))
    if style == "spaces":
        return " ".join(phone[i:i + 2] for i in range(0, 10, 2))
    return phone


class Partners:
    """Each partner's way of writing one household's row."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _place_for(self, household: Household, partner: str) -> Place:
        rng = self.rng
        if household.old_place is not None and rng.random() < 0.45:
            return household.old_place  # this partner was not told of the move
        if household.mailing is not None and partner == "CAF" and rng.random() < 0.7:
            return household.mailing
        return household.place

    def row(self, household: Household, partner: str, reference: str) -> dict[str, Any]:
        rng = self.rng
        holders = list(household.people)
        if len(holders) > 1 and rng.random() < CORRUPTION["holders_swapped"]:
            holders.reverse()
        if len(holders) > 1 and rng.random() < CORRUPTION["cotenant_dropped"]:
            holders = holders[:1]
        place = self._place_for(household, partner)
        phone = household.phone
        if phone and rng.random() < CORRUPTION["other_phone"]:
            phone = _phone(rng)  # a number changed since, or a relative's
        postcode = place.postcode
        if rng.random() < CORRUPTION["postcode_typo"]:
            i = rng.randrange(2, 5)
            postcode = postcode[:i] + str((int(postcode[i]) + rng.randrange(1, 10)) % 10) + postcode[i + 1:]
        out: dict[str, Any] = {"reference": reference, "stade": rng.choice(STAGE_BY_PARTNER[partner]),
                               "date_stade": (date(2026, 11, 20) - timedelta(days=rng.randrange(90))).isoformat(),
                               "montant_dette": f"{rng.uniform(250, 12000):.2f}"}
        writer = {"Bailleur": self._bailleur, "DDETS": self._ddets, "CAF": self._caf,
                  "Département": self._departement}[partner]
        writer(out, household, holders, place, postcode, phone)
        return {k: v for k, v in out.items() if v not in (None, "")}

    def _bailleur(self, out: dict[str, Any], household: Household, holders: list[Person], place: Place,
                  postcode: str, phone: str | None) -> None:
        rng = self.rng
        for prefix, person in zip(("", "_cotitulaire"), holders, strict=False):
            surname, first = _names(person, rng)
            out[f"nom{prefix}"], out[f"prenom{prefix}"] = surname, first
            out[f"date_naissance{prefix}"] = _date_text(_birth(person, rng) if rng.random() > 0.08 else None,
                                                        "slash")
        out.update(adresse=_street_line(place, rng, shorten=0.15), complement_adresse=_complement(
            place, rng, shorten=0.5), code_postal=postcode, commune=place.commune,
            telephone=_phone_text(phone, rng.choice(["plain", "spaces"])) if phone else None,
            email=household.email if rng.random() < 0.8 else None)

    def _ddets(self, out: dict[str, Any], household: Household, holders: list[Person], place: Place,
               postcode: str, phone: str | None) -> None:
        rng = self.rng
        for prefix, person in zip(("", "_cotitulaire"), holders, strict=False):
            surname, first = _names(person, rng)
            upper = surname.upper()
            form = rng.random()
            if form < 0.25:
                surname = f"{upper} {first}"  # "NOM Prénom" in the surname field
            elif form < 0.35 and person.sex == "f" and person.birth_surname != person.surname:
                birth = person.birth_surname.upper()  # "Mme <birth name> épouse <married name>"
                surname = rng.choice([f"Mme {birth} épouse {upper}", f"{birth} ép. {upper}",
                                      f"Mme {upper} née {birth}"])
            elif form < 0.40 and person.sex == "f" and person.born.year < 1960:
                surname = f"Vve {upper}"
            elif form < 0.45:
                surname, first = first, upper  # inverted fields
            else:
                surname = upper
            out[f"nom{prefix}"], out[f"prenom{prefix}"] = surname, first
            out[f"date_naissance{prefix}"] = _date_text(_birth(person, rng) if rng.random() > 0.3 else None,
                                                        rng.choice(["slash", "slash", "iso"]))
        street = _street_line(place, rng, shorten=0.7)
        complement = _complement(place, rng, shorten=0.8)
        one_field = rng.random() < 0.6
        out["adresse"] = f"{complement} {street}".upper() if one_field and complement else street.upper()
        out["complement_adresse"] = None if one_field else complement
        commune = place.commune.upper()
        if place.cedex or rng.random() < 0.05:
            commune += rng.choice([" CEDEX", " CEDEX 9", " Cedex"])
        out.update(code_postal=postcode, commune=commune,
                   telephone=_phone_text(phone, "spaces") if phone and rng.random() < 0.3 else None)

    def _caf(self, out: dict[str, Any], household: Household, holders: list[Person], place: Place,
             postcode: str, phone: str | None) -> None:
        rng = self.rng
        for prefix, person in zip(("", "_cotitulaire"), holders, strict=False):
            surname, first = _names(person, rng)
            if person.birth_surname != person.surname and rng.random() < 0.6:
                surname = person.birth_surname  # the CAF files women under their birth name
            out[f"nom{prefix}"], out[f"prenom{prefix}"] = _fold(surname).upper(), _fold(first).upper()
            out[f"date_naissance{prefix}"] = _date_text(_birth(person, rng) if rng.random() > 0.12 else None,
                                                        "slash")
        allocataire = household.allocataire or f"{rng.randrange(10**6, 10**7)}"
        out.update(numero_allocataire=allocataire, adresse=_fold(_street_line(place, rng, shorten=0.3)).upper(),
                   complement_adresse=(_fold(c).upper() if (c := _complement(place, rng, shorten=0.5)) else None),
                   code_postal=postcode, commune=_fold(place.commune).upper(),
                   telephone=_phone_text(phone, rng.choice(["plain", "intl"])) if phone and rng.random() < 0.7
                   else None, email=household.email if rng.random() < 0.5 else None)

    def _departement(self, out: dict[str, Any], household: Household, holders: list[Person], place: Place,
                     postcode: str, phone: str | None) -> None:
        rng = self.rng
        style = rng.choices(["slash", "short", "words", "datetime"], weights=[0.7, 0.15, 0.08, 0.07])[0]
        for prefix, person in zip(("", "_cotitulaire"), holders, strict=False):
            surname, first = _names(person, rng)
            out[f"nom{prefix}"], out[f"prenom{prefix}"] = surname, first
            out[f"date_naissance{prefix}"] = _date_text(_birth(person, rng) if rng.random() > 0.15 else None, style)
        out.update(adresse=_street_line(place, rng, shorten=0.4), complement_adresse=_complement(
            place, rng, shorten=0.6), code_postal=postcode, commune=place.commune,
            telephone=_phone_text(phone, rng.choices(["number", "intl", "dots", "plain"],
                                                     weights=[0.3, 0.2, 0.2, 0.3])[0]) if phone else None,
            email=household.email if rng.random() < 0.4 else None)


def generate(households: int, seed: int) -> Dataset:
    """`households` households and the rows the four partners push about them; deterministic for a seed."""
    generator = Generator(households, seed)
    rng = generator.rng
    writers = Partners(rng)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name, _kind in PARTNERS}
    truth: dict[tuple[str, str], int] = {}
    for household in generator.households():
        reached = [name for name, _kind in PARTNERS if rng.random() < REACH[name]] or ["Bailleur"]
        for partner in reached:
            reference = f"{_fold(partner)[:3].upper()}{seed}-{len(rows[partner]):06d}"
            rows[partner].append(writers.row(household, partner, reference))
            truth[(partner, reference)] = household.number
    for partner_rows in rows.values():
        rng.shuffle(partner_rows)  # a partner's file is not ordered by household
    return Dataset(PARTNERS, rows, truth)


def write(dataset: Dataset, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for partner, partner_rows in dataset.rows.items():
        (folder / f"{_fold(partner).lower()}.json").write_bytes(orjson.dumps(partner_rows, option=orjson.OPT_INDENT_2))
    with (folder / "truth.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["partenaire", "reference", "menage"])
        writer.writerows((partner, reference, number) for (partner, reference), number in dataset.truth.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("/tmp/linkage_data"))
    args = parser.parse_args()
    dataset = generate(args.households, args.seed)
    write(dataset, args.out)
    print(f"{dataset.size:,} rows for {args.households:,} households written to {args.out}")


if __name__ == "__main__":
    main()
