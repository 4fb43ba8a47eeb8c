"""Referent attribution rules: data (YAML), evaluated in order, each with an id; the matched rule is kept."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from campaigns.locale.labels import plural
from campaigns.platform.errors import ValidationError
from campaigns.platform.resources import presets_dir
from campaigns.platform.yaml_text import read_yaml

EXISTING_RULE_ID = "referent_existant"
UNTREATED_RULE_ID = "non_traite"
KINDS = ("MDSF", "CCAS", "CAF")
NO_REFERENT = "aucun"
PRESETS = presets_dir()
# A commune INSEE code (Corsica: 2A/2B), or a département code for structures covering the whole département.
_TERRITORY_KEY = re.compile(r"\d{5}|2[AB]\d{3}|\d{2}|2[AB]|97\d")


@dataclass(frozen=True)
class HouseholdProfile:
    """What the concertation knows of a CDP household (the CAF table, 001 L57–61); None means unknown."""

    parc: Literal["social", "prive"] | None = None
    # Enfant(s) à charge: for the ALF these are children under 21, hence the slide's "– 21 ans".
    has_children: bool | None = None
    reference_person_age: int | None = None
    alf: bool | None = None
    allocataire: str | None = None
    existing_referent: str | None = None
    commune_insee: str | None = None
    closed_reason: str | None = None


@dataclass(frozen=True)
class Attribution:
    structure: str | None
    rule_id: str
    untreated: bool = False


class WhenSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    parc: tuple[Literal["social", "prive"], ...] | None = Field(default=None, min_length=1)
    has_children: bool | None = None
    age_min: int | None = Field(default=None, ge=0, le=130)
    age_max: int | None = Field(default=None, ge=0, le=130)
    alf: bool | None = None
    allocataire: tuple[Literal["oui", "non", "inconnu"], ...] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _coherent(self) -> WhenSpec:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise ValueError("condition vide : une règle sans critère s'écrit sans « when » "
                             "(règle de repli, en dernier)")
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError(f"age_min ({self.age_min}) dépasse age_max ({self.age_max})")
        return self

    def matches(self, profile: HouseholdProfile) -> bool:
        """An unknown value meets no criterion (the household falls through to the fallback), except that
        `allocataire` can ask for "inconnu" explicitly, as campaign segments do."""
        age = profile.reference_person_age
        return all((
            self.parc is None or profile.parc in self.parc,
            self.has_children is None or profile.has_children is self.has_children,
            self.age_min is None or (age is not None and age >= self.age_min),
            self.age_max is None or (age is not None and age <= self.age_max),
            self.alf is None or profile.alf is self.alf,
            self.allocataire is None or (profile.allocataire or "inconnu") in self.allocataire,
        ))


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    description: str = Field(min_length=1)
    when: WhenSpec | None = None
    # A structure kind (MDSF, CCAS, CAF), a structure code, "existing" (rule 0 only) or "none".
    assign: str = Field(min_length=1)

    @field_validator("assign")
    @classmethod
    def _assign(cls, value: str) -> str:
        if value.upper() in KINDS and value != value.upper():
            raise ValueError(f"écrivez « {value.upper()} » en majuscules")
        return value


def _rule_error(index: int, rule_id: object, field: str, message: str) -> ValidationError:
    name = f"« {rule_id} » " if isinstance(rule_id, str) and rule_id else ""
    return ValidationError(f"règle {name}(n°{index}), champ {field} : {message}")


def _check_order(rules: Sequence[RuleSpec]) -> None:
    """Rule 0 first and a fallback last: a known referent is never replaced (001 L67–69) and nobody goes unrouted."""
    if not rules:
        raise ValidationError(f"aucune règle : il faut « {EXISTING_RULE_ID} » en premier, un repli en dernier")
    first = rules[0]
    if first.id != EXISTING_RULE_ID:
        raise _rule_error(1, first.id, "id", f"la première règle doit être « {EXISTING_RULE_ID} » "
                          "(un ménage déjà suivi garde son référent) ; elle ne peut être ni retirée ni déplacée")
    if first.assign != "existing":
        raise _rule_error(1, first.id, "assign", "doit valoir « existing » : le référent connu est conservé")
    if first.when is not None:
        raise _rule_error(1, first.id, "when", "pas de condition : la règle s'applique dès qu'un référent est connu")
    if len(rules) < 2:
        raise ValidationError("il manque la règle de repli (sans « when ») en dernier : tout ménage doit être orienté")
    seen: set[str] = set()
    for index, rule in enumerate(rules, start=1):
        if rule.id in seen:
            raise _rule_error(index, rule.id, "id", "identifiant en double")
        seen.add(rule.id)
        if rule.id == UNTREATED_RULE_ID:
            raise _rule_error(index, rule.id, "id", "identifiant réservé aux dossiers clos non traités")
        if index > 1 and rule.assign == "existing":
            raise _rule_error(index, rule.id, "assign", f"« existing » est réservé à la règle « {EXISTING_RULE_ID} »")
        if 1 < index < len(rules) and rule.when is None:
            raise _rule_error(index, rule.id, "when", "seule la dernière règle (repli) peut être sans condition : "
                              "les règles suivantes ne seraient jamais atteintes")
    if rules[-1].when is not None:
        raise _rule_error(len(rules), rules[-1].id, "when", "la dernière règle doit être une règle de repli sans "
                          "« when », pour qu'aucun ménage ne reste sans référent")


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[RuleSpec, ...]

    def __post_init__(self) -> None:
        _check_order(self.rules)

    def evaluate(self, profile: HouseholdProfile) -> Attribution:
        """Closed cases first (not processed, but a known referent stays recorded), then rule 0, then in order."""
        if profile.closed_reason:
            return Attribution(profile.existing_referent or None, UNTREATED_RULE_ID, untreated=True)
        if profile.existing_referent:
            return Attribution(profile.existing_referent, EXISTING_RULE_ID)
        for rule in self.rules[1:]:
            if rule.when is None or rule.when.matches(profile):
                return Attribution(None if rule.assign == "none" else rule.assign, rule.id)
        raise AssertionError("unreachable: the last rule is a fallback")  # pragma: no cover


_FRENCH = {
    "missing": "champ obligatoire",
    "extra_forbidden": "champ inconnu",
    **dict.fromkeys(("bool_type", "bool_parsing"), "doit valoir true ou false"),
    **dict.fromkeys(("int_type", "int_parsing", "int_from_float"), "doit être un nombre entier"),
    **dict.fromkeys(("tuple_type", "list_type"), "doit être une liste"),
    **dict.fromkeys(("model_type", "model_attributes_type"), "doit être un dictionnaire"),
    "string_type": "doit être un texte",
    "string_too_short": "ne doit pas être vide",
    "string_too_long": "trop long (64 caractères au plus)",
    "string_pattern_mismatch": "format invalide : lettres minuscules, chiffres et _, en commençant par une lettre",
    "too_short": "liste vide : retirez le critère ou donnez au moins une valeur",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "literal_error": "valeur non admise (attendu : {expected})",
}


def _french_message(error: Any) -> str:
    template = _FRENCH.get(error["type"])
    if template is None:
        return str(error["msg"]).removeprefix("Value error, ")
    return template.format(**error.get("ctx", {})).replace("' or '", "' ou '")


def _read_yaml(text: str, *, source: str) -> Any:
    # A date YAML cannot build (« 2026-02-30 ») is a French error naming its field too, never a 500.
    return read_yaml(text, source=source)


def load_rules(text: str) -> RuleSet:
    """Reads `rules:` (or a bare list) from YAML; any error names the rule and the field, in French."""
    document = _read_yaml(text, source="règles")
    items: Any = document.get("rules") if isinstance(document, dict) else document
    if not isinstance(items, list) or not items:
        raise ValidationError("le fichier doit contenir une liste « rules » non vide")
    rules = []
    for index, item in enumerate(items, start=1):
        try:
            rules.append(RuleSpec.model_validate(item))
        except PydanticValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "(règle entière)"
            rule_id = item.get("id") if isinstance(item, dict) else None
            raise _rule_error(index, rule_id, field, _french_message(error)) from None
    return RuleSet(tuple(rules))


def load_default_rules() -> RuleSet:
    return load_rules((PRESETS / "regles_vendee.yaml").read_text("utf-8"))


def load_territory(text: str) -> dict[str, dict[str, str]]:
    """`territoire:` maps a commune INSEE code, or a département code for département-wide structures, to
    {kind: structure code}."""
    document = _read_yaml(text, source="territoire")
    items: Any = document.get("territoire") if isinstance(document, dict) else None
    if not isinstance(items, dict) or not items:
        raise ValidationError("le fichier doit contenir un dictionnaire « territoire » non vide")
    territory: dict[str, dict[str, str]] = {}
    for key, structures in items.items():
        # Unquoted codes become integers in YAML (and 0-prefixed ones octal), which would silently lose digits.
        if not isinstance(key, str) or not _TERRITORY_KEY.fullmatch(key):
            raise ValidationError(f"territoire, code « {key} » : code INSEE (5 caractères) ou département "
                                  "(2 ou 3), entre guillemets")
        if not isinstance(structures, dict) or not all(
            isinstance(kind, str) and isinstance(code, str) and code.strip() for kind, code in structures.items()
        ):
            raise ValidationError(f"territoire, code « {key} » : attendu un dictionnaire type → code de structure")
        territory[key] = dict(structures)
    return territory


def load_default_territory() -> dict[str, dict[str, str]]:
    return load_territory((PRESETS / "territoire_vendee.yaml").read_text("utf-8"))


def resolve_structure(kind: str, commune_insee: str | None, territory: Mapping[str, Mapping[str, str]]) -> str | None:
    """The structure of `kind` covering the commune: the commune's own entry, else its département's; None if
    nothing covers it (the concertation then designates one by hand)."""
    if not commune_insee:
        return None
    departement = commune_insee[:3] if commune_insee.startswith("97") else commune_insee[:2]
    for key in (commune_insee, departement):
        code = territory.get(key, {}).get(kind)
        if code:
            return code
    return None


def structure_kind(code: str | None) -> str:
    """MDSF, CCAS or CAF when the code starts with one ("CCAS La Roche-sur-Yon"), else the code itself."""
    if not code:
        return NO_REFERENT
    head = code.split(maxsplit=1)[0]
    return head if head in KINDS else code


def _percentages(counts: Sequence[int]) -> list[int]:
    """Largest-remainder rounding, so the column adds up to 100 as on the source slide (164/243 → 68 %)."""
    total = sum(counts)
    if not total:
        return [0 for _ in counts]
    exact = [100 * count / total for count in counts]
    rounded = [int(value) for value in exact]
    by_remainder = sorted(range(len(counts)), key=lambda i: exact[i] - rounded[i], reverse=True)
    for i in by_remainder[: 100 - sum(rounded)]:
        rounded[i] += 1
    return rounded


@dataclass(frozen=True)
class BatchResult:
    """One monthly concertation: attributions in input order and totals; untreated cases are counted apart."""

    attributions: tuple[Attribution, ...]
    by_structure: Mapping[str, int]
    by_kind: Mapping[str, int]
    new_by_kind: Mapping[str, int]
    by_rule: Mapping[str, int]
    untreated: int

    def format_fr(self, by_structure: Mapping[str, int] | None = None) -> str:
        """The French report; `by_structure` gives the structures the households were actually given to (the
        partners' names), which the rules alone know as kinds when no territory names them."""
        structures = self.by_structure if by_structure is None else by_structure
        kinds = [k for k in KINDS if k in self.by_kind] + sorted(k for k in self.by_kind if k not in KINDS)
        labels = ["Sans référent" if k == NO_REFERENT else k for k in kinds] + ["Non traités"]
        counts = [self.by_kind[k] for k in kinds] + [self.untreated]
        news = [str(self.new_by_kind.get(k, 0)) for k in kinds] + ["—"]
        width = max(len(label) for label in [*labels, "Référent"]) + 2
        lines = [
            f"Répartition des attributions ({plural(len(self.attributions), 'dossier', 'dossiers')})",
            f"{'Référent':<{width}}{'Total':>7}{'%':>7}{'dont nouvelles attributions':>30}",
        ]
        for label, count, share, new in zip(labels, counts, _percentages(counts), news, strict=True):
            lines.append(f"{label:<{width}}{count:>7}{f'{share} %':>7}{new:>30}")
        total_new = sum(self.new_by_kind.values())
        lines.append(f"{'Total':<{width}}{len(self.attributions):>7}{'100 %':>7}{total_new:>30}")
        if any(code not in KINDS for code in structures):
            lines += ["", "Par structure"]
            lines += [f"  {code} : {count}" for code, count in sorted(structures.items())]
        return "\n".join(lines)


def attribute_batch(profiles: Sequence[HouseholdProfile], rules: RuleSet, *,
                    territory: Mapping[str, Mapping[str, str]] | None = None) -> BatchResult:
    """With a territory, new attributions name the structure covering the commune; a kind stays when none does."""
    attributions = []
    for profile in profiles:
        attribution = rules.evaluate(profile)
        is_new = attribution.rule_id not in (EXISTING_RULE_ID, UNTREATED_RULE_ID)
        if territory is not None and is_new and attribution.structure in KINDS:
            code = resolve_structure(attribution.structure or "", profile.commune_insee, territory)
            attribution = replace(attribution, structure=code or attribution.structure)
        attributions.append(attribution)
    treated = [a for a in attributions if not a.untreated]
    return BatchResult(
        attributions=tuple(attributions),
        by_structure=dict(Counter(a.structure or NO_REFERENT for a in treated)),
        by_kind=dict(Counter(structure_kind(a.structure) for a in treated)),
        new_by_kind=dict(Counter(structure_kind(a.structure) for a in treated if a.rule_id != EXISTING_RULE_ID)),
        by_rule=dict(Counter(a.rule_id for a in attributions)),
        untreated=len(attributions) - len(treated),
    )
