"""The campaign form: its choices (partners, stages, communes, templates, languages), reading the posted fields into
the campaign schema, and placing each validation message next to its field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from api.int_bounds import whole_number
from api.web.template_editor import template_name
from campaigns.accounts.partners import list_partners
from campaigns.campaign.communes import commune_choices
from campaigns.campaign.issues import CampaignIssue
from campaigns.campaign.validation import CHANNEL_LABELS
from campaigns.locale.labels import language_name
from campaigns.messages.rendering import list_templates
from campaigns.models.stages import OPEN_STAGES, Stage
from campaigns.planning.coordination import CoordinationRules

# Blank step rows under the existing ones: a step is added by filling one in (no script needed).
EXTRA_ROWS = 2
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
CONDITIONS = {
    "no_response": "sans réponse du ménage", "has_phone": "a un téléphone", "has_mobile": "a un mobile",
    "has_email": "a un e-mail", "has_address": "a une adresse", "no_phone": "n'a pas de téléphone",
}
DELAY_FROM = {"previous": "l'étape précédente", "stage_entry": "l'entrée dans le stade"}
COORDINATION = {"merge": "regrouper dans le courrier prioritaire", "suppress": "ne pas envoyer"}
OVER_CAP = {"defer": "reporter au prochain moment permis", "skip": "ne pas envoyer"}
FALC = {"menage": "selon le souhait du ménage", "toujours": "toujours en FALC", "jamais": "jamais en FALC"}
PARC = {"social": "parc social", "prive": "parc privé"}
ALLOCATAIRE = {"oui": "allocataire", "non": "non allocataire", "inconnu": "inconnu"}
_SPLIT = re.compile(r"[\s,;]+")
_TOP_FIELDS = {
    "name": "name", "owner": "owner", "delegate": "delegate", "priority": "priority", "coordination": "coordination",
    "over_cap": "over_cap", "stages": "stages", "territory": "communes", "territory.communes": "communes",
    "territory.postcodes": "postcodes", "segment.parc": "parc", "segment.allocataire": "allocataire",
    "languages": "languages", "falc": "falc", "steps": "etapes",
}


def form_choices(session: Session, rules: CoordinationRules) -> dict[str, Any]:
    templates = list_templates()
    by_channel: dict[str, list[str]] = {}
    for channel, slug, _locale, _falc in templates:
        if slug not in by_channel.setdefault(channel, []):
            by_channel[channel].append(slug)
    for slugs in by_channel.values():
        if any(s.startswith("etape_") for s in slugs):
            slugs.insert(0, "etape_{stade}")
    return {
        "partners": [p.name for p in list_partners(session)],
        "stages": {s.value: s.label for s in Stage if s in OPEN_STAGES},
        "communes": commune_choices(session),
        "languages": {loc: language_name(loc) for loc in sorted({t[2] for t in templates})},
        "templates": {CHANNEL_LABELS[c]: slugs for c, slugs in sorted(by_channel.items())},
        "template_names": {slug: template_name(slug) for slugs in by_channel.values() for slug in slugs},
        "channels": CHANNEL_LABELS, "conditions": CONDITIONS, "delay_from": DELAY_FROM, "days": DAYS,
        "day_options": {str(i): day for i, day in enumerate(DAYS)},
        "coordination": COORDINATION, "over_cap": OVER_CAP, "falc": FALC, "parc": PARC, "allocataire": ALLOCATAIRE,
        "caps": rules,
    }


@dataclass(slots=True)
class PostedForm:
    """The schema's data read from the form, and for each kept step the saved step it edits ("" for a new one).

    Rows left blank or ticked "supprimer" are dropped: the steps are numbered again from 1, as the form shows them
    when it comes back with its messages."""

    data: dict[str, Any]
    origins: list[str]


def _checked(form: FormData, name: str) -> bool:
    return form.get(name) is not None


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _values(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v]


def read_form(form: FormData, base: dict[str, Any]) -> PostedForm:
    """`base`: the campaign as saved (or the preset); fields the form does not show are kept from it."""
    data = dict(base)
    data.update({
        "name": _text(form, "name"), "owner": _text(form, "owner"), "delegate": _text(form, "delegate") or None,
        "priority": _text(form, "priority"), "coordination": _text(form, "coordination"),
        "over_cap": _text(form, "over_cap"), "stages": _values(form, "stages"),
        "territory": {"communes": _values(form, "communes"),
                      "postcodes": [p for p in _SPLIT.split(_text(form, "postcodes")) if p]},
        "segment": {"parc": _values(form, "parc"), "allocataire": _values(form, "allocataire")},
        "languages": _values(form, "languages"), "falc": _text(form, "falc"),
    })
    days = _values(form, "jours")
    # No day ticked: the campaign has no sending hours (refused if it has an SMS or e-mail step).
    data["sending_hours"] = ({"days": days, "start": _text(form, "heure_debut"), "end": _text(form, "heure_fin")}
                             if days else None)
    old_steps = list(base.get("steps", []))
    steps: list[dict[str, Any]] = []
    origins: list[str] = []
    count = whole_number(_text(form, "nb_etapes")) or 0
    for row in range(1, min(count, 60) + 1):
        prefix = f"etape-{row}-"
        channel = _text(form, prefix + "channel")
        if not channel or _checked(form, prefix + "supprimer"):
            continue
        origin = _text(form, prefix + "origine")
        position = whole_number(origin)
        if position is None or position >= len(old_steps):
            origin = ""
        step = dict(old_steps[int(origin)]) if origin else {}
        step.update({
            "channel": channel, "delay_days": _text(form, prefix + "delay_days") or "0",
            "delay_from": _text(form, prefix + "delay_from") or "previous",
            "conditions": _values(form, prefix + "conditions"), "template": _text(form, prefix + "template") or None,
            "regulatory": _checked(form, prefix + "regulatory"), "dsf": _checked(form, prefix + "dsf"),
            "announced": _checked(form, prefix + "announced"),
        })
        steps.append(step)
        origins.append(origin)
    data["steps"] = steps
    return PostedForm(data, origins)


def field_id(field: str) -> str:
    """The id of the form element a message is about (its anchor in the error summary)."""
    parts = field.split(".")
    if parts[0] == "steps" and len(parts) > 1 and whole_number(parts[1]) is not None:
        return f"etape-{parts[1]}-{parts[2] if len(parts) > 2 else 'channel'}"
    if parts[0] == "sending_hours":
        return "jours"
    return _TOP_FIELDS.get(field, _TOP_FIELDS.get(parts[0], "formulaire"))


def errors_by_field(issues: list[CampaignIssue]) -> dict[str, str]:
    """Element id -> message (several messages about one field are joined)."""
    errors: dict[str, str] = {}
    for issue in issues:
        key = field_id(issue.field)
        errors[key] = f"{errors[key]} {issue.text}" if key in errors else issue.text
    return errors


def form_rows(data: dict[str, Any], origins: list[str] | None = None) -> list[dict[str, Any]]:
    """The step rows to show: the campaign's steps (each with the saved step it edits), then blank ones."""
    steps = data.get("steps", [])
    kept = origins if origins is not None else [str(i) for i in range(len(steps))]
    rows = [{**step, "origine": origin} for step, origin in zip(steps, kept, strict=True)]
    blank: dict[str, Any] = {"channel": "", "delay_days": "0", "delay_from": "previous", "conditions": [],
                             "template": None, "regulatory": False, "dsf": False, "announced": True, "origine": ""}
    return rows + [dict(blank) for _ in range(EXTRA_ROWS)]
