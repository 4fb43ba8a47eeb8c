"""A campaign's validation messages: the field they are about (step n°, champ), in French, and Pydantic's errors
translated into them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from campaigns.platform.errors import ValidationError

FIELD_LABELS = {
    "name": "Nom",
    "owner": "Propriétaire",
    "delegate": "Opérateur délégué",
    "stages": "Stades de la procédure",
    "territory": "Territoire",
    "territory.communes": "Communes",
    "territory.postcodes": "Départements ou codes postaux",
    "priority": "Priorité",
    "coordination": "Coordination des courriers",
    "over_cap": "Au-delà des plafonds",
    "sending_hours": "Heures d'envoi",
    "sending_hours.days": "Jours d'envoi",
    "sending_hours.start": "Heure de début d'envoi",
    "sending_hours.end": "Heure de fin d'envoi",
    "segment": "Segment",
    "segment.parc": "Parc",
    "segment.allocataire": "Allocataire",
    "languages": "Langues",
    "falc": "FALC",
    "unit_costs": "Coûts unitaires",
    "steps": "Étapes",
    "channel": "Canal",
    "delay_days": "Délai (jours)",
    "delay_from": "Point de départ du délai",
    "conditions": "Conditions",
    "template": "Modèle",
    "regulatory": "Courrier réglementaire",
    "dsf": "Chaîne DSF",
    "announced": "Visite annoncée",
}


@dataclass(frozen=True, slots=True)
class CampaignIssue:
    """`field` is a path: "owner", "territory.postcodes", or "steps.2.template" (steps numbered from 1)."""

    field: str
    message: str

    @property
    def step(self) -> int | None:
        parts = self.field.split(".")
        numbered = parts[0] == "steps" and len(parts) > 1 and parts[1].isascii() and parts[1].isdigit()
        return int(parts[1]) if numbered else None

    @property
    def label(self) -> str:
        step = self.step
        if step is not None:
            attribute = self.field.split(".", 2)[2] if self.field.count(".") >= 2 else ""
            return FIELD_LABELS.get(attribute.split(".")[0], attribute) if attribute else "Étape"
        return FIELD_LABELS.get(self.field, FIELD_LABELS.get(self.field.split(".")[0], self.field))

    @property
    def text(self) -> str:
        step = self.step
        where = f"Étape n°{step}, champ « {self.label} »" if step is not None else f"Champ « {self.label} »"
        if step is not None and self.field.count(".") < 2:
            where = f"Étape n°{step}"
        return f"{where} : {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"champ": self.field, "etape": self.step, "libelle": self.label, "message": self.text}


class CampaignInvalidError(ValidationError):
    """A campaign refused, with every reason: the API answers them as a list, the form shows each by its field."""

    def __init__(self, issues: list[CampaignIssue]) -> None:
        super().__init__("; ".join(issue.text for issue in issues))
        self.issues = issues


def step_field(index: int, attribute: str | None = None) -> str:
    """The field path of a step, from its 0-based index."""
    return f"steps.{index + 1}" + (f".{attribute}" if attribute else "")


def _path(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] == "steps" and parts[1].isascii() and parts[1].isdigit():
        parts[1] = str(int(parts[1]) + 1)
    return ".".join(parts)


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    field = error["loc"][-1] if error["loc"] else ""
    if kind == "greater_than_equal":
        if field == "delay_days":
            return "un délai ne peut pas être négatif : indiquez un nombre de jours positif ou nul"
        return f"doit être supérieur ou égal à {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"doit être inférieur ou égal à {ctx.get('le')}"
    if kind == "too_short":
        return {"stages": "cochez au moins un stade", "steps": "ajoutez au moins une étape"}.get(
            str(field), "ne peut pas être vide")
    messages = {
        "missing": "obligatoire",
        "extra_forbidden": "champ inconnu",
        "string_too_short": "ne peut pas être vide",
        "string_too_long": f"trop long ({ctx.get('max_length')} caractères au plus)",
        "int_parsing": "nombre entier attendu",
        "int_type": "nombre entier attendu",
        "int_from_float": "nombre entier attendu",
        "float_parsing": "nombre attendu",
        "bool_parsing": "oui ou non attendu",
        "string_pattern_mismatch": "format attendu HH:MM (par exemple 09:00)",
        "list_type": "liste attendue",
        "string_type": "texte attendu",
    }
    if kind in messages:
        return messages[kind]
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace(" or ", " ou ")
        return f"valeur non autorisée (valeurs possibles : {expected})"
    return str(error["msg"]).removeprefix("Value error, ")


def _field(error: Any) -> str:
    path = _path(tuple(error["loc"]))
    # A step's own checks (a message channel without a template, DSF on a letter) come for the whole step: they
    # are about one of its fields.
    if path.count(".") == 1 and path.startswith("steps."):
        message = str(error["msg"])
        if "modèle" in message:
            return f"{path}.template"
        if "DSF" in message:
            return f"{path}.dsf"
    return path


def issues_from_pydantic(exc: PydanticValidationError) -> list[CampaignIssue]:
    return [CampaignIssue(_field(e), _message(e)) for e in exc.errors()]
