"""The household facts the sources route on, as columns of the signalement contract (docs/api.md, docs/domain.md
§9.1 and §10.5): dependent children, housing benefit, a legal protection measure and its mandataire, a referent
already known, and the partner's mark that nobody can be reached. Parsers and the checks across these columns;
`campaigns/intake/fields.py` runs them with the other columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from campaigns.locale.text import ascii_fold
from campaigns.messages import addressees

# The protection measures of the DSF form (002 L1526–1534), as codes.
MEASURES: tuple[str, ...] = (
    "curatelle", "curatelle_renforcee", "tutelle", "habilitation_familiale", "sauvegarde_justice",
)
# Measures under which the mandataire receives the household's mail (its letters are copied to it "aux bons soins
# de": campaigns/messages/addressees.py, the one list).
CARE_OF_MEASURES = addressees.CARE_OF_MEASURES
HOUSING_BENEFITS: tuple[str, ...] = ("alf", "als", "apl")
MAX_CHILDREN = 20
MAX_CHILD_AGE = 25

# Columns added by this module, in the partners' documented order (after the identity and procedure columns).
FACT_FIELDS: tuple[str, ...] = (
    "enfants_a_charge", "ages_enfants", "aide_logement", "versement_aide_logement",
    "mesure_protection", "mandataire_nom", "mandataire_adresse", "mandataire_code_postal", "mandataire_commune",
    "mandataire_telephone", "referent_connu", "injoignable", "bailleur",
)
# Contact details of the mandataire: without a measure they mean nothing (and are refused).
MANDATAIRE_FIELDS: tuple[str, ...] = (
    "mandataire_nom", "mandataire_adresse", "mandataire_code_postal", "mandataire_commune", "mandataire_telephone",
)
# The columns a letter, an SMS or a call can use: a row with none of them reaches nobody.
ADDRESS_FIELDS: tuple[str, ...] = ("adresse", "code_postal")
CHANNEL_FIELDS: tuple[str, ...] = ("adresse", "code_postal", "telephone", "email")


class FactError(Exception):
    """A refused value; the single argument is the French reason."""


def _code(value: object) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:29] + "…"


def _folded_code(value: object) -> str | None:
    """"Curatelle renforcée" → "curatelle_renforcee", "Sauvegarde de justice" → "sauvegarde_de_justice"."""
    if not isinstance(value, str):
        return None
    words = ascii_fold(value.lower()).replace("-", " ").replace("'", " ").split()
    return "_".join(words)


def _choice(choices: Mapping[str, str], refusal: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        code = _folded_code(value)
        if code is None or code not in choices:
            raise FactError(refusal.format(_code(value)))
        return choices[code]

    return parse


def parse_children(value: object) -> int:
    if isinstance(value, bool):
        raise FactError("nombre d'enfants à charge invalide : un nombre entier est attendu (ex. 2)")
    text = str(value).strip() if isinstance(value, int | str) else ""
    if not (text.isascii() and text.isdigit()):
        raise FactError("nombre d'enfants à charge invalide : un nombre entier est attendu (ex. 2)")
    count = int(text)
    if count > MAX_CHILDREN:
        raise FactError(f"nombre d'enfants à charge invalide : {MAX_CHILDREN} au plus")
    return count


_AGE_SEPARATORS = re.compile(r"[;,/ ]+")


def parse_children_ages(value: object) -> str:
    """"3;7;15", "3, 7, 15" or a JSON list [3, 7, 15]: stored as "3,7,15" (ages in years, 0 for a baby)."""
    refusal = (f"âges des enfants invalides : des nombres entiers de 0 à {MAX_CHILD_AGE} séparés par des "
               "points-virgules sont attendus (ex. 3;7;15)")
    if isinstance(value, list):
        items = [str(item) for item in value if not isinstance(item, bool)]
        if len(items) != len(value):
            raise FactError(refusal)
    elif isinstance(value, str | int) and not isinstance(value, bool):
        items = [item for item in _AGE_SEPARATORS.split(str(value).strip()) if item]
    else:
        raise FactError(refusal)
    if not items or len(items) > MAX_CHILDREN or not all(item.isascii() and item.isdigit() for item in items):
        raise FactError(refusal)
    ages = [int(item) for item in items]
    if any(age > MAX_CHILD_AGE for age in ages):
        raise FactError(refusal)
    return ",".join(str(age) for age in ages)


def children_ages(stored: str | None) -> list[int]:
    return [int(age) for age in stored.split(",")] if stored else []


parse_benefit = _choice(
    {code: code for code in (*HOUSING_BENEFITS, "aucune", "inconnu")} | {"non": "aucune", "aucun": "aucune"},
    "aide au logement inconnue « {} » : valeurs possibles alf, als, apl, aucune, inconnu",
)
parse_benefit_payee = _choice(
    {"menage": "menage", "allocataire": "menage", "caf": "menage", "bailleur": "bailleur",
     "tiers_payant": "bailleur"},
    "versement de l'aide au logement inconnu « {} » : valeurs possibles menage (versée par la CAF au ménage) "
    "ou bailleur (tiers payant)",
)
parse_measure = _choice(
    {code: code for code in (*MEASURES, "aucune")}
    | {"sauvegarde_de_justice": "sauvegarde_justice", "habilitation_familiale": "habilitation_familiale",
       "aucun": "aucune", "non": "aucune"},
    "mesure de protection inconnue « {} » : valeurs possibles curatelle, curatelle_renforcee, tutelle, "
    "habilitation_familiale, sauvegarde_justice, aucune",
)


def cross_checks(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Errors across the fact columns (field, French reason); `values` are the parsed ones (None when absent)."""
    errors: list[tuple[str, str]] = []
    count, ages = values.get("enfants_a_charge"), values.get("ages_enfants")
    if isinstance(count, int) and isinstance(ages, str) and len(children_ages(ages)) != count:
        given = len(children_ages(ages))
        errors.append(("ages_enfants", f"{given} {'âge donné' if given == 1 else 'âges donnés'} pour "
                                       f"{count} {'enfant' if count <= 1 else 'enfants'} à charge : "
                                       "un âge par enfant à charge est attendu"))
    if values.get("versement_aide_logement") is not None and values.get("aide_logement") not in HOUSING_BENEFITS:
        errors.append(("versement_aide_logement", "versement indiqué sans aide au logement (alf, als ou apl)"))
    measure = values.get("mesure_protection")
    stated = [name for name in MANDATAIRE_FIELDS if values.get(name) is not None]
    if measure in (None, "aucune") and stated:
        errors.append((stated[0], "coordonnées d'un mandataire sans mesure de protection (mesure_protection)"))
    if measure in CARE_OF_MEASURES:
        missing = [name for name in ("mandataire_nom", "mandataire_adresse", "mandataire_code_postal",
                                     "mandataire_commune") if values.get(name) is None]
        if missing:
            errors.append((missing[0], f"mesure « {measure} » : le nom et l'adresse du mandataire sont obligatoires "
                                       f"(manquant : {', '.join(missing)})"))
    return errors


def missing_channels(values: Mapping[str, Any]) -> list[str]:
    """The contact columns a row lacks when it has no usable channel at all (no postal address, phone nor e-mail);
    empty when one is usable. A postal address needs the street line and the postcode."""
    has_address = all(values.get(name) is not None for name in ADDRESS_FIELDS)
    if has_address or values.get("telephone") is not None or values.get("email") is not None:
        return []
    return [name for name in CHANNEL_FIELDS if values.get(name) is None]
