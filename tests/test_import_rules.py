"""The import rules of docs/architecture.md are import-linter contracts (pyproject.toml): they hold on the code, and
they fail as soon as someone adds a cycle or an arrow that runs back up a layer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--config", str(tree / "pyproject.toml"), "--no-cache"], cwd=tree,
                          capture_output=True, text=True, timeout=300, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)})


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in ("campaigns", "channels", "api"):
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__", "_assets"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_code_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_cycle_between_packages_is_refused(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    # planning already reaches messages; messages reaching back to planning closes a cycle.
    (tree / "campaigns" / "messages" / "back_edge.py").write_text(
        "from campaigns.planning import sequences\n\nSEQUENCES = sequences\n")
    result = _lint(tree)
    assert result.returncode != 0
    assert "No import cycle between sibling packages or modules BROKEN" in " ".join(result.stdout.split())
    assert "campaigns.messages.back_edge" in result.stdout


def test_a_channel_reaching_into_the_core_is_refused(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    (tree / "channels" / "peek.py").write_text("from campaigns.models import Household\n\nHOUSEHOLD = Household\n")
    result = _lint(tree)
    assert result.returncode != 0
    assert "channels.peek -> campaigns.models" in result.stdout
