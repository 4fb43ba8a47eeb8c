"""The Celery application the worker and beat processes run (`celery -A campaigns.workers.celery_app`).

Its queues, routes and schedule come from the runtime's factory (campaigns/runtime/jobs.py), which the API and the
CLI use to submit work: one definition for producers and consumers.
"""

from __future__ import annotations

from celery.signals import worker_process_init

from campaigns.platform.collector import tune_collector
from campaigns.platform.settings import get_settings
from campaigns.runtime.jobs import QUEUE_DEFAULT, QUEUE_DISPATCH, QUEUES, make_celery
from campaigns.workers import observability

assert observability  # its signal receivers count the tasks and set the log format (docs/operations.md)

__all__ = ["QUEUES", "QUEUE_DEFAULT", "QUEUE_DISPATCH", "celery_app", "make_celery"]


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _tune_worker_process(**_kwargs: object) -> None:
    """Each pool process runs import jobs of 5,000-row batches, as the API does (campaigns/platform/collector.py)."""
    tune_collector()


celery_app = make_celery(get_settings().broker_url.get_secret_value(), tick_seconds=get_settings().tick_seconds)
