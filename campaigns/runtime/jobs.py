"""How the runtime hands work to Celery: queues, routing, the beat schedule, and the client app.

Celery only executes; the database decides (docs/architecture.md). The worker processes build their app from the
same factory (campaigns/workers/celery_app.py), so producer and consumers always agree on queues and routes.
"""

from __future__ import annotations

from celery import Celery

from campaigns.runtime.broker_transport import install as install_broker_transport

QUEUE_DEFAULT = "chaine.default"
QUEUE_DISPATCH = "chaine.dispatch"
QUEUES = (QUEUE_DEFAULT, QUEUE_DISPATCH)

TICK_SECONDS = 60.0
PURGE_SECONDS = 6 * 3600.0


def make_celery(broker_url: str, *, tick_seconds: float = TICK_SECONDS) -> Celery:
    install_broker_transport()  # kombu's Redis transport, repaired for connection losses (broker_transport.py)
    app = Celery("chaine", broker=broker_url or "memory://", include=["campaigns.workers.tasks"])
    app.conf.update(
        # A task is acknowledged after it ran, and given back if its worker dies: deliver() is idempotent.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=QUEUE_DEFAULT,
        task_routes={"chaine.deliver": {"queue": QUEUE_DISPATCH}, "chaine.deliver_batch": {"queue": QUEUE_DISPATCH}},
        # Broker outages (docs/operations.md): a worker keeps retrying the broker for as long as it is down
        # (Celery's default gives up after 100 attempts, some 50 minutes, and the worker stops consuming for
        # good); a task running when Redis dies runs to its end (its message cannot be acknowledged any more:
        # `deliver` and `run_import` are idempotent and their rows are leased in the database, so a redelivery or
        # a loss of the message costs nothing). Celery 6 would cancel it instead: kept as it is, explicitly.
        broker_connection_retry=True,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        # A broker gone without closing its TCP connections (failover, a NAT or firewall timeout) is noticed:
        # connecting waits 5 s, a blocking command 30 s, idle connections are probed (keepalive) and checked
        # every 25 s. Commands are not retried on a timeout (`retry_on_timeout`): a publish replayed after a
        # timeout could queue a message twice.
        broker_transport_options={"socket_connect_timeout": 5, "socket_timeout": 30, "socket_keepalive": True,
                                  "health_check_interval": 25},
        timezone="Europe/Paris",
        beat_schedule={"tick": {"task": "chaine.tick", "schedule": tick_seconds},
                       # Retention purge of closed households' personal data (idempotent).
                       "purge": {"task": "chaine.purge_expired", "schedule": PURGE_SECONDS}},
        worker_hijack_root_logger=False,
    )
    return app
