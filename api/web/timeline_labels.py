"""French words of a household's timeline (templates `menages/_chronologie.html`): what became of a contact, why it
was not sent. Each title agrees with its noun (« Contact annulé », « Tâche d'appel ouverte »)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

from campaigns.locale.labels import CONTACT_REASONS, STAGES, capitalised

CONTACT_TITLES = {
    "planned": "Contact prévu",
    "queued": "Contact en préparation",
    "sending": "Contact en cours d'envoi",
    "delivered": "Contact envoyé",
    "temporary_failure": "Contact en échec, nouvel essai prévu",
    "permanent_failure": "Contact en échec définitif",
    "returned": "Courrier revenu : n'habite pas à l'adresse indiquée",
    "cancelled": "Contact annulé",
    "skipped": "Contact non envoyé",
}
# A call or visit step "sent" is a task opened in a structure's queue.
TASK_OPENED = {"appel": "Tâche d'appel ouverte", "visite": "Tâche de visite ouverte"}


def contact_title(status: str, channel: str) -> str:
    if status == "delivered" and channel in TASK_OPENED:
        return TASK_OPENED[channel]
    return CONTACT_TITLES.get(status, "Contact")


def reason_label(reason: str | None) -> str:
    if not reason:
        return ""
    return CONTACT_REASONS.get(reason, reason.replace("_", " "))


def stage_choices(*, closed: bool = True) -> dict[str, str]:
    """The stages a list filters on, in procedure order, as a person reads them."""
    return {code: capitalised(label) for code, label in STAGES.items() if closed or code != "cloture"}


def install_timeline_filters(environment: Environment) -> None:
    environment.filters.update({"titre_contact": contact_title, "libelle_motif": reason_label,
                                "majuscule": capitalised})


_EVENT_FIELDS = ("partner", "reference", "campaign", "step", "reason", "nature", "channel", "status", "stage",
                 "task_kind", "outcome", "done_at", "task_id", "note")


def timeline_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every event with every field the timeline reads (None when it does not apply)."""
    return [{**dict.fromkeys(_EVENT_FIELDS), "escalated": False, "own": False, **event} for event in events]
