"""Progress of long commands (docs/operations.md): a rich bar with rows per second and time left in a terminal, a
plain line every few seconds otherwise (logs, CI), both on standard error so that standard output stays the result.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

PLAIN_EVERY_SECONDS = 5.0
POLL_SECONDS = 0.5


def follow(label: str, total: int | None, done: Callable[[], int], finished: threading.Event) -> None:
    """Shows `done()` of `total` rows until `finished` is set; `done` is read every half second."""
    console = Console(stderr=True)
    started = time.monotonic()
    if console.is_terminal:
        columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]} lignes/s"), TimeRemainingColumn())
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task(label, total=total, rate="—")
            while not finished.wait(POLL_SECONDS):
                count = done()
                progress.update(task, completed=count, rate=_rate(count, started))
            count = done()
            progress.update(task, completed=count, total=total or count, rate=_rate(count, started))
        return
    last = started
    while not finished.wait(POLL_SECONDS):
        if time.monotonic() - last >= PLAIN_EVERY_SECONDS:
            last = time.monotonic()
            typer.echo(_plain(label, done(), total, started), err=True)
    sys.stderr.flush()


def _rate(count: int, started: float) -> str:
    elapsed = time.monotonic() - started
    return f"{count / elapsed:,.0f}".replace(",", " ") if elapsed > 0 else "—"


def _plain(label: str, count: int, total: int | None, started: float) -> str:
    elapsed = max(time.monotonic() - started, 1e-9)
    rate = count / elapsed
    line = f"{label} : {count} ligne{'s' if count > 1 else ''}"
    if total:
        line += f" sur {total}"
    line += f", {rate:.0f} lignes/s"
    if total and rate > 0 and count < total:
        line += f", encore environ {round((total - count) / rate)} s"
    return line + "."


@contextmanager
def showing(label: str, total: int | None, done: Callable[[], int]) -> Iterator[None]:
    """The block does the work in this thread; the progress is drawn by another, until the block ends."""
    finished = threading.Event()
    drawer = threading.Thread(target=follow, args=(label, total, done, finished), daemon=True)
    drawer.start()
    try:
        yield
    finally:
        finished.set()
        drawer.join(5)
