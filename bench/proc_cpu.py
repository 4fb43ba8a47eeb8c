"""CPU seconds of processes read from /proc (Linux): a process with its children (uvicorn, a Celery worker and its
pool), and the PostgreSQL backends serving one database (sampled, as backends come and go).

Used by bench/load.py to say where the CPU of a run went, which wall-clock rates cannot on a shared machine.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import psycopg

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text[text.rindex(")") + 2:].split()  # fields from the third (state) on: the name may hold spaces


def own_cpu(pid: int) -> float:
    """User and system CPU seconds of one process, its reaped children included."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / TICK


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and of every live descendant (a Celery worker's pool processes)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None:
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += own_cpu(current)
        todo += parents.get(current, [])
    return total


class BackendCpu:
    """The PostgreSQL backends connected to `database`, sampled every `period` seconds: the CPU each used since it was
    first seen (a backend that ends between two samples loses at most one period)."""

    def __init__(self, dsn: str, database: str, period: float = 1.0) -> None:
        self.dsn, self.database, self.period = dsn, database, period
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> BackendCpu:
        self.thread.start()
        return self

    def _run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while True:
                pids = [row[0] for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.database,))]
                for pid in pids:
                    used = own_cpu(pid)
                    self.first.setdefault(pid, used)
                    self.last[pid] = used
                if self.stop.wait(self.period):
                    return

    def seconds(self) -> float:
        """CPU seconds the backends used since sampling began."""
        return sum(self.last[pid] - self.first[pid] for pid in self.last)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
