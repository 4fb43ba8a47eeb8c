"""Partners and their API keys (hashed at rest, shown once)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.errors import NotFoundError, ValidationError
from campaigns.models import ApiKey, Partner, PartnerKind

KEY_PREFIX = "chn_"


def hash_key(key: str) -> str:
    # Keys are 256-bit random tokens: a plain SHA-256 is enough (no dictionary to guard against).
    return hashlib.sha256(key.encode()).hexdigest()


def add_partner(
    session: Session,
    *,
    name: str,
    kind: str,
    now: datetime,
    contact_phone: str | None = None,
    contact_address: str | None = None,
) -> Partner:
    try:
        partner_kind = PartnerKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in PartnerKind)
        raise ValidationError(f"type de partenaire inconnu « {kind} » : valeurs possibles {allowed}") from None
    name = name.strip()
    if not name:
        raise ValidationError("le nom du partenaire est vide")
    if session.scalar(select(Partner.id).where(Partner.name == name)) is not None:
        raise ValidationError(f"un partenaire nommé « {name} » existe déjà")
    partner = Partner(
        name=name,
        kind=partner_kind.value,
        contact_phone=contact_phone,
        contact_address=contact_address,
        created_at=now,
    )
    session.add(partner)
    session.flush()
    return partner


def issue_key(session: Session, *, partner: Partner, now: datetime) -> str:
    """Creates a key and returns it in clear: the only time it exists outside the caller's hands."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(partner_id=partner.id, key_hash=hash_key(key), prefix=key[:10], created_at=now))
    session.flush()
    return key


def authenticate(session: Session, key: str) -> Partner | None:
    api_key = session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
    )
    return api_key.partner if api_key is not None else None


def get_partner_by_name(session: Session, name: str) -> Partner:
    partner = session.scalar(select(Partner).where(Partner.name == name))
    if partner is None:
        raise NotFoundError(f"partenaire inconnu « {name} »")
    return partner


def find_partner_by_name(session: Session, name: str) -> Partner | None:
    return session.scalar(select(Partner).where(Partner.name == name))
