"""Building the facts from household stays (pure: no database): the contacts credited with a response, the
delays to the first response, and the sums of `daily_facts` (`CUBE_KEY`) and `daily_reach` (`REACH_KEY`)."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from campaigns.facts.attribution import DEFAULT_WINDOW, NOT_RECORDED
from campaigns.facts.stays import Stay, StayContact, day_of
from campaigns.facts.store import CUBE_KEY, REACH_KEY, Sums

# Delays are followed for this many days: a later response counts as none (administrative censoring), so that the
# curves of months that ended more than this long before a period's end can be read from the monthly roll-up.
DELAY_HORIZON_DAYS = 90


def credited(stay: Stay, window: timedelta = DEFAULT_WINDOW) -> set[int]:
    """Dispatch ids credited with a response: the last contact in [response − window, response] (the rule of
    `attribution.attribute`, applied within one stay; its tests check both agree)."""
    times = [c.at for c in stay.contacts]
    ids: set[int] = set()
    for responded_at in stay.responses:
        high = bisect_right(times, responded_at)
        if high > bisect_left(times, responded_at - window):
            ids.add(stay.contacts[high - 1].dispatch_id)
    return ids


def _delays(stay: Stay) -> dict[str, tuple[date, int | None]]:
    """Per channel: the day of the stay's first contact by it, and the whole days (rounded up) to the stay's first
    response at or after that contact (None: no response yet). Kaplan–Meier curves are drawn from these."""
    result: dict[str, tuple[date, int | None]] = {}
    for contact in stay.contacts:
        if contact.channel in result:
            continue
        after = [r for r in stay.responses if r >= contact.at]
        delay = None if not after else max(math.ceil((after[0] - contact.at).total_seconds() / 86_400 - 1e-9), 0)
        result[contact.channel] = (contact.day, delay if delay is not None and delay <= DELAY_HORIZON_DAYS else None)
    return result


def contact_dimensions(contact: StayContact) -> dict[str, str]:
    """The values of a contact along each contact-level dimension of `daily_reach`."""
    values = {
        "canal": contact.channel,
        "etape": f"{contact.step + 1}:{contact.channel}",
        "pilote": str(contact.owner_id),
        "campagne": str(contact.campaign_id),
        "variante": NOT_RECORDED if contact.template_version_id is None else str(contact.template_version_id),
        "langue": contact.locale or NOT_RECORDED,
        "falc": NOT_RECORDED if contact.falc is None else ("falc" if contact.falc else "standard"),
    }
    if contact.queue_partner_id is not None:
        values["file"] = str(contact.queue_partner_id)
    return values


# Channels a household reads (a letter, an SMS, an e-mail), as opposed to the calls and visits of a worker.
WRITTEN_CHANNELS = frozenset({"courrier", "sms", "email"})


def open_phase(stay: Stay) -> str:
    """Where an open file stands (Essonne, 004 L150–156): `repondu` when the household answered; `relance` when it
    was written to again, by a later step of a campaign that had already written to it on an earlier day (the
    relance fifteen days after the second unannounced visit, an SMS relance…); `premier_courrier` otherwise (the
    first letter, with its e-mail and SMS of the same day, and the visits that follow it)."""
    if stay.responses:
        return "repondu"
    first: dict[int, tuple[date, int]] = {}  # campaign → day and step of its first written contact
    for contact in stay.contacts:
        if contact.channel not in WRITTEN_CHANNELS:
            continue
        known = first.setdefault(contact.campaign_id, (contact.day, contact.step))
        if contact.day > known[0] and contact.step > known[1]:
            return "relance"
    return "premier_courrier"


def landlord_answered(stay: Stay) -> tuple[date, bool, bool] | None:
    """The day of the stay's first letter to the landlord, whether the landlord answered after it and whether the
    household did; None when no such letter is among the stay's contacts (none was sent, or a partner's own view
    does not count it)."""
    letter = next((c for c in stay.contacts if c.dispatch_id == stay.landlord_letter), None)
    if letter is None:
        return None
    return (letter.day, any(at >= letter.at for at in stay.landlord_answers),
            any(at >= letter.at for at in stay.responses))


# The answer link as a channel of its own (docs/evaluation.md): `canal` = "lien" counts the stays that got a message
# carrying a link, on the day of the first one, as responding when the household answered through one of them;
# `lien_modele` = "channel:template" does the same per message that carried the link.
LINK_CHANNEL = "lien"


def link_dimensions(stay: Stay) -> dict[tuple[str, str], tuple[date, bool]]:
    """The stay's values along the link dimensions: (dimension, value) → (day of the first such message, answered
    through it). Only the links of the stay's counted contacts count (a partner's own view drops the others)."""
    values: dict[tuple[str, str], tuple[date, bool]] = {}
    carriers = {c.dispatch_id: c for c in stay.contacts if c.link}
    if not carriers:
        return values
    used = {dispatch_id for _at, dispatch_id in stay.link_answers if dispatch_id in carriers}
    values[("canal", LINK_CHANNEL)] = (min(c.day for c in carriers.values()), bool(used))
    for contact in carriers.values():  # oldest first
        key = ("lien_modele", f"{contact.channel}:{contact.template or NOT_RECORDED}")
        day, hit = values.get(key, (contact.day, False))
        values[key] = (day, hit or contact.dispatch_id in used)
    return values


@dataclass(frozen=True, slots=True)
class FactRows:
    cube: list[dict[str, Any]]
    reach: list[dict[str, Any]]


def accumulate(stays: Iterable[Stay], days: Collection[date] | None = None, *,
               window: timedelta = DEFAULT_WINDOW) -> tuple[Sums, Sums]:
    """The contact sums (`CUBE_KEY`) and stay sums (`REACH_KEY`) of these stays, on these days (None: all)."""
    wanted = None if days is None else set(days)
    cube: Sums = defaultdict(lambda: [0, 0])
    reach: Sums = defaultdict(lambda: [0, 0])
    for stay in stays:
        # Experiments: the household at the stay where it was drawn, on the day of the draw, in its arm (whether
        # or not it was ever contacted: the arms are compared as drawn).
        for experiment_id, arm, drawn_at in stay.experiments:
            if wanted is None or day_of(drawn_at) in wanted:
                cell = reach[(day_of(drawn_at), "experience", f"{experiment_id}|{arm}", stay.bailleur_id, stay.parc,
                              stay.stage)]
                cell[0] += 1
                cell[1] += bool(stay.responses)
        if not stay.contacts:
            continue
        hits = credited(stay, window)
        for contact in stay.contacts:
            if wanted is None or contact.day in wanted:
                cell = cube[(contact.day, contact.owner_id, stay.bailleur_id, contact.campaign_id, stay.stage,
                             contact.step, contact.channel, contact.template_version_id, contact.locale,
                             contact.falc, stay.parc, stay.territory, contact.status, contact.template,
                             contact.requested_locale, contact.requested_falc, contact.fallback)]
                cell[0] += 1
                cell[1] += contact.dispatch_id in hits
        first: dict[tuple[str, str], tuple[date, bool]] = {}
        for contact in stay.contacts:  # oldest first: the first seen is the first day
            hit = contact.dispatch_id in hits
            for dimension, value in contact_dimensions(contact).items():
                known = first.get((dimension, value))
                first[(dimension, value)] = (contact.day, hit) if known is None else (known[0], known[1] or hit)
        first.update(link_dimensions(stay))
        for channel, (day, delay) in _delays(stay).items():
            first[("delai", f"{channel}|{'-' if delay is None else delay}")] = (day, delay is not None)
        first_day = stay.contacts[0].day
        letters = sum(1 for c in stay.contacts if c.channel == "courrier")
        for key in (("ensemble", "tous"), ("territoire", stay.territory or NOT_RECORDED), ("courriers", str(letters))):
            first[key] = (first_day, bool(hits))
        if stay.diagnosed:
            # Diagnostics (ADIL 44): counted on the stay's first contact, like the households contacted.
            first[("diagnostic", "realise")] = (first_day, bool(hits))
        if stay.open:
            # Files still open (Essonne's "au stade du 1er courrier", "de la relance"): answered, or last contact.
            last = stay.contacts[-1]
            state = "repondu" if stay.responses else f"{last.step + 1}:{last.channel}"
            first[("en_cours", state)] = (first_day, bool(stay.responses))
            first[("phase_en_cours", open_phase(stay))] = (first_day, bool(stay.responses))
        landlord = landlord_answered(stay)
        if landlord is not None:
            # Households whose landlord was written to; "responded" counts the landlords that answered (`tous`), the
            # households of the same stays that answered after the landlord's letter (`menages`).
            first[("courrier_bailleur", "tous")] = landlord[:2]
            first[("courrier_bailleur", "menages")] = (landlord[0], landlord[2])
        for (dimension, value), (day, hit) in first.items():
            if wanted is None or day in wanted:
                cell = reach[(day, dimension, value, stay.bailleur_id, stay.parc, stay.stage)]
                cell[0] += 1
                cell[1] += hit
    return dict(cube), dict(reach)


def build_facts(stays: Iterable[Stay], days: Collection[date], *, window: timedelta = DEFAULT_WINDOW) -> FactRows:
    """The rows of `daily_facts` and `daily_reach` for these days, from the stays contacted on them."""
    cube, reach = accumulate(stays, days, window=window)
    return FactRows(
        [{**dict(zip(CUBE_KEY, key, strict=True)), "contacts": c, "responded": r}
         for key, (c, r) in sorted(cube.items(), key=lambda item: repr(item[0]))],
        [{**dict(zip(REACH_KEY, key, strict=True)), "households": h, "responded": r}
         for key, (h, r) in sorted(reach.items(), key=lambda item: repr(item[0]))],
    )
