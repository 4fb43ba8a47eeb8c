"""The households of scenario 1 (docs/domain.md §13): 40 tenants the Département already knows at the impayé stage,
and Habitat 44's list of 300 lines: the same 40 written the bailleur's way, 248 tenants nobody knows yet, 12 lines
that reach nobody. Every person differs from every other by name, birth date, address and phone."""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

IMPAYE = "impaye"
DEPARTEMENT = "Département de Loire-Atlantique"
DDETS = "DDETS de Loire-Atlantique"
HABITAT = "Habitat 44"
KNOWN, NEW, UNREACHABLE = 40, 248, 12

SURNAMES = ["Lefèvre", "Le Goff", "Guérin", "N'Diaye", "Hervé-Mercier", "Ménard", "Prévost", "Da Silva", "Bézier",
            "Rousseau", "Châtelain", "Gaillard", "Kerbrat", "Traoré", "Lemaître", "Pérez", "Benoît-Lagrange",
            "Cadiou", "Besnard", "Thébault", "Le Bihan", "Jégou", "Moreau", "Gicquel", "Hamon", "Boukhari",
            "Leroux", "Ollivier", "Salaün", "Évenou"]
FIRST_NAMES = ["Marie-Hélène", "Jean-François", "Anne-Sophie", "Noémie Claire", "Gaëlle", "Loïc", "Jérôme",
               "Françoise", "Aïssatou Mariam", "Hélène", "Benoît", "Léa", "Stéphane", "Maëlle Anne", "Frédéric Alain",
               "Aminata Fatou", "Chloé", "Yannick", "Zoé Louise", "Rémi Joseph"]
STREETS = ["avenue de la République", "boulevard des Anglais", "rue Saint-Jacques", "allée des Tilleuls",
           "rue du Général Leclerc", "avenue Jean Jaurès", "boulevard Émile Romanet", "rue de la Bastille"]
COMMUNES = [("44000", "Nantes"), ("44800", "Saint-Herblain"), ("44400", "Rezé"), ("44600", "Saint-Nazaire"),
            ("44300", "Nantes")]


@dataclass(frozen=True, slots=True)
class Person:
    """The n-th tenant of the territory, as the Département writes it."""

    n: int

    @property
    def nom(self) -> str:
        return SURNAMES[self.n % 30]

    @property
    def prenom(self) -> str:
        return FIRST_NAMES[(self.n // 30 * 31 + self.n % 30) % 20]  # with the surname, one pair per person

    @property
    def born(self) -> date:
        return date(1952, 3, 1) + timedelta(days=61 * self.n)

    @property
    def street(self) -> str:
        return f"{3 + self.n} {STREETS[self.n % 8]}"

    @property
    def place(self) -> tuple[str, str]:
        return COMMUNES[self.n // 5 % 5]

    @property
    def mobile(self) -> str:
        return f"06 {10 + self.n // 100:02d} {self.n % 100:02d} {(self.n * 37) % 100:02d} 18"


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def known_row(person: Person) -> dict[str, Any]:
    """The Département's case: a CAF number, the mobile, the full address."""
    postcode, commune = person.place
    return {"reference": f"CD44-IMP-{person.n:03d}", "stade": IMPAYE, "date_stade": "28/09/2026", "parc": "social",
            "nom": person.nom, "prenom": person.prenom, "date_naissance": person.born.strftime("%d/%m/%Y"),
            "adresse": person.street, "code_postal": postcode, "commune": commune, "telephone": person.mobile,
            "allocataire": "oui", "numero_allocataire": f"{7_400_000 + person.n * 113}", "montant_dette": "1 480,00"}


def _abbreviated(street: str) -> str:
    for word, short in (("avenue", "av."), ("boulevard", "bd"), ("allée", "all."), ("rue", "r."),
                        ("Saint-", "St "), ("Général", "Gal")):
        street = street.replace(word, short)
    return street


def _bailleur_spelling(person: Person) -> dict[str, str]:
    """How Habitat 44's software writes a tenant the Département knows: one kind of variation each."""
    commune = person.place[1]
    kind = person.n % 5
    if kind == 0:  # capitals without accents
        return {"nom": _plain(person.nom).upper(), "prenom": _plain(person.prenom).upper(),
                "adresse": _plain(person.street).upper(), "commune": _plain(commune).upper()}
    if kind == 1:  # hyphens and apostrophes dropped
        return {"nom": person.nom.replace("-", " ").replace("'", ""), "prenom": person.prenom.replace("-", " "),
                "adresse": person.street, "commune": commune.replace("-", " ")}
    if kind == 2:  # street types and saints abbreviated
        return {"nom": person.nom, "prenom": person.prenom, "adresse": _abbreviated(person.street),
                "commune": commune.replace("Saint-", "ST ").upper()}
    if kind == 3:  # the first names in another order, the surname first in capitals
        return {"nom": person.nom.upper(), "prenom": " ".join(reversed(person.prenom.replace("-", " ").split())),
                "adresse": person.street.lower(), "commune": commune}
    return {"nom": person.nom.lower(), "prenom": person.prenom.lower(),  # lower case, a comma after the number
            "adresse": person.street.replace(" ", ", ", 1), "commune": commune}


def bailleur_row(person: Person, reference: str) -> dict[str, Any]:
    postcode, commune = person.place
    return {"reference": reference, "stade": IMPAYE, "date_stade": "02/10/2026", "parc": "social",
            "nom": person.nom, "prenom": person.prenom, "date_naissance": person.born.isoformat(),
            "adresse": person.street, "code_postal": postcode, "commune": commune,
            # Half of them gave the bailleur their mobile, the others a landline the Département does not have.
            "telephone": person.mobile if person.n % 2 else f"02 40 {person.n % 100:02d} {person.n // 100:02d} 44",
            "email": f"locataire.{person.n}@exemple.fr" if person.n % 3 == 0 else "",
            "montant_dette": f"{600 + person.n * 7},50", "loyer_mensuel": "512,00", "allocataire": "inconnu"}


@dataclass(frozen=True, slots=True)
class Rejected:
    reference: str
    field: str
    reason: str


_NO_CHANNEL = ("aucun moyen de contact : il manque {} (une adresse postale avec son code postal, un téléphone ou un "
               "e-mail) ; si le ménage est connu injoignable, indiquez injoignable=oui")
_BAD_POSTCODE = "code postal invalide : 5 chiffres attendus (ex. 44000)"


def _unreachable(person: Person, reference: str, kind: int) -> tuple[dict[str, Any], Rejected]:
    """Neither a phone nor a valid address: nothing at all, a street without its postcode, or a broken postcode."""
    row = {**bailleur_row(person, reference), "telephone": "", "email": ""}
    if kind == 0:
        row.update(adresse="", code_postal="")
        return row, Rejected(reference, "adresse", _NO_CHANNEL.format("adresse, code_postal, telephone, email"))
    if kind == 1:
        row["code_postal"] = ""
        return row, Rejected(reference, "code_postal", _NO_CHANNEL.format("code_postal, telephone, email"))
    row["code_postal"] = row["code_postal"][:4]
    return row, Rejected(reference, "code_postal", _BAD_POSTCODE)


@dataclass(frozen=True, slots=True)
class BailleurFile:
    rows: list[dict[str, Any]]  # in file order
    known: dict[str, str]  # Habitat 44's reference -> the Département's reference of the same household
    new: list[str]
    rejected: dict[str, Rejected]

    def line(self, reference: str) -> int:
        """The line of the file (header = 1) holding that reference."""
        return 2 + next(i for i, row in enumerate(self.rows) if row["reference"] == reference)

    def csv(self) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(self.rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue().encode("utf-8")


def bailleur_file() -> BailleurFile:
    rows: list[dict[str, Any]] = []
    known: dict[str, str] = {}
    for n in range(KNOWN):
        person = Person(n)
        reference = f"H44-{10_000 + n * 7}"
        rows.append({**bailleur_row(person, reference), **_bailleur_spelling(person)})
        known[reference] = known_row(person)["reference"]
    new = [f"H44-{20_000 + n}" for n in range(NEW)]
    rows += [bailleur_row(Person(KNOWN + i), reference) for i, reference in enumerate(new)]
    rejected: dict[str, Rejected] = {}
    for i in range(UNREACHABLE):
        row, why = _unreachable(Person(KNOWN + NEW + i), f"H44-{30_000 + i}", i % 3)
        rows.append(row)
        rejected[why.reference] = why
    random.Random(44).shuffle(rows)  # the bailleur's export is in its own order
    return BailleurFile(rows, known, new, rejected)
