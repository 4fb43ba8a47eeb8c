"""Composition root: wires settings, database sessions, channels, the clock and job submission."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from campaigns import dispatching, imports
from campaigns.coordination import CoordinationRules
from campaigns.db import make_engine, make_session_factory
from campaigns.ports import Channel
from campaigns.settings import Settings, get_settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Everything a process needs; one per process (API, worker, CLI command)."""

    settings: Settings
    clock: Callable[[], datetime] = utc_now
    _threads: list[threading.Thread] = field(default_factory=list)

    @cached_property
    def engine(self) -> Engine:
        if not self.settings.database_url:
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return make_engine(self.settings.resolved_database_url)

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    @cached_property
    def channels(self) -> dict[str, Channel]:
        from channels.registry import build_channels

        return build_channels(self.settings, self.session_factory)

    @cached_property
    def celery(self) -> Any:
        """The Celery client used to hand work to workers (production mode only)."""
        from campaigns.worker import make_celery

        return make_celery(self.settings.broker_url)

    def letter_pdf(self, **kwargs: Any) -> bytes:
        """A letter as PDF bytes, with the same builder as the letters sent (previews)."""
        from channels.letter.pdf import build_letter_pdf

        return build_letter_pdf(**kwargs)

    def deliver(self, dispatch_id: int, *, now: datetime | None = None) -> str:
        return dispatching.deliver(
            dispatch_id,
            now=now or self.clock(),
            session_factory=self.session_factory,
            channels=self.channels,
            max_attempts=self.settings.max_attempts,
            rules=self.coordination_rules,
        )

    @property
    def coordination_rules(self) -> CoordinationRules:
        return CoordinationRules(
            window=timedelta(days=self.settings.coordination_window_days),
            letters_per_30_days=self.settings.cap_letters_30_days,
            sms_per_24_hours=self.settings.cap_sms_24_hours,
        )

    def tick(self, *, now: datetime | None = None) -> int:
        """Embedded: deliver in-process. With a broker: hand each claimed row to a Celery worker."""
        moment = now or self.clock()
        with self.session_factory.begin() as session:
            stale_imports = imports.reclaim_stale_imports(
                session, now=moment, lease=timedelta(seconds=self.settings.import_lease_seconds)
            )
        for import_id in stale_imports:
            self.submit_import(import_id, background=True)
        if self.settings.eager:
            return dispatching.tick(
                self.session_factory, now=moment, batch_size=self.settings.tick_batch_size,
                lease=timedelta(seconds=self.settings.claim_lease_seconds),
                enqueue=lambda dispatch_id: self.deliver(dispatch_id, now=moment),
            )
        from campaigns.worker import QUEUE_DISPATCH

        return dispatching.tick(
            self.session_factory, now=moment, batch_size=self.settings.tick_batch_size,
            lease=timedelta(seconds=self.settings.claim_lease_seconds),
            enqueue=lambda dispatch_id: self.celery.send_task(
                "chaine.deliver", args=[dispatch_id], queue=QUEUE_DISPATCH
            ),
        )

    def run_import(self, import_id: int) -> None:
        imports.run_import(
            self.session_factory, import_id, clock=self.clock, batch_size=self.settings.import_batch_size
        )

    def submit_import(self, import_id: int, *, background: bool) -> None:
        """Call after the job row has committed. Embedded: a thread (API) or inline (CLI); else Celery."""
        if not self.settings.eager:
            self.celery.send_task("chaine.run_import", args=[import_id])
        elif background:
            thread = threading.Thread(target=self.run_import, args=(import_id,), daemon=True)
            self._threads.append(thread)
            thread.start()
        else:
            self.run_import(import_id)

    def join_background(self, timeout: float | None = None) -> None:
        for thread in self._threads:
            thread.join(timeout)


_current: Runtime | None = None


def get_runtime() -> Runtime:
    global _current  # noqa: PLW0603 - one composition root per process
    if _current is None:
        _current = Runtime(get_settings())
    return _current


def set_runtime(runtime: Runtime | None) -> None:
    global _current  # noqa: PLW0603
    _current = runtime
