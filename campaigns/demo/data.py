"""Generated Loire-Atlantique households and partners for the embedded demo (names are invented)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

DDETS = "DDETS de la Loire-Atlantique"
DEPARTEMENT = "Département de Loire-Atlantique"
ADIL = "ADIL 44"
CAF = "CAF de Loire-Atlantique"

# Bailleurs sociaux named in the ADIL 44 report and the 44 charter (docs/domain.md §11.5).
BAILLEURS = (
    "Nantes Métropole Habitat",
    "La Nantaise d'Habitations",
    "Habitat 44",
    "Harmonie Habitat",
    "CDC Habitat social",
    "Atlantique Habitations",
)

PARTNERS: tuple[tuple[str, str], ...] = (
    (DDETS, "etat"),
    (DEPARTEMENT, "departement"),
    (ADIL, "adil"),
    (CAF, "caf"),
    *((name, "bailleur_social") for name in BAILLEURS),
)
# Contact lines printed on letters. The numbers are in the range ARCEP keeps for fiction (02 61 91 xx xx).
CONTACTS: dict[str, tuple[str, str]] = {
    DDETS: ("02 61 91 00 01", "Service prévention des expulsions\nNantes"),
    DEPARTEMENT: ("02 61 91 00 02", "Direction de l'habitat\nNantes"),
    ADIL: ("02 61 91 00 44", "Mission prévention des expulsions\nNantes"),
}

_SURNAMES = (
    "Martin", "Bernard", "Le Goff", "Dubois", "Moreau", "Guérin", "Benali", "Traoré", "Nguyen", "Leroy",
    "Rousseau", "Petit", "Haddad", "Diallo", "Fontaine", "Lemoine", "Gautier", "Chevalier", "Morel", "Kaya",
    "Girard", "Boucher", "Da Silva", "Mercier", "Blanchard", "Hamidi", "Renaud", "Lefèvre", "Roux", "Camara",
)
_FIRST_NAMES = (
    "Marie", "Nathalie", "Isabelle", "Sophie", "Aïcha", "Fatou", "Léa", "Céline", "Sandrine", "Amina",
    "Jean", "Philippe", "Karim", "Mamadou", "Thierry", "Kevin", "Julien", "Stéphane", "Mehmet", "Loïc",
)
_PLACES = (
    ("Nantes", "44000"), ("Nantes", "44100"), ("Nantes", "44300"), ("Saint-Nazaire", "44600"),
    ("Rezé", "44400"), ("Saint-Herblain", "44800"), ("Orvault", "44700"), ("Vertou", "44120"),
    ("Châteaubriant", "44110"), ("Pornic", "44210"), ("Ancenis-Saint-Géréon", "44150"),
)
_STREETS = (
    "rue des Lilas", "boulevard Victor Hugo", "avenue de la République", "rue Jean Jaurès", "place du Commerce",
    "allée des Tilleuls", "rue de la Paix", "impasse des Mouettes", "chemin du Moulin", "rue Pasteur",
)
# Stages of the households when the demo starts: most at CDP or assignation, some near the CFP.
_STAGES: tuple[tuple[str, float], ...] = (
    ("commandement_de_payer", 0.40), ("assignation", 0.25), ("commandement_de_quitter_les_lieux", 0.10),
    ("requisition_force_publique", 0.15), ("octroi_force_publique", 0.10),
)


@dataclass(frozen=True, slots=True)
class DemoHousehold:
    """One generated household and the partners that push it."""

    parc: str
    bailleur: str | None
    row: dict[str, Any]
    also_by_state: bool


def _phone(rng: random.Random) -> str:
    prefix = rng.choice(("06", "07", "06", "02"))
    return prefix + " " + " ".join(f"{rng.randrange(100):02d}" for _ in range(4))


def generate_households(count: int, rng: random.Random, start: date) -> list[DemoHousehold]:
    stages = [s for s, _ in _STAGES]
    weights = [w for _, w in _STAGES]
    households = []
    for index in range(count):
        commune, code_postal = rng.choice(_PLACES)
        nom, prenom = rng.choice(_SURNAMES), rng.choice(_FIRST_NAMES)
        parc = "social" if rng.random() < 0.7 else "prive"
        stage = rng.choices(stages, weights)[0]
        rent = rng.randrange(350, 800)
        row: dict[str, Any] = {
            "reference": f"D{index + 1:04d}",
            "stade": stage,
            "date_stade": (start - timedelta(days=rng.randrange(1, 30))).strftime("%d/%m/%Y"),
            "parc": parc,
            "nom": nom,
            "prenom": prenom,
            "date_naissance": date(rng.randrange(1950, 2002), rng.randrange(1, 13), rng.randrange(1, 29))
            .strftime("%d/%m/%Y"),
            "adresse": f"{rng.randrange(1, 120)} {rng.choice(_STREETS)}",
            "code_postal": code_postal,
            "commune": commune,
            "montant_dette": f"{rent * rng.uniform(2, 9):.2f}".replace(".", ","),
            "loyer_mensuel": f"{rent},00",
            "allocataire": rng.choice(("oui", "non", "inconnu")),
            "langue": rng.choices(("fr", "en", "ar"), (0.9, 0.05, 0.05))[0],
            "falc": "oui" if rng.random() < 0.2 else "non",
        }
        if rng.random() < 0.75:
            row["telephone"] = _phone(rng)
        if rng.random() < 0.3:
            row["email"] = f"menage{index + 1}@exemple.fr"
        if rng.random() < 0.25:
            row["complement_adresse"] = f"Bât. {rng.choice('ABCD')}, appt {rng.randrange(1, 60)}"
        bailleur = rng.choice(BAILLEURS) if parc == "social" else None
        # Private-park cases reach the State through EXPLOC; 15% of social ones are pushed by both.
        households.append(DemoHousehold(parc, bailleur, row, also_by_state=parc == "prive" or rng.random() < 0.15))
    return households
