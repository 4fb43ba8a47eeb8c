"""Writing the facts: sums applied as deltas to the daily and monthly tables, monthly roll-ups rebuilt from the
daily rows, and each stay's inputs (`fact_stays`), from which its old contribution is built again and taken out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, tuple_
from sqlalchemy.orm import Session

from campaigns.facts.stays import Stay, StayContact, day_of
from campaigns.models import DailyFact, DailyReach, FactStay, MonthlyFact, MonthlyReach
from campaigns.platform.db import Base, table_of
from campaigns.platform.dialect import any_of, bulk_insert, bulk_update

# key → [count, responded]: contacts (cube) or household stays (reach).
Sums = dict[tuple[Any, ...], list[int]]

# The last four: the template, the language and register asked for, and whether another variant went (fallback).
ASKED_KEY = ("template", "requested_locale", "requested_falc", "fallback")
CUBE_KEY = ("day", "owner_partner_id", "bailleur_partner_id", "campaign_id", "stage", "step", "channel",
            "template_version_id", "locale", "falc", "parc", "territory", "status", *ASKED_KEY)
REACH_KEY = ("day", "dimension", "value", "bailleur_partner_id", "parc", "stage")
MONTHLY_CUBE_KEY = ("month", "owner_partner_id", "bailleur_partner_id", "campaign_id", "stage", "step", "channel",
                    "parc", "status", *ASKED_KEY)
MONTHLY_REACH_KEY = ("month", *REACH_KEY[1:])
_CUBE_TO_MONTH = [CUBE_KEY.index(c) for c in MONTHLY_CUBE_KEY[1:]]
# The key columns never null, looked up in the database with one tuple IN; the others are matched here.
_LOOKUP = {DailyFact: ("day", "campaign_id", "step", "channel", "status"),
           MonthlyFact: ("month", "campaign_id", "step", "channel", "status"),
           DailyReach: ("day", "dimension", "value"), MonthlyReach: ("month", "dimension", "value")}
_LOOKUP_CHUNK = 500


def month_of(day: date) -> date:
    return day.replace(day=1)


def monthly_cube(cube: Sums) -> Sums:
    """Daily contact sums by month, without variant, language used and territory."""
    months: Sums = defaultdict(lambda: [0, 0])
    for key, (contacts, responded) in cube.items():
        cell = months[(month_of(key[0]), *(key[i] for i in _CUBE_TO_MONTH))]
        cell[0] += contacts
        cell[1] += responded
    return dict(months)


def monthly_reach(reach: Sums) -> Sums:
    months: Sums = defaultdict(lambda: [0, 0])
    for key, (households, responded) in reach.items():
        cell = months[(month_of(key[0]), *key[1:])]
        cell[0] += households
        cell[1] += responded
    return dict(months)


def difference(new: Sums, old: Sums) -> Sums:
    """new − old, zero cells left out."""
    delta: Sums = {}
    for key in new.keys() | old.keys():
        a, b = new.get(key, [0, 0]), old.get(key, [0, 0])
        if a != b:
            delta[key] = [a[0] - b[0], a[1] - b[1]]
    return delta


def apply_sums(session: Session, model: type[Base], key: Sequence[str], measures: tuple[str, str],
               delta: Sums) -> None:
    """Adds `delta` to the rows of `model` with these keys: rows updated, created, or deleted when they fall to 0."""
    if not delta:
        return
    table = table_of(model)
    lookup = _LOOKUP[model]
    at = [key.index(c) for c in lookup]
    wanted = sorted({tuple(k[i] for i in at) for k in delta}, key=repr)
    existing: dict[tuple[Any, ...], tuple[int, int, int]] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        rows = session.execute(
            select(table.c.id, *(table.c[c] for c in key), *(table.c[m] for m in measures))
            .where(tuple_(*(table.c[c] for c in lookup)).in_(wanted[start:start + _LOOKUP_CHUNK]))
        )
        for row in rows:
            existing.setdefault(tuple(row[1:1 + len(key)]), (row[0], row[-2], row[-1]))
    updates, inserts, deletes = [], [], []
    for cell_key, (count, responded) in delta.items():
        found = existing.get(cell_key)
        total = (count + (found[1] if found else 0), responded + (found[2] if found else 0))
        if found is None:
            inserts.append({**dict(zip(key, cell_key, strict=True)), measures[0]: total[0], measures[1]: total[1]})
        elif total[0] == 0:
            deletes.append(found[0])
        else:
            updates.append({"id": found[0], measures[0]: total[0], measures[1]: total[1]})
    if deletes:
        session.execute(delete(model).where(any_of(session, table.c.id, deletes)))
    bulk_update(session, model, updates)
    bulk_insert(session, model, inserts)


def rebuild_months(session: Session, months: Collection[date]) -> None:
    """The monthly roll-ups of these months, summed again from the daily rows."""
    for month in sorted(months):
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        for monthly, daily, key, measures in (
            (MonthlyFact, DailyFact, MONTHLY_CUBE_KEY, ("contacts", "responded")),
            (MonthlyReach, DailyReach, MONTHLY_REACH_KEY, ("households", "responded")),
        ):
            source, target = table_of(daily), table_of(monthly)
            session.execute(delete(monthly).where(target.c.month == month))
            groups = [source.c[c] for c in key[1:]]
            session.execute(insert(target).from_select(
                list(key) + list(measures),
                select(literal(month, target.c.month.type), *groups,
                       *(func.sum(source.c[m]) for m in measures))
                .where(source.c.day >= month, source.c.day < following).group_by(*groups),
            ))


def _seconds(at: datetime) -> float:
    return at.timestamp()


def _instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def payload(stay: Stay) -> dict[str, Any]:
    """What `fact_stays` keeps of a stay: enough to build its facts again, nothing that names anyone."""
    return {
        "stage": stay.stage, "bailleur": stay.bailleur_id, "parc": stay.parc, "territory": stay.territory,
        "contacts": [[c.dispatch_id, _seconds(c.at), c.channel, c.step, c.campaign_id, c.owner_id,
                      c.template_version_id, c.locale, c.falc, c.status, c.queue_partner_id, c.template,
                      c.requested_locale, c.requested_falc, c.fallback, c.link] for c in stay.contacts],
        "responses": [_seconds(r) for r in stay.responses],
        "open": stay.open,
        "experiments": [[experiment_id, arm, _seconds(at)] for experiment_id, arm, at in stay.experiments],
        "landlord": None if stay.landlord_letter is None else [stay.landlord_letter,
                                                              [_seconds(a) for a in stay.landlord_answers]],
        "diagnosed": stay.diagnosed,
        "link_answers": [[_seconds(at), dispatch_id] for at, dispatch_id in stay.link_answers],
    }


def stay_of(stay_id: int, household_id: int, data: dict[str, Any]) -> Stay:
    contacts = []
    for fields in data["contacts"]:
        # Stays stored before the template and the language asked were kept have 11 fields: those four are None.
        dispatch_id, seconds, channel, step, campaign, owner, version, locale, falc, status, queue = fields[:11]
        at = _instant(seconds)
        # Stays stored before the answer link was kept have 15 fields at most: no link.
        template, asked_locale, asked_falc, fallback = (list(fields[11:15]) + [None] * 4)[:4]
        contacts.append(StayContact(dispatch_id, at, day_of(at), channel, step, campaign, owner, version, locale,
                                    falc, status, queue, template, asked_locale, asked_falc, fallback,
                                    bool(fields[15]) if len(fields) > 15 else False))
    # Stays stored before the landlord letter was kept have none, in the facts either: refreshing the stay adds both.
    letter, answers = data.get("landlord") or (None, [])
    return Stay(stay_id, household_id, data["stage"], data["bailleur"], data["parc"], data["territory"],
                tuple(contacts), tuple(_instant(s) for s in data["responses"]), bool(data.get("open")),
                tuple((int(e), str(arm), _instant(at)) for e, arm, at in data.get("experiments", [])),
                None if letter is None else int(letter), tuple(_instant(a) for a in answers),
                bool(data.get("diagnosed")),
                tuple((_instant(at), None if d is None else int(d)) for at, d in data.get("link_answers", [])))


def stored_stays(session: Session, stay_ids: Collection[int]) -> dict[int, Stay]:
    if not stay_ids:
        return {}
    rows = session.execute(select(FactStay.stay_id, FactStay.household_id, FactStay.payload)
                           .where(any_of(session, FactStay.stay_id, sorted(stay_ids))))
    return {stay_id: stay_of(stay_id, household_id, data) for stay_id, household_id, data in rows}


def store_stays(session: Session, stays: Iterable[Stay], replaced: Collection[int]) -> None:
    """The inputs of these stays replace those stored for `replaced` (stays with no contact and no experiment arm,
    which have no facts, are not kept)."""
    if replaced:
        session.execute(delete(FactStay).where(any_of(session, FactStay.stay_id, sorted(replaced))))
    bulk_insert(session, FactStay, [{"stay_id": s.stay_id, "household_id": s.household_id, "payload": payload(s)}
                                    for s in stays if s.contacts or s.experiments])


def stays_of_households(session: Session, household_ids: Collection[int]) -> set[int]:
    """The stored stays of these households (a changed case may change their bailleur, park or département)."""
    if not household_ids:
        return set()
    return set(session.scalars(select(FactStay.stay_id).where(
        any_of(session, FactStay.household_id, sorted(household_ids)))))
