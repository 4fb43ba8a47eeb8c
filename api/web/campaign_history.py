"""A campaign's history written for people: « Jeanne Martin (DDETS 44) a ajouté une étape SMS le 3 décembre 2026 à
14 h 05. », with the details below it in words (« Étape 3 ajoutée : SMS, 7 jours après l'étape précédente, modèle
« Relance », conditions : sans réponse du ménage. », « Priorité : 100 → 50. »), read from the stored change log
(`campaign_changes`: the fields changed, before and after, as `campaigns.campaign.edits.diff_specs` writes them).
The log itself is unchanged and stays the API's (`GET /api/v1/campagnes/{id}/historique`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.web.campaign_form import ALLOCATAIRE, CONDITIONS, COORDINATION, DAYS, DELAY_FROM, FALC, OVER_CAP, PARC
from api.web.template_editor import template_name
from campaigns.locale.clock import PARIS
from campaigns.locale.formats import format_date_fr
from campaigns.locale.labels import CHANNELS, STAGES, Term, capitalised, language_name
from campaigns.models import CampaignChange, CampaignStatus

_CHANNELS = {code: term.brief for code, term in CHANNELS.items()}
# What each field of the configuration is, with its article (« a modifié la priorité »).
_FIELDS = {
    "name": "le nom", "owner": "le propriétaire", "delegate": "l'opérateur délégué", "priority": "la priorité",
    "coordination": "les courriers en concurrence", "over_cap": "ce qui se passe au-delà des plafonds",
    "stages": "les stades", "territory": "le territoire", "segment": "le segment", "languages": "les langues",
    "falc": "le FALC", "sending_hours": "les heures d'envoi", "fallback_order": "l'ordre des langues de repli",
    "unit_costs": "les coûts unitaires", "retention_days": "la durée de conservation",
    "experiment": "l'expérimentation",
}
_DETAIL_LABELS = {
    "name": "Nom", "owner": "Propriétaire", "delegate": "Opérateur délégué", "priority": "Priorité",
    "coordination": "Courriers en concurrence", "over_cap": "Au-delà des plafonds", "stages": "Stades",
    "territory.communes": "Communes", "territory.postcodes": "Départements ou codes postaux",
    "segment.parc": "Parc", "segment.allocataire": "Allocataires", "languages": "Langues", "falc": "FALC",
    "sending_hours": "Heures d'envoi", "sending_hours.days": "Jours d'envoi",
    "sending_hours.start": "Envoi à partir de",
    "sending_hours.end": "Envoi jusqu'à", "fallback_order": "Ordre des langues de repli",
    "retention_days": "Durée de conservation (jours)", "statut": "Statut",
}
_STEP_LABELS = {"channel": "canal", "delay_days": "délai", "delay_from": "compté depuis", "conditions": "conditions",
                "template": "modèle", "regulatory": "réglementaire", "dsf": "ouvre la chaîne DSF",
                "announced": "visite annoncée", "arms": "bras de l'expérimentation", "variants": "modèle du bras"}
_FALLBACK = {"langue_falc": "langue du ménage en FALC", "langue": "langue du ménage", "fr_falc": "français FALC",
             "fr": "français"}
_STATUSES = {s.value: s.label for s in CampaignStatus}
_VERBS = {"creee": "a créé la campagne", "chargee": "a chargé la configuration de la campagne",
          "activee": "a activé la campagne", "mise_en_pause": "a mis la campagne en pause",
          "reprise": "a repris la campagne", "terminee": "a terminé la campagne"}
_COUNTS = {"inscrits": Term("ménage inscrit", "ménages inscrits"),
           "liberes": Term("contact en attente remis en route", "contacts en attente remis en route"),
           "modifies": Term("contact pas encore envoyé modifié", "contacts pas encore envoyés modifiés"),
           "ajoutes": Term("contact ajouté", "contacts ajoutés"), "annules": Term("contact annulé", "contacts annulés")}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    sentence: str
    details: list[str]


def when_fr(moment: datetime) -> str:
    """« 3 décembre 2026 à 14 h 05 », Paris time."""
    local = moment.astimezone(PARIS)
    return f"{format_date_fr(local.date())} à {local.hour} h {local.minute:02d}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def _listed(table: dict[str, str] | Callable[[str], str]) -> Callable[[Any], str]:
    def show(value: Any) -> str:
        values = value if isinstance(value, list) else [] if value is None else [value]
        words = [(table(str(v)) if callable(table) else table.get(str(v), str(v))) for v in values]
        return ", ".join(words) or "aucun"
    return show


def _yes_no(value: Any) -> str:
    return "oui" if value else "non"


_VALUES: dict[str, Callable[[Any], str]] = {
    "coordination": _listed(COORDINATION), "over_cap": _listed(OVER_CAP), "falc": _listed(FALC),
    "stages": _listed(STAGES), "segment.parc": _listed(PARC), "segment.allocataire": _listed(ALLOCATAIRE),
    "languages": _listed(language_name), "statut": _listed(_STATUSES), "fallback_order": _listed(_FALLBACK),
    "sending_hours.days": _listed({str(i): day for i, day in enumerate(DAYS)}),
    "sending_hours": lambda v: "aucune" if v is None else str(v),
    "sending_hours.start": lambda v: v.replace(":", " h ") if v else "aucune",
    "sending_hours.end": lambda v: v.replace(":", " h ") if v else "aucune",
}
_STEP_VALUES: dict[str, Callable[[Any], str]] = {
    "channel": _listed(_CHANNELS), "delay_from": _listed(DELAY_FROM), "conditions": _listed(CONDITIONS),
    "template": lambda v: f"« {template_name(v)} »" if v else "aucun",
    "delay_days": lambda v: Term("jour", "jours").count(int(v)) if v is not None else "aucun",
    "regulatory": _yes_no, "dsf": _yes_no, "announced": _yes_no, "arms": _listed({}),
    "variants": lambda v: ", ".join(f"bras {arm} : « {template_name(t)} »" for arm, t in (v or {}).items() if t)
    or "aucun",
}


def _value(show: Callable[[Any], str] | None, value: Any) -> str:
    if show is not None:
        return show(value)
    if value is None or value == []:
        return "aucun"
    return f"« {value} »" if isinstance(value, str) else str(value)


def _step_description(values: dict[str, Any]) -> str:
    """« SMS, 7 jours après l'étape précédente, modèle « Relance », conditions : sans réponse du ménage »."""
    parts = [_CHANNELS.get(str(values.get("channel")), str(values.get("channel")))]
    delay = int(values.get("delay_days") or 0)
    origin = DELAY_FROM[str(values.get("delay_from") or "previous")]
    parts.append(f"{Term('jour', 'jours').count(delay)} après {origin}")
    if values.get("template"):
        parts.append(f"modèle « {template_name(str(values['template']))} »")
    if values.get("conditions"):
        parts.append("conditions : " + _listed(CONDITIONS)(values["conditions"]))
    if values.get("regulatory"):
        parts.append("réglementaire")
    if values.get("dsf"):
        parts.append("ouvre la chaîne DSF")
    return ", ".join(parts)


def _steps(changes: Iterable[dict[str, Any]]) -> dict[int, dict[str, tuple[Any, Any]]]:
    """The steps' changes by step number, then by field (a variant's template gathered under `variants`)."""
    steps: dict[int, dict[str, tuple[Any, Any]]] = {}
    for change in changes:
        parts = change["champ"].split(".")  # steps, N, field[, key]
        fields = steps.setdefault(int(parts[1]), {})
        if len(parts) > 3:
            old, new = fields.get(parts[2], ({}, {}))
            fields[parts[2]] = ({**old, parts[3]: change["avant"]}, {**new, parts[3]: change["apres"]})
        else:
            fields[parts[2]] = (change["avant"], change["apres"])
    return steps


def _edit_story(changes: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """What the person did, as verbs (« ajouté une étape SMS »), and the details, one sentence each."""
    verbs: list[str] = []
    changed: list[str] = []
    details: list[str] = []
    for number, fields in sorted(_steps(c for c in changes if c["champ"].startswith("steps.")).items()):
        before = {name: old for name, (old, _new) in fields.items()}
        after = {name: new for name, (_old, new) in fields.items()}
        if before.get("channel") is None and after.get("channel") is not None:
            verbs.append(f"ajouté une étape {_CHANNELS.get(after['channel'], after['channel'])}")
            details.append(f"Étape {number} ajoutée : {_step_description(after)}.")
        elif after.get("channel") is None and before.get("channel") is not None:
            verbs.append(f"retiré l'étape {number} ({_CHANNELS.get(before['channel'], before['channel'])})")
            details.append(f"Étape {number} retirée : {_step_description(before)}.")
        else:
            changed.append(f"l'étape {number}")
            for name, (old, new) in fields.items():
                show = _STEP_VALUES.get(name)
                details.append(f"Étape {number}, {_STEP_LABELS.get(name, name)} : {_value(show, old)} → "
                               f"{_value(show, new)}.")
    seen: list[str] = []
    for change in changes:
        key = change["champ"]
        if key.startswith("steps.") or key == "statut":
            continue
        top = key.split(".")[0]
        if _FIELDS.get(top, "la configuration") not in seen:
            seen.append(_FIELDS.get(top, "la configuration"))
        label = _DETAIL_LABELS.get(key, key.split(".")[-1].replace("_", " ").capitalize())
        if key.startswith("unit_costs."):
            label = f"Coût unitaire ({_CHANNELS.get(key.split('.')[1], key.split('.')[1])}, €)"
        show = _VALUES.get(key)
        details.append(f"{label} : {_value(show, change['avant'])} → {_value(show, change['apres'])}.")
    changed += seen
    if changed:
        verbs.append("modifié " + _join(changed))
    return verbs, details


def describe(change: CampaignChange) -> HistoryEntry:
    """One line of the log as a sentence and its details."""
    changes = list(change.changes or [])
    created = any(c["champ"] == "name" and c["avant"] is None for c in changes)
    details: list[str] = []
    if change.action == "modifiee" or (change.action == "chargee" and not created):
        verbs, details = _edit_story(changes)
        verb = "a " + _join(verbs) if verbs else _VERBS.get(change.action, "a modifié la campagne")
    else:
        verb = _VERBS.get(change.action, f"a agi sur la campagne ({change.action.replace('_', ' ')})")
        if change.action == "creee":
            verb += " (brouillon)"
    for c in changes:
        if c["champ"] == "statut" and c["avant"] is not None:
            show = _VALUES["statut"]
            details.append(f"Statut : {show(c['avant'])} → {show(c['apres'])}.")
    counts = [term.count(int(change.replanned[key])) for key, term in _COUNTS.items()
              if key in (change.replanned or {}) and (change.replanned[key] or key == "inscrits")]
    if counts:
        details.append(_join(counts)[:1].upper() + _join(counts)[1:] + ".")
    # « Clé d'API de DDETS 44 a créé… »: an actor written in lower case starts the sentence with a capital.
    return HistoryEntry(capitalised(f"{change.actor} {verb} le {when_fr(change.changed_at)}."), details)


def history(changes: Iterable[CampaignChange]) -> list[HistoryEntry]:
    return [describe(change) for change in changes]
