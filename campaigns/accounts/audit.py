"""The audit log of personal data (docs/domain.md §10.3): one row per read, change, export or purge, with who,
when, which households and why; never the data themselves. Written in the caller's transaction, so a change and
its audit row commit together."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.locale.clock import PARIS
from campaigns.models import ApiKey, AuditEvent, Case, HouseholdMerge, HumanTask, LinkReview, Partner
from campaigns.platform.cells import neutralise_cell
from campaigns.platform.dialect import any_of


class AuditAction(StrEnum):
    READ = "lecture"
    CHANGE = "modification"
    EXPORT = "export"
    PURGE = "purge"


class ActorKind(StrEnum):
    API_KEY = "cle_api"
    USER = "utilisateur"
    SYSTEM = "systeme"
    PROVIDER = "fournisseur"
    # The household itself, through its answer link (campaigns/answers): no account, the link's partner recorded.
    HOUSEHOLD = "menage"


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    partner_id: int | None = None
    user_id: int | None = None
    api_key_id: int | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)


def record(
    session: Session, *, actor: Actor, action: AuditAction, purpose: str, household_ids: Iterable[int],
    now: datetime, count: int | None = None,
) -> AuditEvent:
    """One audit row. `count` without ids is for bulk exports (every household); ids are stored sorted, unique."""
    ids = sorted(set(household_ids))
    event = AuditEvent(
        occurred_at=now, actor=actor.kind.value, partner_id=actor.partner_id, user_id=actor.user_id,
        api_key_id=actor.api_key_id, action=action.value, purpose=purpose[:200], household_ids=ids,
        household_count=len(ids) if count is None else count,
    )
    session.add(event)
    session.flush()
    return event


def record_push(session: Session, *, partner_id: int, import_id: int, references: Sequence[str],
                now: datetime) -> None:
    """A batch of pushed rows: the households whose cases it created or changed (unchanged rows change nothing)."""
    if not references:
        return
    households = session.scalars(select(Case.household_id).where(
        Case.partner_id == partner_id, any_of(session, Case.reference, list(references)), Case.updated_at == now))
    ids = set(households)
    if ids:
        record(session, actor=Actor(ActorKind.API_KEY, partner_id=partner_id), action=AuditAction.CHANGE,
               purpose=f"POST /api/v1/signalements (import n° {import_id})", household_ids=ids, now=now)


def task_households(session: Session, task_ids: Iterable[int]) -> set[int]:
    ids = list(task_ids)
    return set(session.scalars(select(HumanTask.household_id).where(any_of(session, HumanTask.id, ids)))) if ids \
        else set()


def review_households(session: Session, review_ids: Iterable[int]) -> set[int]:
    """Both sides of uncertain pairs: the case's household and the candidate household."""
    ids = list(review_ids)
    if not ids:
        return set()
    rows = session.execute(select(Case.household_id, LinkReview.candidate_household_id)
                           .join(Case, Case.id == LinkReview.case_id).where(any_of(session, LinkReview.id, ids)))
    return {household for row in rows for household in row}


def merge_households(session: Session, merge_ids: Iterable[int]) -> set[int]:
    ids = list(merge_ids)
    if not ids:
        return set()
    rows = session.execute(select(HouseholdMerge.from_household_id, HouseholdMerge.into_household_id)
                           .where(any_of(session, HouseholdMerge.id, ids)))
    return {household for row in rows for household in row}


def record_export(session: Session, *, purpose: str, now: datetime, actor: Actor | None = None) -> None:
    """An export of every household (the grouping CSV): the count is recorded, not a list of every id."""
    count = session.scalar(select(func.count(func.distinct(Case.household_id)))) or 0
    record(session, actor=actor or Actor.system(), action=AuditAction.EXPORT, purpose=purpose, household_ids=(),
           count=count, now=now)


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of `start` to the end of `end` (included), Paris days, as UTC instants."""
    return (datetime.combine(start, time(0), tzinfo=PARIS).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC))


_HEADER = ["id", "date", "acteur", "partenaire", "utilisateur", "cle_api", "action", "motif", "nombre_menages",
           "menages"]


def journal_csv(session: Session, *, start: datetime, end: datetime) -> Iterator[str]:
    """The log between two instants (end excluded), `;`-separated, dates in Paris time, ids space-separated."""
    partners = {partner_id: name for partner_id, name in session.execute(select(Partner.id, Partner.name))}
    prefixes = {key_id: prefix for key_id, prefix in session.execute(select(ApiKey.id, ApiKey.prefix))}
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")
    writer.writerow(_HEADER)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.occurred_at >= start, AuditEvent.occurred_at < end)
        .order_by(AuditEvent.occurred_at, AuditEvent.id).execution_options(yield_per=2_000)
    )
    for number, event in enumerate(events, start=1):
        writer.writerow([
            event.id, event.occurred_at.astimezone(PARIS).isoformat(timespec="seconds"), event.actor,
            neutralise_cell(partners.get(event.partner_id, "")) if event.partner_id else "",
            event.user_id or "", prefixes.get(event.api_key_id, "") if event.api_key_id else "", event.action,
            neutralise_cell(event.purpose), event.household_count, " ".join(map(str, event.household_ids)),
        ])
        if number % 2_000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
