"""Call and visit steps become tasks in a social workers' queue.

Which queue, and how urgent, is the core's decision (campaigns/queues/routing.py); the runtime hands this adapter
that decision as a function, so the channel knows only the port (campaigns/platform/ports.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from campaigns.platform.ports import OutboundMessage, PermanentChannelError, SendResult

# (session, dispatch id, kind "appel" | "visite", now) -> None; opens at most one task per dispatch.
TaskOpener = Callable[[Session, int, str, datetime], None]


class QueueTaskChannel:
    """Delivering a call or visit step means putting a task in front of a social worker."""

    def __init__(self, session_factory: sessionmaker[Session], kind: str, open_task: TaskOpener) -> None:
        self.name = f"queue_{kind}"
        self._session_factory = session_factory
        self._kind = kind
        self._open_task = open_task

    def send(self, message: OutboundMessage) -> SendResult:
        if message.dispatch_id is None:
            raise PermanentChannelError("a task needs its dispatch id")
        now = datetime.fromisoformat(message.metadata["sent_at"])
        with self._session_factory.begin() as session:
            # One task per dispatch (unique dispatch_id): a second delivery of the same row adds nothing.
            self._open_task(session, message.dispatch_id, self._kind, now)
        return SendResult(status="delivered", provider_ref=f"task:{message.dispatch_id}")
