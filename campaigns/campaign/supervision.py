"""Supervision of one campaign for one day: contacts by status, failures with their reasons, the queues of the
structures that hold its calls and visits (depth, overdue tasks), the day's imports with their rejected rows."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from campaigns.campaign.alerts import Alert, alerts
from campaigns.locale.clock import PARIS
from campaigns.locale.labels import CONTACT_REASONS, CONTACT_STATUSES
from campaigns.models import (
    Campaign,
    Case,
    Dispatch,
    DispatchStatus,
    Enrollment,
    HumanTask,
    ImportJob,
    ImportRejection,
    Partner,
    StageEntry,
    TaskKind,
    TaskStatus,
)

STATUS_LABELS = CONTACT_STATUSES
REASON_LABELS = CONTACT_REASONS
FAILURES = (DispatchStatus.TEMPORARY_FAILURE.value, DispatchStatus.PERMANENT_FAILURE.value,
            DispatchStatus.SKIPPED.value, DispatchStatus.RETURNED.value)
OPEN_TASKS = (TaskStatus.PENDING.value, TaskStatus.RESERVED.value, TaskStatus.IN_PROGRESS.value)
DSF_KINDS = (TaskKind.DSF_CONTACT.value, TaskKind.DSF_RELANCE.value, TaskKind.DSF_CCAPEX.value,
             TaskKind.DSF_TRANSMISSION.value)
MAX_FAILURES = 200
MAX_REJECTIONS = 20


@dataclass(frozen=True, slots=True)
class FailureRow:
    dispatch_id: int
    household_id: int
    channel: str
    status: str
    reason: str
    error: str
    attempts: int
    at: datetime

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason or "—")


@dataclass(frozen=True, slots=True)
class QueueRow:
    structure: str
    waiting: int
    in_progress: int
    overdue: int


@dataclass(slots=True)
class ImportRow:
    id: int
    partner: str
    status: str
    created_at: datetime
    rows: int
    rejected: int
    rejections: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Supervision:
    day: date
    households: int = 0
    # channel -> status -> contacts whose last event (sent, finished, else due) falls on the day.
    by_status: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    totals: Counter[str] = field(default_factory=Counter)
    # (status, reason) -> contacts of the campaign that did not go as planned, and why (coordination, caps...).
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[FailureRow] = field(default_factory=list)
    queues: list[QueueRow] = field(default_factory=list)
    imports: list[ImportRow] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "jour": self.day.isoformat(), "menages": self.households,
            "contacts_du_jour": {channel: dict(counts) for channel, counts in sorted(self.by_status.items())},
            "contacts_total": dict(self.totals),
            "contacts_par_motif": [{"statut": status, "motif": reason, "libelle": REASON_LABELS.get(reason, reason),
                                    "nombre": count} for (status, reason), count in sorted(self.reasons.items())],
            "echecs": [{"contact": f.dispatch_id, "menage": f.household_id, "canal": f.channel, "statut": f.status,
                        "motif": f.reason, "libelle": f.reason_label, "erreur": f.error, "essais": f.attempts,
                        "date": f.at.isoformat()} for f in self.failures],
            "files": [{"structure": q.structure, "en_attente": q.waiting, "en_cours": q.in_progress,
                       "en_retard": q.overdue} for q in self.queues],
            "imports": [{"id": i.id, "partenaire": i.partner, "statut": i.status, "lignes": i.rows,
                         "rejetees": i.rejected, "rejets": [{"ligne": r, "champ": f, "motif": m}
                                                            for r, f, m in i.rejections]} for i in self.imports],
            "alertes": [{"type": a.kind, "message": a.message} for a in self.alerts],
        }


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=PARIS)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS)


def cases_reached(session: Session, campaign: Campaign) -> int:
    """The households the campaign reached as its owner's own cases tell them, for a partner's (not a pilot's)
    supervision: never the service's grouping of its rows through others' data (docs/security.md, rule 1). Each of
    the owner's cases whose stay the campaign enrolled (its own stay, or the household's where the owner has a case),
    and once a household where it has none (a structure's campaign reaching its territory)."""
    rows = session.execute(
        select(Enrollment.household_id, StageEntry.case_id).join(StageEntry, StageEntry.id == Enrollment.stage_entry_id)
        .where(Enrollment.campaign_id == campaign.id).distinct()).all()
    reached: set[tuple[str, int]] = {("case", case_id) for _household, case_id in rows if case_id is not None}
    households = sorted({household for household, case_id in rows if case_id is None})
    owned: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(households), 1000):
        for case_id, household in session.execute(select(Case.id, Case.household_id).where(
                Case.partner_id == campaign.owner_partner_id, Case.household_id.in_(households[start:start + 1000]))):
            owned[household].add(case_id)
    for household in households:
        reached |= {("case", case_id) for case_id in owned[household]} or {("household", household)}
    return len(reached)


def supervise(session: Session, campaign: Campaign, *, day: date, now: datetime, with_imports: bool,
              alert_campaigns: Collection[int] | None = None) -> Supervision:
    """`with_imports`: the imports of every partner that day (for the pilots; a delegated operator does not see
    other partners' imports). `alert_campaigns`: the alerts about these campaigns' contacts only (a partner's own
    campaigns), else the service's (the pilots')."""
    report = Supervision(day, alerts=alerts(session, now=now, campaign_ids=alert_campaigns))
    start, end = day_bounds(day)
    report.households = session.scalar(
        select(func.count(func.distinct(Enrollment.household_id))).where(Enrollment.campaign_id == campaign.id)) or 0
    report.totals.update(dict(session.execute(
        select(Dispatch.status, func.count(Dispatch.id)).where(Dispatch.campaign_id == campaign.id)
        .group_by(Dispatch.status)).all()))
    for status, reason, count in session.execute(
        select(Dispatch.status, Dispatch.reason, func.count(Dispatch.id))
        .where(Dispatch.campaign_id == campaign.id, Dispatch.reason.is_not(None))
        .group_by(Dispatch.status, Dispatch.reason)
    ):
        report.reasons[(status, reason or "")] = count
    in_day = [and_(column >= start, column < end) for column in (Dispatch.due_at, Dispatch.sent_at,
                                                                  Dispatch.finished_at)]
    for dispatch in session.scalars(
        select(Dispatch).where(Dispatch.campaign_id == campaign.id, or_(*in_day)).order_by(Dispatch.id)
    ):
        at = dispatch.finished_at or dispatch.sent_at or dispatch.due_at
        if not start <= at < end:
            continue
        report.by_status[dispatch.channel][dispatch.status] += 1
        if dispatch.status in FAILURES and len(report.failures) < MAX_FAILURES:
            report.failures.append(FailureRow(dispatch.id, dispatch.household_id, dispatch.channel, dispatch.status,
                                              dispatch.reason or "", dispatch.last_error or "", dispatch.attempts, at))
    report.queues = _queues(session, campaign, now=now)
    if with_imports:
        report.imports = _imports(session, start, end)
    return report


def _queues(session: Session, campaign: Campaign, *, now: datetime) -> list[QueueRow]:
    enrolled = select(Enrollment.household_id).where(Enrollment.campaign_id == campaign.id)
    mine = or_(
        HumanTask.dispatch_id.in_(select(Dispatch.id).where(Dispatch.campaign_id == campaign.id)),
        and_(HumanTask.kind.in_(DSF_KINDS), HumanTask.household_id.in_(enrolled)),
    )
    rows = session.execute(
        select(Partner.name, HumanTask.status, HumanTask.sla_due_at)
        .join(Partner, Partner.id == HumanTask.queue_partner_id)
        .where(mine, HumanTask.status.in_(OPEN_TASKS))
    ).all()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for name, status, deadline in rows:
        counts[name][0 if status == TaskStatus.PENDING else 1] += 1
        if deadline is not None and deadline < now:
            counts[name][2] += 1
    return [QueueRow(name, *values) for name, values in sorted(counts.items())]


def _imports(session: Session, start: datetime, end: datetime) -> list[ImportRow]:
    jobs = session.execute(
        select(ImportJob, Partner.name).join(Partner, Partner.id == ImportJob.partner_id)
        .where(ImportJob.created_at >= start, ImportJob.created_at < end).order_by(ImportJob.id)
    ).all()
    out = []
    for job, partner in jobs:
        row = ImportRow(job.id, partner, job.status, job.created_at, job.total_rows or job.processed_rows,
                        job.rejected_count)
        # Row number, field and reason only: the rejected values themselves are personal data.
        row.rejections = [(r.row_number, r.field, r.reason) for r in session.scalars(
            select(ImportRejection).where(ImportRejection.import_id == job.id)
            .order_by(ImportRejection.row_number).limit(MAX_REJECTIONS))]
        out.append(row)
    return out
