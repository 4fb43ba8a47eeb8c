"""Generated signalement rows for benchmarks (French-looking, deterministic)."""

from __future__ import annotations

import random
from collections.abc import Sequence
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
# Street names for a file the size of a département's: syllables joined into names of 9 letters or more (longer
# than every street type, so the name is the address's longest word, the one its blocking key keeps).
_STREET_TYPES = ("rue", "avenue", "allée", "chemin", "place", "impasse", "quai", "cours")
_SYLLABLES = (("Ker", "Bel", "Mont", "Val", "Roch", "Pré", "Bois", "Beau", "Gran", "Lan", "Mar", "Ver", "Fon", "Cha",
               "Lou", "Sau"),
              ("ber", "lan", "gar", "mor", "vil", "ros", "tan", "pel", "cor", "dal", "fer", "min"),
              ("ville", "mont", "lieu", "court", "champ", "bourg", "lande", "noue", "vigne", "pierre", "chêne"))
STAGES = ["impaye", "commandement_de_payer", "assignation", "jugement", "commandement_de_quitter_les_lieux"]


def street_names(count: int) -> list[str]:
    """`count` distinct street names (at most 2,112), deterministic: a type and a made-up name."""
    names = [f"{_STREET_TYPES[i % len(_STREET_TYPES)]} de {a}{b}{c}"
             for i, (a, b, c) in enumerate((a, b, c) for c in _SYLLABLES[2] for b in _SYLLABLES[1]
                                             for a in _SYLLABLES[0])]
    if count > len(names):
        raise ValueError(f"at most {len(names)} street names")
    return names[:count]


def household_rows(count: int, seed: int = 7, *, streets: Sequence[str] = STREETS) -> list[dict[str, Any]]:
    """One row per household, unique people (the index is folded into the name and allocataire number).

    `streets`: the default nine give 1,791 addresses (number, street) in a département (the blocking keys use the
    département, not the commune): fine for 100,000 rows, but at a million households ~420 of them share each
    address of Loire-Atlantique, which no real list does; `street_names(1500)` spreads them as a département's
    file would be (a few households an address)."""
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
            "adresse": f"{rng.randrange(1, 200)} {rng.choice(streets)}",
            "code_postal": code_postal,
            "commune": commune,
            "telephone": f"06{rng.randrange(10**8):08d}",
            "montant_dette": f"{rng.uniform(500, 9000):.2f}".replace(".", ","),
            "loyer_mensuel": f"{rng.randrange(300, 900)},00",
            "allocataire": "oui",
            "numero_allocataire": str(1_000_000 + i),
        })
    return rows
