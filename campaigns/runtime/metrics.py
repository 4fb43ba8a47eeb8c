"""What /metrics exposes (docs/operations.md, "What to watch"): gauges read from the database at scrape time, the
Celery queues' lengths, and the counters the processes keep (request latency, Celery tasks).

The database is the queue of record, so its state is read when Prometheus asks, with a few aggregate queries,
never kept in a process's memory: every API process answers the same numbers. Counters and histograms live in
the processes; with several (uvicorn workers, Celery pool processes) they share PROMETHEUS_MULTIPROC_DIR and the
scrape sums them (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from campaigns.models import Dispatch, DispatchStatus, HumanTask, ImportJob, TaskStatus
from campaigns.runtime.jobs import QUEUES

log = logging.getLogger(__name__)

# Waiting to be sent: not yet claimed, or claimed and waiting for a worker.
WAITING = (DispatchStatus.PLANNED, DispatchStatus.TEMPORARY_FAILURE, DispatchStatus.QUEUED)
OPEN_TASKS = (TaskStatus.PENDING, TaskStatus.RESERVED, TaskStatus.IN_PROGRESS)
IMPORT_ROWS = {"traitees": ImportJob.processed_rows, "creees": ImportJob.created_count,
               "mises_a_jour": ImportJob.updated_count, "inchangees": ImportJob.unchanged_count,
               "rejetees": ImportJob.rejected_count}


def _gauge(name: str, documentation: str, labels: list[str], rows: Iterable[tuple[object, ...]]) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for *values, number in rows:
        family.add_metric([str(value) for value in values], float(number))  # type: ignore[arg-type]
    return family


def database_metrics(session: Session, *, now: datetime) -> list[Metric]:
    """The queue of record, in aggregates: each query is one GROUP BY over an indexed table."""
    contacts = session.execute(
        select(Dispatch.channel, Dispatch.status, func.count()).group_by(Dispatch.channel, Dispatch.status)).all()
    due_filter = (Dispatch.status.in_(WAITING), Dispatch.due_at <= now)
    due = session.execute(
        select(Dispatch.channel, func.count()).where(*due_filter).group_by(Dispatch.channel)).all()
    oldest = session.scalar(select(func.min(Dispatch.due_at)).where(*due_filter))
    errors = session.execute(
        select(Dispatch.channel, Dispatch.last_error, func.count()).where(Dispatch.last_error.is_not(None))
        .group_by(Dispatch.channel, Dispatch.last_error)).all()
    tasks = session.execute(
        select(HumanTask.queue_partner_id, HumanTask.status, func.count())
        .group_by(HumanTask.queue_partner_id, HumanTask.status)).all()
    overdue = session.execute(
        select(HumanTask.queue_partner_id, func.count())
        .where(HumanTask.status.in_(OPEN_TASKS), HumanTask.sla_due_at < now)
        .group_by(HumanTask.queue_partner_id)).all()
    jobs = session.execute(select(ImportJob.status, func.count()).group_by(ImportJob.status)).all()
    row_sums = session.execute(select(*(func.coalesce(func.sum(column), 0) for column in IMPORT_ROWS.values()))).one()
    return [
        _gauge("chaine_contacts", "Contacts planifiés (lignes dispatches), par canal et statut.",
               ["channel", "status"], contacts),
        _gauge("chaine_contacts_due", "Contacts arrivés à échéance et pas encore envoyés, par canal.",
               ["channel"], due),
        _gauge("chaine_oldest_due_contact_age_seconds",
               "Âge du plus ancien contact échu non envoyé (0 : aucun).", [],
               [(max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0,)]),
        _gauge("chaine_provider_errors", "Contacts ayant rencontré une erreur, par canal et type d'erreur.",
               ["channel", "kind"], ((c, _kind(str(e)), n) for c, e, n in errors)),
        _gauge("chaine_tasks", "Tâches (appels, visites) par structure et statut.",
               ["structure", "status"], tasks),
        _gauge("chaine_tasks_overdue", "Tâches ouvertes dont l'échéance est dépassée, par structure.",
               ["structure"], overdue),
        _gauge("chaine_import_jobs", "Imports par statut.", ["status"], jobs),
        _gauge("chaine_import_rows", "Lignes des imports, par sort.", ["kind"],
               zip(IMPORT_ROWS, row_sums, strict=True)),
    ]


def _kind(last_error: str) -> str:
    """An error's kind: the exception type or `twilio:<code>`, never a message (bounded label values)."""
    return last_error.split(" ", 1)[0][:60]


class DatabaseCollector(Collector):
    """Reads the gauges at each scrape; the database unreachable gives `chaine_database_up 0` and nothing else."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Callable[[], datetime],
                 queue_lengths: Callable[[], dict[str, int]] | None = None) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._queue_lengths = queue_lengths

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("chaine_database_up", "La base de données répond (1) ou non (0).")
        try:
            with self._session_factory() as session:
                metrics = database_metrics(session, now=self._clock())
        except SQLAlchemyError as exc:
            log.warning("metrics: database unreachable (%s)", type(exc).__name__)
            up.add_metric([], 0.0)
            yield up
        else:
            up.add_metric([], 1.0)
            yield up
            yield from metrics
        if self._queue_lengths is not None:
            yield _gauge("chaine_celery_queue_length", "Tâches Celery en attente dans le courtier, par file.",
                         ["queue"], self._queue_lengths().items())


def redis_queue_lengths(broker_url: str) -> Callable[[], dict[str, int]] | None:
    """Celery's queues are Redis lists named after the queue; another broker is not measured."""
    if not broker_url.startswith(("redis://", "rediss://")):
        return None
    import redis

    client = redis.Redis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=2)

    def lengths() -> dict[str, int]:
        try:
            return {queue: int(client.llen(queue)) for queue in QUEUES}
        except redis.RedisError as exc:
            log.warning("metrics: broker unreachable (%s)", type(exc).__name__)
            return {}

    return lengths


class _ProcessMetrics(Collector):
    """This process's own counters and histograms (single-process mode)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render(database: DatabaseCollector) -> bytes:
    """The text exposition: the processes' counters (summed over every process in multiprocess mode), then the
    database's gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir() is not None:
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ProcessMetrics())
    registry.register(database)
    return generate_latest(registry)
