"""Garbage collector settings for the long-lived service processes (API and Celery workers)."""

from __future__ import annotations

import functools
import gc

# A 5,000-row push holds about a million objects at once (rows, person records and their features, SQL
# parameters). With Python's default thresholds (700, 10, 10) the collector walks the whole heap again and again
# while they are made: measured on bench/intake.py, a quarter of the API's CPU (half of the records' feature
# cost). The objects made at start-up (modules, SQLAlchemy metadata, templates) are put out of its reach, and a
# young collection runs every 50,000 allocations instead of 700 (77 µs of API CPU less per pushed row at the same
# peak memory). Our objects seldom form cycles: reference counting frees them as before.
YOUNG_THRESHOLD = 50_000


@functools.cache
def tune_collector() -> None:
    """Once per process, when it is ready to serve (after imports and set-up)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 10, 10)
