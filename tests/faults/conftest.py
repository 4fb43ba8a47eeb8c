"""Fixtures of the fault suite: private PostgreSQL and Redis for the whole run, a fresh rig per scenario."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from campaigns.platform.db import make_engine
from campaigns.runtime import migrate
from tests.faults.rig import SID, TOKEN, Rig
from tests.faults.services import PrivatePostgres, PrivateRedis
from tests.twilio_standin import TwilioStandIn

_databases = itertools.count()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in item.nodeid.replace(os.sep, "/"):
            item.add_marker(pytest.mark.faults)


@pytest.fixture(scope="session")
def private_pg() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres().init()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path_factory.mktemp("faults-redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def rig(private_pg: PrivatePostgres, private_redis: PrivateRedis, tmp_path: Path,
        request: pytest.FixtureRequest) -> Iterator[Rig]:
    # Whatever a scenario did to them, the services run again for the next one.
    private_pg.ensure_up()
    private_redis.ensure_up()
    url = private_pg.create_database(f"faults_{next(_databases)}")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    overrides = getattr(request, "param", {})
    with TwilioStandIn(SID, TOKEN) as standin:
        built = Rig(private_pg, private_redis, standin, tmp_path, url.rsplit("/", 1)[1], **overrides)
        try:
            yield built
        finally:
            built.stop_workers()
            private_pg.ensure_up()
            private_redis.ensure_up()
            built.runtime.engine.dispose()
