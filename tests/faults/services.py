"""Private PostgreSQL, Redis, SMTP and Celery worker processes the fault tests stop, kill and start again.

Each test run gets its own PostgreSQL cluster and Redis server on free loopback ports, so restarting them in the
middle of a batch never disturbs the machine's shared services (or another test run using them).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: object, *, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")


def _pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl is None:
        raise RuntimeError("pg_ctl introuvable : installez le paquet postgresql (scripts/setup.sh le fait)")
    return Path(pg_ctl).parent


class PrivatePostgres:
    """A throw-away cluster (initdb) run with pg_ctl; as root it runs as the `postgres` system user."""

    def __init__(self) -> None:
        # Not under pytest's private temporary folder: the `postgres` user must be able to reach it.
        self.base = Path(tempfile.mkdtemp(prefix="chaine-faults-pg-"))
        self.data = self.base / "pgdata"
        self.port = free_port()
        self.bindir = _pg_bindir()
        self._as_postgres = os.geteuid() == 0

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} a échoué ({done.returncode}) : {done.stderr.strip()[-2000:]}")

    def init(self) -> PrivatePostgres:
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.base, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        return self

    def start(self) -> None:
        # fsync=off only skips flushing to disk: the OS keeps what PostgreSQL wrote when PostgreSQL itself crashes.
        # synchronous_commit stays on: an acknowledged commit must survive the `immediate` stop, as in production.
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                   "-c fsync=off")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.base / "pg.log"), "-w", "start")

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` is a crash as far as clients see: every connection is cut, recovery runs at start."""
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def is_up(self) -> bool:
        try:
            with psycopg.connect(self.admin_dsn, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False

    def ensure_up(self) -> None:
        if not self.is_up():
            self.start()

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        self.stop("fast")
        shutil.rmtree(self.base, ignore_errors=True)


class PrivateRedis:
    """redis-server without persistence: a restart loses every queued Celery message (the worst case)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.base.mkdir(parents=True, exist_ok=True)
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.base), "--logfile", str(self.base / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self.is_up, timeout=20, what="redis")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def is_up(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def ensure_up(self) -> None:
        if not self.is_up():
            self.stop()
            self.start()


class SmtpSink:
    """tests/faults/smtp_sink.py in its own process: stopping it is a real outage (connections refused)."""

    def __init__(self, journal: Path) -> None:
        self.journal = journal
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> SmtpSink:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.smtp_sink", str(self.port), str(self.journal)], cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self.is_up, timeout=20, what="smtp sink")
        return self

    def is_up(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None


class CeleryWorker:
    """A real `celery worker` (prefork pool) in its own process group, so kill -9 takes its children too."""

    def __init__(self, env: dict[str, str], name: str, concurrency: int, log: Path) -> None:
        self.env, self.name, self.concurrency, self.log = env, name, concurrency, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> CeleryWorker:
        from campaigns.workers.celery_app import QUEUES

        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.faults.worker_main", "worker", "-Q", ",".join(QUEUES),
                 "-c", str(self.concurrency), "--loglevel", os.environ.get("CHAINE_FAULTS_LOGLEVEL", "WARNING"),
                 "-n", f"{self.name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        return self

    def kill9(self) -> None:
        """SIGKILL to the whole process group: the main process and every pool child die mid-task."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill9()
