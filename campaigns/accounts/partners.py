"""Partners and their API keys (hashed at rest, shown once)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.locale.clock import PARIS, local_date
from campaigns.models import ApiKey, Partner, PartnerKind
from campaigns.platform.errors import NotFoundError, ValidationError

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


def key_expiry(last_day: date | None, *, now: datetime) -> datetime | None:
    """The end of `last_day` in Paris (a key "valable jusqu'au 30/06/2027 inclus"), refused if already past."""
    if last_day is None:
        return None
    if last_day < local_date(now):
        raise ValidationError(f"date d'expiration {last_day:%d/%m/%Y} déjà passée : une date à venir est attendue")
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=PARIS)


def issue_key(session: Session, *, partner: Partner, now: datetime, expires_at: datetime | None = None) -> str:
    """Creates a key and returns it in clear: the only time it exists outside the caller's hands."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(partner_id=partner.id, key_hash=hash_key(key), prefix=key[:10], created_at=now,
                       expires_at=expires_at))
    session.flush()
    return key


def authenticate(session: Session, key: str, *, now: datetime | None = None) -> Partner | None:
    """The key's partner, unless the key is unknown, revoked or (given `now`) expired."""
    api_key = session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
    )
    if api_key is None or (now is not None and api_key.expires_at is not None and api_key.expires_at <= now):
        return None
    return api_key.partner


def get_partner_by_name(session: Session, name: str) -> Partner:
    partner = session.scalar(select(Partner).where(Partner.name == name))
    if partner is None:
        raise NotFoundError(f"partenaire inconnu « {name} »")
    return partner


def find_partner_by_name(session: Session, name: str) -> Partner | None:
    return session.scalar(select(Partner).where(Partner.name == name))


def list_partners(session: Session) -> list[Partner]:
    return list(session.scalars(select(Partner).order_by(Partner.name)))


def get_partner(session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundError("partenaire introuvable")
    return partner


def list_keys(session: Session, partner_id: int) -> list[ApiKey]:
    """A partner's keys, newest first: only their prefix, dates and state are kept (never the key itself)."""
    return list(session.scalars(
        select(ApiKey).where(ApiKey.partner_id == partner_id).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())))


def revoke_key(session: Session, *, key_id: int, partner_id: int, now: datetime) -> ApiKey:
    """The key stops working at once (the next call with it answers 401). Revoking twice changes nothing."""
    api_key = session.get(ApiKey, key_id)
    if api_key is None or api_key.partner_id != partner_id:
        raise NotFoundError("clé d'API introuvable pour ce partenaire")
    if api_key.revoked_at is None:
        api_key.revoked_at = now
        session.flush()
    return api_key
