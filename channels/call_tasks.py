"""Call and visit steps become HumanTask rows in the queue of the campaign owner (issue 5 routes them further)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from campaigns.db import insert_ignoring_conflicts
from campaigns.models import HumanTask, TaskStatus
from campaigns.ports import OutboundMessage, PermanentChannelError, SendResult


class QueueTaskChannel:
    """Delivering a call or visit step means putting a task in front of a social worker."""

    def __init__(self, session_factory: sessionmaker[Session], kind: str) -> None:
        self.name = f"queue_{kind}"
        self._session_factory = session_factory
        self._kind = kind

    def send(self, message: OutboundMessage) -> SendResult:
        if message.dispatch_id is None:
            raise PermanentChannelError("a task needs its dispatch id")
        meta = message.metadata
        now = datetime.fromisoformat(meta["sent_at"])
        with self._session_factory.begin() as session:
            # One task per dispatch (unique dispatch_id): a second delivery of the same row adds nothing.
            session.execute(
                insert_ignoring_conflicts(session, HumanTask, ["dispatch_id"]),
                [
                    {
                        "dispatch_id": message.dispatch_id,
                        "household_id": int(meta["household_id"]),
                        "queue_partner_id": int(meta["queue_partner_id"]),
                        "kind": self._kind,
                        "stage": meta["stage"],
                        "status": TaskStatus.PENDING.value,
                        "due_at": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                ],
            )
        return SendResult(status="delivered", provider_ref=f"task:{message.dispatch_id}")
