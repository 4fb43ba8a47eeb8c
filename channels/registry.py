"""Which adapter serves which channel; the only place where embedded, test and production differ for channels."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from campaigns.ports import Channel
from channels.call_tasks import QueueTaskChannel
from channels.outbox import OutboxChannel


def build_channels(*, outbox_dir: Path, session_factory: sessionmaker[Session]) -> dict[str, Channel]:
    """Courrier, SMS and e-mail go to the outbox until provider adapters are configured (issue 4)."""
    return {
        "courrier": OutboxChannel(outbox_dir, "courrier"),
        "sms": OutboxChannel(outbox_dir, "sms"),
        "email": OutboxChannel(outbox_dir, "email"),
        "appel": QueueTaskChannel(session_factory, "appel"),
        "visite": QueueTaskChannel(session_factory, "visite"),
    }
