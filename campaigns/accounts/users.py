"""Web accounts: creation, sign-in (Argon2id) and deactivation.

Sign-in failures take the same time whatever the reason (unknown address, wrong password, disabled account) and
return the same answer, so the login page cannot be used to learn who has an account.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.accounts.staff import add_worker, get_worker
from campaigns.accounts.web_sessions import revoke_user_sessions
from campaigns.models import Partner, User, UserRole, Worker
from campaigns.platform.errors import NotFoundError, ValidationError

MIN_PASSWORD_LENGTH = 12
# Argon2 hashes whatever it is given; a cap keeps a huge form field from costing more than a normal one.
MAX_PASSWORD_LENGTH = 256
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The roles that act on the social workers' queues, each account as one worker of its structure.
WORKER_ROLES = frozenset({UserRole.AGENT, UserRole.SUPERVISEUR})
WORKER_NAME_LENGTH = 100

# argon2-cffi defaults: Argon2id, RFC 9106 "low memory" profile (t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()
# Each hash holds 64 MiB while it runs: with the server's 40 worker threads, a burst of logins held up to 2.5 GiB
# (300 bad logins took the process from 252 to 1,454 MiB). Two at a time bound it to 128 MiB; the others queue.
MAX_CONCURRENT_HASHES = 2
_hashing = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


_dummy_lock = threading.Lock()


def _dummy_hash() -> str:
    """Verified against when there is no account to check, so that a miss costs what a hit costs. Computed once:
    concurrent first misses wait for it rather than each hashing (each hash holds 64 MiB)."""
    with _dummy_lock:
        return _dummy_hash_once()


@cache
def _dummy_hash_once() -> str:
    return hash_password(secrets.token_urlsafe(32))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        with _hashing:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(f"le mot de passe ne doit pas dépasser {MAX_PASSWORD_LENGTH} caractères")


def parse_role(role: str) -> UserRole:
    try:
        return UserRole(role.strip())
    except ValueError:
        allowed = ", ".join(r.value for r in UserRole)
        raise ValidationError(f"rôle inconnu « {role} » : valeurs possibles {allowed}") from None


def add_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    partner: Partner,
    role: str,
    now: datetime,
    worker_id: int | None = None,
) -> User:
    """An agent or supervisor account acts on the queues as `worker_id`, or as a worker created for it."""
    address = normalize_email(email)
    if len(address) > 254 or not _EMAIL.fullmatch(address):
        raise ValidationError("adresse électronique invalide (format attendu : nom@domaine.fr)")
    name = display_name.strip()
    if not name or len(name) > 200:
        raise ValidationError("le nom affiché doit compter entre 1 et 200 caractères")
    user_role = parse_role(role)
    check_password_rules(password)
    if find_user_by_email(session, address) is not None:
        raise ValidationError("un compte existe déjà pour cette adresse électronique")
    user = User(
        email=address,
        display_name=name,
        password_hash=hash_password(password),
        partner_id=partner.id,
        role=user_role.value,
        created_at=now,
    )
    session.add(user)
    session.flush()
    if user_role in WORKER_ROLES:
        link_worker(session, user=user, worker_id=worker_id, now=now)
    elif worker_id is not None:
        raise ValidationError("seuls les comptes agent et superviseur sont reliés à un agent")
    return user


def link_worker(session: Session, *, user: User, worker_id: int | None, now: datetime) -> Worker:
    """Links an agent or supervisor account to a worker of its partner: `worker_id`, else a new worker named
    after the account. A supervisor's worker supervises, an agent's does not: the queues check that flag."""
    role = UserRole(user.role)
    if role not in WORKER_ROLES:
        raise ValidationError("seuls les comptes agent et superviseur sont reliés à un agent")
    supervisor = role is UserRole.SUPERVISEUR
    if worker_id is None:
        worker = add_worker(session, partner_id=user.partner_id, name=user.display_name[:WORKER_NAME_LENGTH],
                            is_supervisor=supervisor, now=now)
    else:
        worker = get_worker(session, worker_id, partner_id=user.partner_id)
        if worker.is_supervisor != supervisor:
            expected = "superviseur" if supervisor else "agent (non superviseur)"
            raise ValidationError(f"l'agent n° {worker.id} ne correspond pas au rôle du compte : il faut un {expected}")
        linked = session.scalar(select(User.id).where(User.worker_id == worker.id, User.id != user.id))
        if linked is not None:
            raise ValidationError(f"l'agent n° {worker.id} est déjà relié à un autre compte")
    user.worker_id = worker.id
    session.flush()
    return worker


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def get_user_by_email(session: Session, email: str) -> User:
    user = find_user_by_email(session, email)
    if user is None:
        raise NotFoundError("aucun compte pour cette adresse électronique")
    return user


def authenticate(session: Session, *, email: str, password: str, now: datetime) -> User | None:
    """The account if the password matches and the account is active; None otherwise, in constant time."""
    user = find_user_by_email(session, email)
    if user is None or len(password) > MAX_PASSWORD_LENGTH:
        _verify(_dummy_hash(), password[:MAX_PASSWORD_LENGTH])
        return None
    if not _verify(user.password_hash, password) or user.disabled_at is not None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    session.flush()
    return user


def disable_user(session: Session, *, user: User, now: datetime) -> None:
    """The account can no longer sign in, and its open sessions end at their next request."""
    if user.disabled_at is None:
        user.disabled_at = now
        revoke_user_sessions(session, user_id=user.id, now=now)
        session.flush()


def set_password(session: Session, *, user: User, password: str, now: datetime) -> int:
    """A new password for the account; every session opened with the former one ends. Returns how many ended."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    session.flush()
    return revoke_user_sessions(session, user_id=user.id, now=now)


def session_stamp(user: User) -> str:
    """Changes when the password changes: a session opened with an older password is no longer honoured."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]
