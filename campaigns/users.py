"""Web accounts: creation, sign-in (Argon2id) and deactivation.

Sign-in failures take the same time whatever the reason (unknown address, wrong password, disabled account) and
return the same answer, so the login page cannot be used to learn who has an account.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.errors import NotFoundError, ValidationError
from campaigns.models import Partner, User, UserRole

MIN_PASSWORD_LENGTH = 12
# Argon2 hashes whatever it is given; a cap keeps a huge form field from costing more than a normal one.
MAX_PASSWORD_LENGTH = 256
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# argon2-cffi defaults: Argon2id, RFC 9106 "low memory" profile (t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when there is no account to check, so that a miss costs what a hit costs."""
    return _hasher.hash(secrets.token_urlsafe(32))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
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
) -> User:
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
    return user


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
        session.flush()


def session_stamp(user: User) -> str:
    """Changes when the password changes: a session opened with an older password is no longer honoured."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]
