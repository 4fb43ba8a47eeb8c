"""Composition root: wires settings, database sessions, channels, the clock and job submission."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from campaigns.crypto.columns import bind_keyring
from campaigns.crypto.keys import load_keyring, require_production_keys
from campaigns.delivery import dispatch as dispatching
from campaigns.intake import jobs as imports
from campaigns.links.tokens import LinkPolicy
from campaigns.locale.clock import PARIS, local_date
from campaigns.planning.coordination import CoordinationRules
from campaigns.platform.db import make_engine, make_session_factory
from campaigns.platform.logs import bound
from campaigns.platform.ports import Channel
from campaigns.platform.settings import Settings, get_settings
from campaigns.queues import reservations as queues

if TYPE_CHECKING:
    from campaigns.protection.retention import PurgeResult


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Everything a process needs; one per process (API, worker, CLI command)."""

    settings: Settings
    clock: Callable[[], datetime] = utc_now
    _threads: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Production refuses to start without its data keys (never generated there).
        require_production_keys(self.settings)

    @cached_property
    def engine(self) -> Engine:
        if not self.settings.database_url.get_secret_value():
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(self.settings.resolved_database_url)
        bind_keyring(engine, lambda: load_keyring(self.settings))
        return engine

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    @cached_property
    def channels(self) -> dict[str, Channel]:
        from campaigns.runtime.registry import build_channels

        return build_channels(self.settings, self.session_factory)

    @cached_property
    def celery(self) -> Any:
        """The Celery client used to hand work to workers (production mode only)."""
        from campaigns.runtime.jobs import make_celery

        return make_celery(self.settings.broker_url.get_secret_value())

    def letter_pdf(self, **kwargs: Any) -> bytes:
        """A letter as PDF bytes, with the same builder as the letters sent (previews)."""
        from channels.letter.pdf import build_letter_pdf

        return build_letter_pdf(**kwargs)

    def round_pdf(self, **kwargs: Any) -> bytes:
        """A worker's round of visits for a day, as a printable PDF."""
        from campaigns.queues.rounds import build_round_pdf

        return build_round_pdf(**kwargs)

    def deliver(self, dispatch_id: int, *, now: datetime | None = None) -> str:
        with bound(contact_id=dispatch_id):  # its log lines name the contact (campaigns/platform/logs.py)
            return dispatching.deliver(
                dispatch_id,
                now=now or self.clock(),
                session_factory=self.session_factory,
                channels=self.channels,
                max_attempts=self.settings.max_attempts,
                retry_base=timedelta(seconds=self.settings.retry_base_seconds),
                rules=self.coordination_rules,
                print_cutoff=self._print_cutoff,
                links=self.link_policy,
            )

    def deliver_batch(self, dispatch_ids: Sequence[int], *, now: datetime | None = None) -> list[str]:
        """Several claimed contacts, checked and marked `sending` together, sent one after the other, their outcomes
        written together (`chaine.deliver_batch`; campaigns.delivery.batch), at `now` or, unless given, the clock's
        time."""
        from campaigns.delivery.batch import BatchSettings, deliver_batch

        return deliver_batch(dispatch_ids, now=now, clock=self.clock, settings=BatchSettings(
            session_factory=self.session_factory, channels=self.channels, max_attempts=self.settings.max_attempts,
            rules=self.coordination_rules, print_cutoff=self._print_cutoff,
            retry_base=timedelta(seconds=self.settings.retry_base_seconds), links=self.link_policy,
            lease=timedelta(seconds=self.settings.claim_lease_seconds)))

    @property
    def link_policy(self) -> LinkPolicy:
        """Every letter, SMS and e-mail to a household carries its answer link (docs/web.md)."""
        return LinkPolicy(base_url=self.settings.public_base_url,
                          lifetime=timedelta(days=self.settings.answer_link_days))

    @property
    def _print_cutoff(self) -> time | None:
        if self.settings.letters_mode == "unitaire":
            return None
        if self.settings.letters_mode != "lots":
            raise ValueError(f"CHAINE_LETTERS_MODE : unitaire ou lots, pas {self.settings.letters_mode!r}")
        return time.fromisoformat(self.settings.print_cutoff)

    def close_print_batches(self, *, now: datetime) -> list[Path]:
        """After the cut-off: one PDF and one manifest per partner for the day's letters and their copies
        (idempotent)."""
        from campaigns.delivery.print_batches import letters_of_day
        from channels.letter.batches import BatchLetter, assemble_batch
        from channels.outbox import letter_copies

        cutoff = self._print_cutoff
        day = local_date(now)
        if cutoff is None or now.astimezone(PARIS).time() < cutoff:
            return []
        outbox = self.settings.resolved_outbox_dir
        with self.session_factory() as session:
            batches = letters_of_day(session, day)
        results = []
        for slug, letters in batches.items():
            # Each letter, then its copies in their own envelopes (the mandataire's "aux bons soins de").
            batch = [BatchLetter(x.dispatch_id, path, x.reference, None, number, x.handle)
                     for x in letters
                     for number, path in enumerate([outbox / x.provider_ref, *letter_copies(outbox, x.provider_ref)])]
            results.append(assemble_batch(batch, outbox / "lots", partner_slug=slug, day=day).pdf_path)
        return results

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
        with self.session_factory.begin() as session:
            # Social workers' queues: reservations expire, overdue tasks escalate, DSF chains open.
            queues.maintain_queues(session, now=moment)
        if self.settings.eager:
            count = dispatching.tick(
                self.session_factory, now=moment, batch_size=self.settings.tick_batch_size,
                lease=timedelta(seconds=self.settings.claim_lease_seconds),
                enqueue=lambda ids: self.deliver_batch(ids, now=moment),
            )
            self.close_print_batches(now=moment)
            self.refresh_facts(now=moment)
            # Embedded mode has no beat: the retention purge runs with the tick (idempotent, cheap when idle).
            self.purge_expired(now=moment)
            return count
        from campaigns.runtime.jobs import QUEUE_DISPATCH

        # With workers the batches are closed by the next tick after the letters were produced.
        self.close_print_batches(now=moment)
        # Workers' deliveries reach the evaluation facts at the next tick.
        self.refresh_facts(now=moment)
        # One connection to the broker for the whole tick: 10,000 due contacts are 200 messages sent in a row.
        with self.celery.producer_or_acquire() as producer:
            return dispatching.tick(
                self.session_factory, now=moment, batch_size=self.settings.tick_batch_size,
                lease=timedelta(seconds=self.settings.claim_lease_seconds),
                enqueue=lambda ids: self.celery.send_task(
                    "chaine.deliver_batch", args=[ids], queue=QUEUE_DISPATCH, producer=producer),
                # The producer is used by the hand-out thread alone while the claims go on (claims._Behind).
                behind=True,
            )

    def purge_expired(self, *, now: datetime, progress: Callable[[int], None] | None = None) -> PurgeResult:
        """Personal data of households closed longer than their retention period (campaigns.protection.retention);
        `progress` gets the households and cases handled so far."""
        from campaigns.protection.retention import case_outbox_references, outbox_references, purge_expired
        from channels.outbox import OutboxChannel
        from channels.outbox_retention import erase_artefacts, erase_print_runs

        outbox = self.settings.resolved_outbox_dir
        with self.session_factory.begin() as session:
            result = purge_expired(session, now=now, default_days=self.settings.retention_days,
                                   progress=progress)
            # Files go before the commit: should it fail, the households are purged again on the next run (their
            # files are then already gone); the other way round, a crash would leave files no run finds again.
            kinds = [name for name, channel in self.channels.items() if isinstance(channel, OutboxChannel)]
            result.files = erase_artefacts(outbox, outbox_references(session, result.households, kinds))
            result.files += erase_artefacts(outbox, case_outbox_references(session, result.purged_cases, kinds))
            result.files += erase_print_runs(outbox / "lots",
                                             before=local_date(now - timedelta(days=self.settings.retention_days)))
            return result

    def refresh_facts(self, *, now: datetime) -> None:
        """Evaluation facts of the days that changed (idempotent; see campaigns.facts.daily)."""
        from campaigns.facts.daily import refresh_facts

        with self.session_factory.begin() as session:
            refresh_facts(session, now=now)

    def run_import(self, import_id: int) -> None:
        with bound(job_id=import_id):
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
