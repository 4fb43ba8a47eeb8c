"""The workers of a structure: a display name and a supervisor flag, nothing more (minimum personal data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Worker
from campaigns.platform.errors import NotFoundError, ValidationError


def get_worker(session: Session, worker_id: int, *, partner_id: int) -> Worker:
    worker = session.get(Worker, worker_id)
    if worker is None or worker.partner_id != partner_id or not worker.active:
        raise NotFoundError("agent introuvable dans votre structure")
    return worker


def add_worker(session: Session, *, partner_id: int, name: str, is_supervisor: bool, now: datetime) -> Worker:
    name = name.strip()
    if not name:
        raise ValidationError("le nom de l'agent est vide")
    worker = Worker(partner_id=partner_id, name=name, is_supervisor=is_supervisor, active=True, created_at=now)
    session.add(worker)
    session.flush()
    return worker


def has_supervisors(session: Session, partner_id: int) -> bool:
    """Whether escalated tasks of the structure are kept for its supervisors (see queues.reserve)."""
    return session.scalar(
        select(Worker.id).where(Worker.partner_id == partner_id, Worker.is_supervisor.is_(True),
                                Worker.active.is_(True)).limit(1)
    ) is not None
