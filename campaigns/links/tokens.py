"""Link tokens: 128 unguessable bits, shown in the message, stored only as their SHA-256.

A message planned as a contact row gets a token derived from that row with the blind index key (HMAC-SHA256, a key
never stored in the database): a retry of the same contact after an uncertain send carries the same link, so its
body is the same and the provider's idempotency holds (nothing sent twice). A message without a row (a preview)
gets 128 random bits from `secrets`.

A token is valid while its link is neither expired nor revoked, its household is still in the stage stay the
message was sent in, and its case is open (docs/web.md, « Le lien de réponse »). Anything else (a typo, a guess,
an expired or revoked link) is the same "not found" to the caller, so that no answer tells them apart.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from campaigns.crypto.columns import keyring_for
from campaigns.models import AnswerLink, Case, Household
from campaigns.models.stages import Stage
from campaigns.platform.dialect import insert_ignoring_conflicts

TOKEN_BYTES = 16  # 128 bits
# token_urlsafe(16) is 22 characters of the URL-safe base64 alphabet: anything else is refused before any query.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")
LINK_PATH = "/r/"
# Session info key of the links a task writes at once (defer_links).
_DEFERRED = "deferred_links"


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    """Where links point (CHAINE_PUBLIC_BASE_URL) and how long they hold at most (CHAINE_ANSWER_LINK_DAYS)."""

    base_url: str
    lifetime: timedelta

    def url(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}{LINK_PATH}{token}"


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """What a link is tied to: the household, the case whose reference the message printed, the partner whose
    campaign sent it, and the stage stay."""

    household_id: int
    case_id: int
    partner_id: int
    campaign_id: int
    stage: str
    stage_entry_id: int
    channel: str
    dispatch_id: int | None = None


def token_hash(token: str) -> str:
    """The stored hash of a link's token (its bytes in UTF-8: a valid token is ASCII, anything else typed in the
    address must still hash, to reach the « lien inconnu » page rather than a 500)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def well_formed(token: str) -> bool:
    return bool(_TOKEN_RE.match(token))


def _contact_token(session: Session, dispatch_id: int) -> str:
    keyring = keyring_for(session.get_bind().dialect)
    digest = bytes.fromhex(keyring.blind_index(f"lien-reponse:{dispatch_id}"))[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def issue_link(session: Session, target: LinkTarget, *, now: datetime, lifetime: timedelta) -> str:
    """The link of one message; returns the token (never stored in clear). The same contact row always gets the
    same token, and its link row is written once."""
    token = secrets.token_urlsafe(TOKEN_BYTES) if target.dispatch_id is None else _contact_token(
        session, target.dispatch_id)
    row = {"token_hash": token_hash(token), "household_id": target.household_id, "case_id": target.case_id,
           "partner_id": target.partner_id, "campaign_id": target.campaign_id, "dispatch_id": target.dispatch_id,
           "channel": target.channel, "stage": target.stage, "stage_entry_id": target.stage_entry_id,
           "created_at": now, "expires_at": now + lifetime, "failed_checks": 0}
    deferred = session.info.get(_DEFERRED)
    if target.dispatch_id is not None and isinstance(deferred, list):
        deferred.append(row)  # written with the task's other links, before its transaction commits
        return token
    # One statement: a contact's link row already written (a retried send) is kept as it is.
    statement = insert(AnswerLink) if target.dispatch_id is None else insert_ignoring_conflicts(
        session, AnswerLink.__table__, ["token_hash"])
    session.execute(statement.values(**row))
    return token


def defer_links(session: Session) -> None:
    """From now on the contacts' links issued in this session's transaction are kept until `write_deferred_links`:
    a `chaine.deliver_batch` task writes its contacts' links in one statement instead of one each. Nothing in the
    transaction reads them before (a link is read when a household follows it, once the message is out)."""
    session.info[_DEFERRED] = []


def write_deferred_links(session: Session) -> None:
    """Writes the links kept since `defer_links` (each contact's row kept as it is when already written)."""
    rows = session.info.pop(_DEFERRED, None)
    if rows:
        session.execute(insert_ignoring_conflicts(session, AnswerLink.__table__, ["token_hash"]), rows)


def find_link(session: Session, token: str, *, now: datetime) -> AnswerLink | None:
    """The valid link of this token, or None (unknown, malformed, expired, revoked, stage over, case closed)."""
    if not well_formed(token):
        return None
    link = session.scalar(select(AnswerLink).where(AnswerLink.token_hash == token_hash(token)))
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        return None
    current_entry = session.scalar(select(Household.current_entry_id).where(Household.id == link.household_id))
    case = session.get(Case, link.case_id)
    # The stay the letter was sent for is over: the household's, or the stay of a bailleur's own case (rule 7).
    if case is None or link.stage_entry_id not in (current_entry, case.stay_entry_id) or case.stage == Stage.CLOTURE \
            or case.purged_at:
        return None
    return link


def revoke_case_links(session: Session, *, case_id: int, now: datetime) -> int:
    """A case closed: its links stop working at once (docs/web.md). Returns how many were still open."""
    result = session.execute(
        update(AnswerLink).where(AnswerLink.case_id == case_id, AnswerLink.revoked_at.is_(None))
        .values(revoked_at=now), execution_options={"synchronize_session": False})
    return int(result.rowcount)  # type: ignore[attr-defined]
