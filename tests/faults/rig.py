"""The fault tests' rig: the app on private services, a tick loop standing for `chaine beat`, and the census of
what reached the Twilio and SMTP stand-ins (sent, duplicates, lost) for each planned contact."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretBytes, SecretStr
from sqlalchemy import select

from campaigns.crypto.cipher import generate_key
from campaigns.intake.jobs import push_items
from campaigns.models import Case, Dispatch, Partner
from campaigns.platform.settings import Settings
from campaigns.runtime.root import Runtime
from tests.conftest import new_partner
from tests.factories import campaign, signalement
from tests.faults.services import CeleryWorker, PrivatePostgres, PrivateRedis
from tests.faults.worker_main import CLOCK_OFFSET_ENV, shifted_clock
from tests.twilio_standin import TwilioStandIn

SID, TOKEN, FROM = "AC" + "f" * 32, "fault-token", "+33612000000"
# The rig's "now": a Wednesday morning in Paris (no holiday), so SMS and e-mail sending hours are open.
ANCHOR = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
ENDED = frozenset({"permanent_failure", "skipped", "cancelled", "returned"})
SENT = frozenset({"sending", "delivered"})


@dataclass
class Figures:
    """One scenario's result, counted at the provider stand-ins against the planned contacts."""

    scenario: str
    planned: int
    sent: int = 0  # distinct planned contacts the provider received
    duplicates: int = 0  # extra copies the provider received
    lost: int = 0  # neither received nor ended with a reason
    ended: dict[str, int] = field(default_factory=dict)  # not sent, with the reason recorded
    misrecorded: int = 0  # received by the provider but not recorded as sent
    # E-mail only: a copy carrying the same Message-ID as one already received (mailboxes drop it;
    # see docs/operations.md).
    same_id_resends: int = 0
    seconds: float = 0.0

    def report(self) -> None:
        line = json.dumps(asdict(self), ensure_ascii=False)
        print(f"FIABILITE {line}")
        target = os.environ.get("CHAINE_FAULTS_REPORT")
        if target:
            with Path(target).open("a", encoding="utf-8") as out:
                out.write(line + "\n")


class Rig:
    """One scenario's world: a fresh database in the private cluster, the private Redis, a Twilio stand-in."""

    def __init__(self, pg: PrivatePostgres, redis_server: PrivateRedis, standin: TwilioStandIn, tmp: Path,
                 database: str, **overrides: Any) -> None:
        self.pg, self.redis, self.standin, self.tmp = pg, redis_server, standin, tmp
        self.offset = ANCHOR.timestamp() - time.time()
        values: dict[str, Any] = {
            "database_url": pg.url(database), "broker_url": redis_server.url, "data_dir": tmp,
            "outbox_dir": tmp / "outbox", "sms_provider": "twilio", "twilio_account_sid": SID,
            "twilio_auth_token": TOKEN, "twilio_from_number": FROM, "twilio_api_base_url": standin.base_url,
            "public_base_url": "https://chaine.example.fr", "twilio_timeout_seconds": 1.0,
            "claim_lease_seconds": 12, "retry_base_seconds": 1.0, "max_attempts": 8, "smtp_start_tls": False,
            "smtp_from": "relances@chaine.example.fr",
            # Production mode (a broker) refuses to start without the personal-data keys.
            "data_keys": generate_key(), "blind_index_key": generate_key(),
        }
        values.update(overrides)
        self.settings = Settings(**values)
        self.runtime = Runtime(self.settings, clock=self.clock)
        self.workers: list[CeleryWorker] = []

    def configure(self, **updates: Any) -> None:
        """Changes settings before the workers start (they read them from their environment)."""
        self.runtime.engine.dispose()
        self.settings = self.settings.model_copy(update=updates)
        self.runtime = Runtime(self.settings, clock=self.clock)

    def clock(self) -> datetime:
        return shifted_clock(self.offset)

    def worker_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINE_")}
        for name, dumped in self.settings.model_dump().items():
            # Secrets dump masked ("**********"): the processes need their real value.
            value = dumped.get_secret_value() if isinstance(dumped, SecretStr | SecretBytes) else dumped
            if value is not None and value != "":
                env[f"CHAINE_{name.upper()}"] = value.decode() if isinstance(value, bytes) else str(value)
        env[CLOCK_OFFSET_ENV] = repr(self.offset)
        return env

    def start_worker(self, concurrency: int = 4) -> CeleryWorker:
        worker = CeleryWorker(self.worker_env(), f"fault{len(self.workers)}", concurrency,
                              self.tmp / f"worker{len(self.workers)}.log")
        self.workers.append(worker.start())
        return worker

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()

    @contextmanager
    def ticking(self, every: float = 8.0) -> Iterator[list[str]]:
        """`chaine beat` sped up (60 s in production): the `chaine.tick` task sent every `every` seconds through
        Redis, run by the workers, as in production. A send that fails (Redis down) is tried at the next period
        on a fresh connection, as beat does. Yields the list of send errors (type names)."""
        from campaigns.workers.celery_app import make_celery

        stop = threading.Event()
        errors: list[str] = []

        def loop() -> None:
            beat = make_celery(self.settings.broker_url.get_secret_value())
            while not stop.wait(every):
                try:
                    beat.send_task("chaine.tick", retry=False)
                except Exception as exc:
                    errors.append(type(exc).__name__)
                    # The old connection pool may be dead.
                    beat = make_celery(self.settings.broker_url.get_secret_value())

        thread = threading.Thread(target=loop, name="fault-beat", daemon=True)
        thread.start()
        try:
            yield errors
        finally:
            stop.set()
            thread.join(60)

    def plan(self, households: int, channel: str = "sms") -> None:
        """`households` households at CDP, each with one SMS (or e-mail) due now, each with its own number."""
        new_partner(self.runtime, "DDETS 44", "etat")
        partner_id, _ = new_partner(self.runtime, "Habitat 44", "bailleur_social")
        campaign(self.runtime, owner="DDETS 44", steps=[{"channel": channel, "template": "relance"}])
        rows = [signalement(f"R-{i}", nom=f"Nom{i}", numero_allocataire=str(100_000 + i), adresse=f"{i} rue Neuve",
                            date_naissance=f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 50}",
                            telephone=f"06{10_000_000 + i:08d}", email=f"menage{i}@exemple.fr")
                for i in range(households)]
        for start in range(0, households, 2_000):
            with self.runtime.session_factory.begin() as session:
                push_items(session, partner=session.get_one(Partner, partner_id), items=rows[start:start + 2_000],
                           now=self.clock())

    def statuses(self) -> Counter[str]:
        with self.runtime.session_factory() as session:
            return Counter(session.scalars(select(Dispatch.status)))

    def settled(self) -> bool:
        """Every row sent (a provider reference recorded) or ended with a reason."""
        with self.runtime.session_factory() as session:
            rows = session.execute(select(Dispatch.status, Dispatch.provider_ref)).all()
        return all(status in ENDED or (status in SENT and ref) for status, ref in rows)

    def wait_settled(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.settled():
                    return
            except Exception:  # the database may be restarting
                pass
            time.sleep(0.5)

    def census(self, scenario: str, received: Counter[str], started: float) -> Figures:
        """Counts against the planned rows: `received` is how many copies the provider got per recipient."""
        with self.runtime.session_factory() as session:
            rows = session.execute(
                select(Dispatch.channel, Dispatch.status, Dispatch.reason, Case.telephone, Case.email)
                .join(Case, Case.household_id == Dispatch.household_id)
            ).all()
        figures = Figures(scenario, planned=len(rows), seconds=round(time.monotonic() - started, 1))
        ended: Counter[str] = Counter()
        for channel, status, reason, phone, mail in rows:
            copies = received.get((phone if channel == "sms" else mail) or "", 0)
            if copies:
                figures.sent += 1
                figures.duplicates += copies - 1
                figures.misrecorded += status not in SENT
            elif status in ENDED:
                ended[f"{status}:{reason}"] += 1
            else:
                figures.lost += 1
        figures.ended = dict(ended)
        return figures


def sms_received(standin: TwilioStandIn) -> Counter[str]:
    return Counter(item.params["To"] for item in standin.created)


def now_utc() -> datetime:
    return datetime.now(UTC)
