"""The outsider's world: the app on a fresh SQLite file, the CLI on the same file, the tests' clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from campaigns.platform.settings import Settings
from campaigns.runtime.root import Runtime
from tests.conftest import Clock
from tests.outsider.world import World


@pytest.fixture
def world(sqlite_template: Path, tmp_path: Path, clock: Clock) -> Iterator[World]:
    shutil.copyfile(sqlite_template, tmp_path / "chaine.db")
    url = f"sqlite:///{tmp_path / 'chaine.db'}"
    runtime = Runtime(Settings(database_url=url, data_dir=tmp_path, outbox_dir=tmp_path / "outbox"), clock=clock)
    with TestClient(create_app(runtime)) as client:
        yield World(client=client, clock=clock, db_url=url, data_dir=tmp_path)
    runtime.join_background(30)
    runtime.engine.dispose()
