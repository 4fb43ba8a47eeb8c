"""Call and visit steps become HumanTask rows in a social workers' queue: the household's referent structure if
it has one, else the campaign owner (campaigns/queues/routing.py decides)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from campaigns.platform.ports import OutboundMessage, PermanentChannelError, SendResult
from campaigns.queues.routing import open_dispatch_task


class QueueTaskChannel:
    """Delivering a call or visit step means putting a task in front of a social worker."""

    def __init__(self, session_factory: sessionmaker[Session], kind: str) -> None:
        self.name = f"queue_{kind}"
        self._session_factory = session_factory
        self._kind = kind

    def send(self, message: OutboundMessage) -> SendResult:
        if message.dispatch_id is None:
            raise PermanentChannelError("a task needs its dispatch id")
        now = datetime.fromisoformat(message.metadata["sent_at"])
        with self._session_factory.begin() as session:
            # One task per dispatch (unique dispatch_id): a second delivery of the same row adds nothing.
            open_dispatch_task(session, dispatch_id=message.dispatch_id, kind=self._kind, now=now)
        return SendResult(status="delivered", provider_ref=f"task:{message.dispatch_id}")
