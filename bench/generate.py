"""Generated signalement rows for benchmarks (French-looking, deterministic)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
            "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
            "Benali", "Traoré", "Nguyen", "Diallo", "Le Goff", "Haddad", "Da Silva", "Kaya", "Camara", "Guérin"]
FIRST_NAMES = ["Marie", "Jean", "Nathalie", "Pierre", "Isabelle", "Michel", "Sophie", "Karim", "Aïcha", "Léa",
               "Thomas", "Fatou", "Julien", "Amina", "Loïc", "Céline", "Mamadou", "Hélène", "Kevin", "Sandrine"]
STREETS = ["rue des Lilas", "boulevard Victor Hugo", "avenue de la République", "rue Jean Jaurès",
           "place du Commerce", "allée des Tilleuls", "rue Pasteur", "chemin du Moulin", "impasse des Mouettes"]
PLACES = [("Nantes", "44000"), ("Saint-Nazaire", "44600"), ("Rezé", "44400"), ("Saint-Herblain", "44800"),
          ("Orvault", "44700"), ("Vertou", "44120"), ("Angers", "49000"), ("La Roche-sur-Yon", "85000")]
STAGES = ["impaye", "commandement_de_payer", "assignation", "jugement", "commandement_de_quitter_les_lieux"]


def household_rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """One row per household, unique people (the index is folded into the name and allocataire number)."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        commune, code_postal = rng.choice(PLACES)
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 22_000))
        rows.append({
            "reference": f"B{i:07d}",
            "stade": rng.choice(STAGES),
            "date_stade": "15/11/2026",
            "parc": rng.choice(("social", "prive")),
            "nom": f"{rng.choice(SURNAMES)}-{i}",
            "prenom": rng.choice(FIRST_NAMES),
            "date_naissance": born.strftime("%d/%m/%Y"),
            "adresse": f"{rng.randrange(1, 200)} {rng.choice(STREETS)}",
            "code_postal": code_postal,
            "commune": commune,
            "telephone": f"06{rng.randrange(10**8):08d}",
            "montant_dette": f"{rng.uniform(500, 9000):.2f}".replace(".", ","),
            "loyer_mensuel": f"{rng.randrange(300, 900)},00",
            "allocataire": "oui",
            "numero_allocataire": str(1_000_000 + i),
        })
    return rows
