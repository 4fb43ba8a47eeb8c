"""`celery worker` for the fault tests, on the tests' clock (a Wednesday morning, so SMS sending hours are open)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta

from campaigns.platform.settings import get_settings
from campaigns.runtime.root import Runtime, set_runtime

CLOCK_OFFSET_ENV = "CHAINE_FAULTS_CLOCK_OFFSET"


def shifted_clock(offset_seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=offset_seconds)


def main() -> None:
    offset = float(os.environ[CLOCK_OFFSET_ENV])
    # The same code as `chaine worker`; only the runtime's clock is moved, by the same offset in every process.
    set_runtime(Runtime(get_settings(), clock=lambda: shifted_clock(offset)))
    from campaigns.workers.celery_app import celery_app

    celery_app.worker_main(argv=sys.argv[1:])


if __name__ == "__main__":
    main()
