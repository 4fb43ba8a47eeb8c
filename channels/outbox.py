"""Embedded/test adapter: writes real artefacts (PDF letters, SMS .txt, e-mails .eml) to a local outbox."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from campaigns.platform.ports import OutboundMessage, PermanentChannelError, SendResult
from channels.files import atomic_write
from channels.letter.pdf import AddressBlockError, build_letter_pdf

_EXTENSIONS = {"courrier": "pdf", "sms": "txt", "email": "eml"}
FROM_ADDRESS = "noreply@chaine.invalid"
JOURNAL = "journal.jsonl"


class OutboxChannel:
    """Writes each message once to `root/<channel>/<date>/<sha256(key)>.<ext>`; journals each real write."""

    name = "outbox"

    def __init__(self, root: Path, channel: str) -> None:
        if channel not in _EXTENSIONS:
            raise ValueError(f"canal inconnu {channel!r} (attendu : {', '.join(_EXTENSIONS)})")
        self.root = Path(root)
        self.channel = channel

    def send(self, message: OutboundMessage) -> SendResult:
        if message.channel != self.channel:
            raise PermanentChannelError(f"wrong_channel: {message.channel!r} sent to outbox {self.channel!r}")
        sent_on = _message_date(message)
        key_hash = hashlib.sha256(message.idempotency_key.encode("utf-8")).hexdigest()
        relative = Path(self.channel) / sent_on.isoformat() / f"{key_hash}.{_EXTENSIONS[self.channel]}"
        final = self.root / relative
        result = SendResult(status="delivered", provider_ref=relative.as_posix())
        if final.exists():
            return result  # already sent: skip the (costly) rendering
        content = self._content(message, sent_on, key_hash)
        # A letter's copies (the mandataire's): one more file each, beside the letter, written before it.
        copies = [(relative.with_name(f"{key_hash}.copie-{number}.{_EXTENSIONS[self.channel]}"),
                   self._content(replace(message, recipient=copy, copies=()), sent_on, key_hash))
                  for number, copy in enumerate(message.copies, start=1) if self.channel == "courrier"]
        final.parent.mkdir(parents=True, exist_ok=True)
        # The lock spans check, write and journal: two processes sending the same key cannot both write.
        with (self.root / JOURNAL).open("a", encoding="utf-8") as journal:
            fcntl.flock(journal, fcntl.LOCK_EX)
            try:
                if final.exists():
                    return result
                for path, data in [*copies, (relative, content)]:
                    atomic_write(self.root / path, data)
                    line = {"key_hash": key_hash, "channel": self.channel, "file": path.as_posix()}
                    journal.write(json.dumps(line) + "\n")
                journal.flush()
                os.fsync(journal.fileno())
            finally:
                fcntl.flock(journal, fcntl.LOCK_UN)
        return result

    def _content(self, message: OutboundMessage, sent_on: date, key_hash: str) -> bytes:
        recipient = message.recipient
        if self.channel == "sms":
            if not recipient.phone:
                raise PermanentChannelError("no_channel")
            return f"À : {recipient.phone}\n\n{message.body}\n".encode()
        if self.channel == "email":
            if not recipient.email:
                raise PermanentChannelError("no_channel")
            return _email_bytes(message, recipient.email, sent_on, key_hash)
        if not recipient.address_lines:
            raise PermanentChannelError("no_channel")
        return _letter_bytes(message, sent_on)


def _message_date(message: OutboundMessage) -> date:
    # The caller's date, not the clock: a retry after midnight must land on the same file.
    raw = message.metadata.get("date")
    if not raw:
        raise PermanentChannelError("missing_date: metadata['date'] (ISO date) is required")
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise PermanentChannelError(f"invalid_date: {raw!r}") from exc


def _letter_bytes(message: OutboundMessage, sent_on: date) -> bytes:
    reference = message.metadata.get("reference")
    if not reference:
        raise PermanentChannelError("missing_reference: metadata['reference'] is required for a letter")
    sender_lines = [line for line in message.metadata.get("sender_lines", "").split("\n") if line.strip()]
    try:
        font_size = float(message.metadata.get("font_size", "11"))
        return build_letter_pdf(
            sender_name=message.sender_name,
            sender_lines=sender_lines,
            recipient=message.recipient,
            subject=message.subject,
            html_body=message.html_body,
            letter_date=sent_on,
            reference=reference,
            font_size=font_size,
            locale=message.metadata.get("locale", "fr"),
            glossary=[tuple(item) for item in json.loads(message.metadata.get("glossary", "[]"))],
            link_url=message.metadata.get("link_url") or None,
        )
    except AddressBlockError as exc:
        raise PermanentChannelError(f"invalid_address: {exc}") from exc
    except ValueError as exc:
        raise PermanentChannelError(f"invalid_letter: {exc}") from exc


def _email_bytes(message: OutboundMessage, to_email: str, sent_on: date, key_hash: str) -> bytes:
    local, _, domain = to_email.rpartition("@")
    if not local or not domain:
        raise PermanentChannelError(f"invalid_email: {to_email!r}")
    mail = EmailMessage()
    try:
        mail["From"] = Address(display_name=message.sender_name, addr_spec=FROM_ADDRESS)
        mail["To"] = Address(display_name=message.recipient.display_name, username=local, domain=domain)
    except (ValueError, IndexError) as exc:
        raise PermanentChannelError(f"invalid_email: {to_email!r}") from exc
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(_noon_utc(sent_on))
    # Derived from the key, so a re-sent message is recognisable as the same one.
    mail["Message-ID"] = f"<{key_hash}@chaine.invalid>"
    mail.set_content(message.body or "")
    if message.html_body:
        mail.add_alternative(message.html_body, subtype="html")
    return mail.as_bytes()


def _noon_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def letter_copies(root: Path, provider_ref: str) -> list[Path]:
    """The copies written beside a letter of the outbox (`<key>.copie-<n>.pdf`, the mandataire's or another
    structure's), in the order of their number."""
    letter = Path(root) / provider_ref
    found = letter.parent.glob(f"{letter.stem}.copie-*{letter.suffix}")
    return sorted(found, key=lambda path: int(path.stem.rsplit("-", 1)[1]))
