"""Erasing the outbox's artefacts when the retention period is over: letters, SMS and e-mails of purged
households, and the print runs (lots) older than the period. They hold names, addresses and debts in clear."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from datetime import date
from pathlib import Path

# What OutboxChannel writes: <channel>/<day>/<sha256 of the dedup key>.<ext>. Anything else is not ours to delete.
_ARTEFACT = re.compile(r"(courrier|sms|email)/\d{4}-\d{2}-\d{2}/[0-9a-f]{64}\.(pdf|txt|eml)")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def erase_artefacts(root: Path, provider_refs: Iterable[str]) -> int:
    """Deletes the outbox files named by these provider references, and the copies of each letter written beside it
    (`<hash>.copie-<n>.pdf`: the mandataire's, a notice's to the second social service); returns how many were
    there."""
    erased = 0
    for ref in provider_refs:
        if not _ARTEFACT.fullmatch(ref):
            continue  # another provider's reference (a Twilio sid, a Message-ID), or not a path we wrote
        path = root / ref
        for copy in sorted(path.parent.glob(f"{path.stem}.copie-*{path.suffix}")):
            copy.unlink(missing_ok=True)
            erased += 1
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        erased += 1
    return erased


def erase_print_runs(lots: Path, *, before: date) -> int:
    """Deletes the print runs (`lots/<day>/`: one PDF and one manifest per partner) of the days before `before`."""
    if not lots.is_dir():
        return 0
    erased = 0
    for folder in lots.iterdir():
        if folder.is_dir() and _DAY.fullmatch(folder.name) and date.fromisoformat(folder.name) < before:
            shutil.rmtree(folder)
            erased += 1
    return erased
