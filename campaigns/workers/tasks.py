"""Thin Celery tasks named "chaine.<fn>"; each only calls the runtime."""

from __future__ import annotations

from campaigns.runtime.root import get_runtime
from campaigns.workers.celery_app import celery_app


@celery_app.task(name="chaine.tick")  # type: ignore[untyped-decorator]
def tick_task() -> int:
    return get_runtime().tick()


# One contact a task: what the tick sent before `chaine.deliver_batch`; kept for the messages of an older tick.
@celery_app.task(name="chaine.deliver")  # type: ignore[untyped-decorator]
def deliver_task(dispatch_id: int) -> str:
    return get_runtime().deliver(dispatch_id)


@celery_app.task(name="chaine.deliver_batch")  # type: ignore[untyped-decorator]
def deliver_batch_task(dispatch_ids: list[int]) -> list[str]:
    return get_runtime().deliver_batch(dispatch_ids)


@celery_app.task(name="chaine.run_import")  # type: ignore[untyped-decorator]
def run_import_task(import_id: int) -> None:
    get_runtime().run_import(import_id)


@celery_app.task(name="chaine.purge_expired")  # type: ignore[untyped-decorator]
def purge_expired_task() -> int:
    runtime = get_runtime()
    return len(runtime.purge_expired(now=runtime.clock()).households)
