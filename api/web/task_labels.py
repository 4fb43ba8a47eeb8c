"""French labels of the queue's codes (task kinds, states, channels, answers) and date filters for the templates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import phonenumbers
from jinja2 import Environment

from campaigns.locale.clock import PARIS
from campaigns.locale.formats import format_date_fr
from campaigns.locale.labels import ANSWER_CHANNELS, TASK_KINDS, TASK_STATUSES, capitalised
from campaigns.models import DispatchStatus
from campaigns.models.stages import Stage
from campaigns.queues.reservations import OUTCOME_LABELS

KIND_LABELS = TASK_KINDS
STATUS_LABELS = TASK_STATUSES
CHANNEL_LABELS = {code: capitalised(term.brief) for code, term in ANSWER_CHANNELS.items()}
SENT_LABELS = {
    DispatchStatus.SENDING.value: "en cours d'envoi",
    DispatchStatus.DELIVERED.value: "envoyé",
    DispatchStatus.RETURNED.value: "revenu : n'habite pas à l'adresse indiquée",
}
# Answers recorded through the API (POST /api/v1/reponses), SMS replies and the workers' outcomes.
ANSWER_LABELS = {
    "appel_entrant": "le ménage a appelé", "appel_sortant_joint": "ménage joint par téléphone",
    "sms": "réponse par SMS", "email": "réponse par courriel", "courrier": "réponse par courrier",
    "rendez_vous": "rendez-vous", "visite": "visite", "paiement": "paiement", "autre": "autre réponse",
    **{o.value: label.lower() for o, label in OUTCOME_LABELS.items()},
}


def _label(labels: dict[str, str], code: str | None) -> str:
    if code is None:
        return ""
    return labels.get(code, code.replace("_", " "))


def kind_label(code: str | None) -> str:
    return _label(KIND_LABELS, code)


def status_label(code: str | None) -> str:
    return _label(STATUS_LABELS, code)


def outcome_label(code: str | None) -> str:
    return _label({o.value: label for o, label in OUTCOME_LABELS.items()}, code)


def stage_label(code: str | None) -> str:
    if code is not None and code in Stage.__members__.values():
        label = Stage(code).label
        return label[0].upper() + label[1:]
    return _label({}, code)


def _moment(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(PARIS)


def day_fr(value: str | date | datetime | None) -> str:
    """27/11/2026 (Paris time for a moment)."""
    if value is None:
        return ""
    if isinstance(value, datetime) or (isinstance(value, str) and "T" in value):
        value = _moment(value).date()
    elif isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value:%d/%m/%Y}"


def moment_fr(value: str | datetime | None) -> str:
    """27/11/2026 à 14 h 30, Paris time."""
    if value is None:
        return ""
    moment = _moment(value)
    return f"{moment:%d/%m/%Y} à {moment.hour} h {moment.minute:02d}"


def deadline_fr(value: str | datetime | None) -> str:
    """A deadline at midnight is the end of the day before: « 27/11/2026 » rather than « 28/11/2026 à 0 h 00 »."""
    if value is None:
        return ""
    moment = _moment(value)
    if (moment.hour, moment.minute) == (0, 0):
        return f"{moment.date() - timedelta(days=1):%d/%m/%Y}"
    return moment_fr(moment)


def long_day_fr(value: date) -> str:
    return format_date_fr(value)


def amount_fr(value: str | None) -> str:
    """1 234,56 € (narrow no-break space between thousands)."""
    if value is None:
        return ""
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return value
    return f"{amount:,.2f} €".replace(",", "\u202f").replace(".", ",")


def phone_fr(value: str | None) -> str:
    """+33612345678 → 06 12 34 56 78 (numbers are stored as E.164); anything unparsable is shown as stored."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return value
    kind = phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 33 else \
        phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return str(phonenumbers.format_number(number, kind))


def install_filters(environment: Environment) -> None:
    environment.filters.update({
        "libelle_type": kind_label, "libelle_statut": status_label, "libelle_resultat": outcome_label,
        "libelle_stade": stage_label, "libelle_canal": lambda c: _label(CHANNEL_LABELS, c),
        "libelle_envoi": lambda c: _label(SENT_LABELS, c), "libelle_reponse": lambda c: _label(ANSWER_LABELS, c),
        "jour_fr": day_fr, "moment_fr": moment_fr, "echeance_fr": deadline_fr, "date_longue_fr": long_day_fr,
        "montant_fr": amount_fr, "telephone_fr": phone_fr,
    })
