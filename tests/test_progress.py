"""Progress of long commands: the plain periodic line when standard error is not a terminal."""

from __future__ import annotations

import time

import pytest

from campaigns.cli import progress


def test_plain_lines_say_rows_rate_and_time_left(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(progress, "PLAIN_EVERY_SECONDS", 0.2)
    monkeypatch.setattr(progress, "POLL_SECONDS", 0.05)
    started = time.monotonic()

    def done() -> int:
        return int((time.monotonic() - started) * 1000)  # about 1,000 rows a second

    with progress.showing("Import n°3", 100_000, done):
        time.sleep(0.7)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) >= 2
    assert lines[0].startswith("Import n°3 : ") and " lignes sur 100000, " in lines[0]
    assert "lignes/s, encore environ " in lines[0] and lines[0].endswith(" s.")


def test_plain_line_plurals_and_unknown_total() -> None:
    now = time.monotonic()
    assert progress._plain("Purge", 1, None, now - 1).startswith("Purge : 1 ligne, ")
    assert progress._plain("Export", 0, None, now - 1) == "Export : 0 ligne, 0 lignes/s."
