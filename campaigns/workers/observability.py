"""Worker side of the observability (docs/operations.md): Celery tasks counted and timed, and the process's log
format (the runtime's deliver() and run_import() put the contact or job id on their log lines).

With PROMETHEUS_MULTIPROC_DIR set (the Procfile does), each pool process writes its counters to that directory and
the API's /metrics sums them; without it they stay in the process and nobody scrapes them.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery.signals import setup_logging, task_postrun, task_prerun
from prometheus_client import Counter, Histogram

from campaigns.platform.logs import configure_logging
from campaigns.platform.settings import get_settings

TASKS = Counter("chaine_celery_tasks", "Tâches Celery exécutées, par nom et état final.", ["task", "state"])
TASK_SECONDS = Histogram("chaine_celery_task_duration_seconds", "Durée des tâches Celery, par nom.", ["task"],
                         buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0, 600.0))
_started: dict[str, float] = {}


@setup_logging.connect  # type: ignore[untyped-decorator]
def _configure_logging(loglevel: int | str | None = None, **_kwargs: object) -> None:
    """Celery leaves the logging to us when this signal has a receiver: one format for every process, at the level
    asked on the command line (`--loglevel`)."""
    level = logging.getLevelName(loglevel.upper()) if isinstance(loglevel, str) else loglevel
    configure_logging(get_settings().log_format, level=level if isinstance(level, int) else logging.INFO)


@task_prerun.connect  # type: ignore[untyped-decorator]
def _task_started(task_id: str, **_kwargs: object) -> None:
    _started[task_id] = time.perf_counter()


@task_postrun.connect  # type: ignore[untyped-decorator]
def _task_finished(task_id: str, task: Any, state: str | None = None, **_kwargs: object) -> None:
    started = _started.pop(task_id, None)
    name = str(task.name)
    TASKS.labels(name, (state or "UNKNOWN").lower()).inc()
    if started is not None:
        TASK_SECONDS.labels(name).observe(time.perf_counter() - started)
