"""Administration of web accounts by an administrator: list, change the role, disable and enable again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.accounts.users import WORKER_ROLES, link_worker, parse_role
from campaigns.models import User, UserRole, Worker
from campaigns.platform.errors import NotFoundError, ValidationError


def list_users(session: Session, *, partner_id: int) -> list[User]:
    return list(session.scalars(select(User).where(User.partner_id == partner_id).order_by(User.email)))


def get_user(session: Session, user_id: int, *, partner_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.partner_id != partner_id:
        raise NotFoundError("compte introuvable pour ce partenaire")
    return user


def change_role(session: Session, *, user: User, role: str, now: datetime) -> None:
    """A new role; an agent or supervisor account is linked to a worker of the matching kind (a new one if the
    account had none or had the other kind), other roles act on no queue."""
    new_role = parse_role(role)
    if new_role.value == user.role:
        return
    user.role = new_role.value
    if new_role in WORKER_ROLES:
        worker = session.get(Worker, user.worker_id) if user.worker_id else None
        if worker is None or worker.is_supervisor != (new_role is UserRole.SUPERVISEUR):
            user.worker_id = None
            session.flush()
            link_worker(session, user=user, worker_id=None, now=now)
    else:
        user.worker_id = None
    session.flush()


def enable_user(session: Session, *, user: User) -> None:
    if user.disabled_at is not None:
        user.disabled_at = None
        session.flush()


def check_not_self(user: User, acting_user_id: int) -> None:
    if user.id == acting_user_id:
        raise ValidationError("vous ne pouvez pas modifier votre propre rôle ni désactiver votre propre compte : "
                              "demandez-le à un autre administrateur")
