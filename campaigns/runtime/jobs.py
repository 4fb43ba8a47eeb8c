"""How the runtime hands work to Celery: queues, routing, the beat schedule, and the client app.

Celery only executes; the database decides (docs/architecture.md). The worker processes build their app from the
same factory (campaigns/workers/celery_app.py), so producer and consumers always agree on queues and routes.
"""

from __future__ import annotations

from celery import Celery

QUEUE_DEFAULT = "chaine.default"
QUEUE_DISPATCH = "chaine.dispatch"
QUEUES = (QUEUE_DEFAULT, QUEUE_DISPATCH)

TICK_SECONDS = 60.0
PURGE_SECONDS = 6 * 3600.0


def make_celery(broker_url: str, *, tick_seconds: float = TICK_SECONDS) -> Celery:
    app = Celery("chaine", broker=broker_url or "memory://", include=["campaigns.workers.tasks"])
    app.conf.update(
        # A task is acknowledged after it ran, and given back if its worker dies: deliver() is idempotent.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=QUEUE_DEFAULT,
        task_routes={"chaine.deliver": {"queue": QUEUE_DISPATCH}, "chaine.deliver_batch": {"queue": QUEUE_DISPATCH}},
        broker_connection_retry_on_startup=True,
        timezone="Europe/Paris",
        beat_schedule={"tick": {"task": "chaine.tick", "schedule": tick_seconds},
                       # Retention purge of closed households' personal data (idempotent).
                       "purge": {"task": "chaine.purge_expired", "schedule": PURGE_SECONDS}},
        worker_hijack_root_logger=False,
    )
    return app
