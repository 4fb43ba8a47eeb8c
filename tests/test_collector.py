"""Service processes tune the garbage collector once they are set up; a test's application leaves it alone."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from campaigns.platform.collector import YOUNG_THRESHOLD

ROOT = Path(__file__).resolve().parent.parent
_REPORT = "import gc; print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"


def _in_new_process(code: str, tmp_path: Path) -> str:
    env = os.environ | {"CHAINE_DATA_DIR": str(tmp_path), "CHAINE_DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    env.pop("CHAINE_BROKER_URL", None)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout.strip().splitlines()[-1]


def test_the_uvicorn_factory_tunes_its_process(tmp_path: Path) -> None:
    # What `uvicorn api.app:create_app --factory` runs in each worker process.
    out = _in_new_process(f"from api.app import create_app; create_app(); {_REPORT}", tmp_path)
    assert out == f"{YOUNG_THRESHOLD} True"


def test_an_application_given_its_runtime_leaves_the_collector_alone(tmp_path: Path) -> None:
    code = ("from api.app import create_app; from campaigns.runtime.root import get_runtime; "
            f"create_app(get_runtime()); {_REPORT}")
    assert _in_new_process(code, tmp_path) == f"{gc.get_threshold()[0]} False"


def test_tuning_runs_once_per_process(tmp_path: Path) -> None:
    code = ("import gc; from campaigns.platform.collector import tune_collector; tune_collector(); "
            "frozen = gc.get_freeze_count(); gc.set_threshold(700); tune_collector(); "
            "print(gc.get_threshold()[0], gc.get_freeze_count() == frozen)")
    assert _in_new_process(code, tmp_path) == "700 True"
