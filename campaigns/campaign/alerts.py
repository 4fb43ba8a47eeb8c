"""Alerts for the people who run campaigns: the tick or the workers stuck, a channel whose sends all fail.

"Stuck" is defined here, once: contacts due for more than STALE_AFTER and not taken (the tick is not running);
contacts taken for more than STALE_AFTER and still not sent (no worker consumes them); the last CHANNEL_WINDOW
attempts of a channel all failed (the provider refuses or is down). Households the tick set aside (a stored value
it cannot handle, campaigns/delivery/set_aside.py) are named by their number, with the first error recorded.
Service-wide for the pilots; a partner is alerted about its own campaigns' contacts only, with no household number
(the household's internal number is the pilots': docs/security.md, rule 1).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from campaigns.delivery.set_aside import set_aside
from campaigns.locale.clock import PARIS
from campaigns.locale.labels import CHANNELS, plural
from campaigns.models import Dispatch, DispatchStatus
from campaigns.platform.dialect import any_of

STALE_AFTER = timedelta(minutes=10)
CHANNEL_WINDOW = 5
FAILED = (DispatchStatus.TEMPORARY_FAILURE.value, DispatchStatus.PERMANENT_FAILURE.value)
SHOWN_HOUSEHOLDS = 10
CHANNEL_NAMES = {code: term.brief for code, term in CHANNELS.items()}


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # tick | workers | canal | ecartes
    message: str


def _when(at: datetime) -> str:
    local = at.astimezone(PARIS)
    return f"le {local:%d/%m/%Y} à {local:%H:%M}"


def alerts(session: Session, *, now: datetime, campaign_ids: Collection[int] | None = None) -> list[Alert]:
    """Every alert of the service (`campaign_ids` None: the pilots'), or those about these campaigns' contacts (a
    partner's own campaigns): then no household set aside is named, whoever's data set it aside."""
    found: list[Alert] = []
    scoped: ColumnElement[bool] = true() if campaign_ids is None else any_of(
        session, Dispatch.campaign_id, sorted(campaign_ids))
    waiting, oldest = session.execute(
        select(func.count(Dispatch.id), func.min(Dispatch.due_at)).where(
            scoped, Dispatch.status.in_([DispatchStatus.PLANNED.value, DispatchStatus.TEMPORARY_FAILURE.value]),
            Dispatch.due_at < now - STALE_AFTER)
    ).one()
    if waiting:
        found.append(Alert("tick", (
            f"Le tick semble arrêté : {plural(waiting, 'contact est dû', 'contacts sont dus')} depuis plus de "
            f"{int(STALE_AFTER.total_seconds() // 60)} minutes sans avoir été pris en charge (le plus ancien "
            f"depuis {_when(oldest)}). Vérifiez que « chaine beat » tourne (ou lancez « chaine tick »).")))
    held, since = session.execute(
        select(func.count(Dispatch.id), func.min(Dispatch.claimed_at)).where(
            scoped, Dispatch.status == DispatchStatus.QUEUED.value, Dispatch.claimed_at < now - STALE_AFTER)
    ).one()
    if held:
        found.append(Alert("workers", (
            f"{plural(held, 'contact pris', 'contacts pris')} en charge depuis plus de "
            f"{int(STALE_AFTER.total_seconds() // 60)} minutes "
            f"ne sont toujours pas envoyés (le plus ancien depuis {_when(since or now)}) : vérifiez que les workers "
            "(« chaine worker ») tournent et joignent Redis.")))
    for channel, name in CHANNEL_NAMES.items():
        last = session.execute(
            select(Dispatch.status, Dispatch.last_error, Dispatch.sent_at)
            .where(scoped, Dispatch.channel == channel, Dispatch.sent_at.is_not(None))
            .order_by(Dispatch.sent_at.desc(), Dispatch.id.desc()).limit(CHANNEL_WINDOW)
        ).all()
        if len(last) == CHANNEL_WINDOW and all(row.status in FAILED for row in last):
            error = last[0].last_error or "erreur non précisée"
            found.append(Alert("canal", (
                f"Le canal {name} semble bloqué : ses {CHANNEL_WINDOW} dernières tentatives ont échoué (la "
                f"dernière {_when(last[0].sent_at or now)}, erreur « {error} »). Vérifiez le prestataire et ses "
                "identifiants.")))
    if campaign_ids is not None:
        return found
    aside = set_aside(session, now=now)
    if aside.households:
        found.append(Alert("ecartes", _set_aside_message(aside.households, aside.first_error)))
    return found


def _set_aside_message(households: list[int], error: str | None) -> str:
    count = len(households)
    what = "1 ménage écarté" if count == 1 else f"{count} ménages écartés"
    shown = ", ".join(f"n° {h}" for h in households[:SHOWN_HOUSEHOLDS]) + ("…" if count > SHOWN_HOUSEHOLDS else "")
    return (f"{what} du traitement automatique ({shown}) : une valeur enregistrée ne peut pas être traitée "
            f"(première erreur : « {error or 'non précisée'} »). Les autres ménages sont traités normalement ; "
            "faites corriger le dossier par le partenaire qui l'a envoyé.")
