"""SMTP e-mail adapter (aiosmtplib), driven synchronously because the Channel port is synchronous."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, TypeVar

import aiosmtplib

from campaigns.platform.ports import OutboundMessage, PermanentChannelError, RetryableChannelError, SendResult

log = logging.getLogger(__name__)

_T = TypeVar("_T")

# A connection is used again for the next message of the same thread while it has been idle less than this and has
# carried fewer than MESSAGES_PER_CONNECTION messages: a batch of e-mails costs one connection and greeting instead of
# one per message (docs/benchmarks.md). Relays close idle connections after a minute or more; an older one is closed
# and a fresh one opened, so a message is never handed to a connection the relay may already have dropped.
REUSE_IDLE_SECONDS = 10.0
MESSAGES_PER_CONNECTION = 50


class _Connection:
    """This thread's event loop and its open SMTP connection (none between uses from async code)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.smtp: aiosmtplib.SMTP | None = None
        self.last_used = 0.0
        self.sent = 0


class SmtpEmailChannel:
    """Sends one multipart (text + HTML) e-mail per message through an SMTP relay."""

    name = "smtp_email"

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        from_address: str,
        username: str | None = None,
        password: str | None = None,
        start_tls: bool = True,
        timeout: float = 30.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("username and password go together")
        _, _, domain = from_address.rpartition("@")
        if not domain:
            raise ValueError(f"from_address {from_address!r} has no domain")
        self.host = host
        self.port = port
        self.from_address = from_address
        self.username = username
        self._password = password
        self.start_tls = start_tls
        self.timeout = timeout
        self._domain = domain
        self._clock = clock or (lambda: datetime.now(UTC))
        self._local = threading.local()

    def send(self, message: OutboundMessage) -> SendResult:
        if message.channel != "email":
            raise PermanentChannelError("wrong_channel")
        to_email = message.recipient.email
        if not to_email:
            raise PermanentChannelError("no_channel")
        if not message.body and not message.html_body:
            raise PermanentChannelError("empty_body")
        mail = self._build(message, to_email)
        message_id = str(mail["Message-ID"])
        try:
            self._send_mail(mail, to_email)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refusal.code for refusal in exc.recipients]
            raise _response_error(codes[0] if codes else 550) from None
        except aiosmtplib.SMTPAuthenticationError:
            # Our credentials, not the household: must still be retried once the configuration is fixed.
            log.warning("smtp authentication refused by %s", self.host)
            raise RetryableChannelError("provider_auth") from None
        except aiosmtplib.SMTPResponseException as exc:
            raise _response_error(exc.code) from None  # the reply text may echo the address: not chained
        except (aiosmtplib.SMTPException, OSError) as exc:  # disconnects, timeouts, refused connections
            log.warning("smtp unreachable: %s", type(exc).__name__)
            raise RetryableChannelError("provider_unreachable") from None
        log.info("smtp accepted %s", message_id)
        return SendResult(status="delivered", provider_ref=message_id)

    def _build(self, message: OutboundMessage, to_email: str) -> EmailMessage:
        mail = EmailMessage()
        try:
            mail["From"] = Address(display_name=message.sender_name, addr_spec=self.from_address)
            mail["To"] = Address(display_name=message.recipient.display_name, addr_spec=to_email)
        except (ValueError, IndexError, HeaderParseError):
            raise PermanentChannelError("invalid_email") from None
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(self._clock())
        # Derived from the dedup key, never the key itself: a resent message carries the same Message-ID, so a
        # relay or mailbox that deduplicates on it can drop the copy, and the key (household data) stays private.
        key_hash = hashlib.sha256(message.idempotency_key.encode("utf-8")).hexdigest()
        mail["Message-ID"] = f"<{key_hash}@{self._domain}>"
        # RFC 3834: out-of-office robots must not answer a mass mailing; people still can.
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(message.body or "")
        if message.html_body:
            mail.add_alternative(message.html_body, subtype="html")
        return mail

    def _send_mail(self, mail: EmailMessage, to_email: str) -> None:
        """Sends on this thread's open connection (opened when there is none fit for use); any error closes it, so
        the next message starts on a fresh one. From async code: a connection of its own, as before."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            _run_sync(lambda: self._deliver(mail, to_email))
            return
        connection: _Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = _Connection()
        connection.loop.run_until_complete(self._deliver_reusing(connection, mail, to_email))

    async def _deliver_reusing(self, connection: _Connection, mail: EmailMessage, to_email: str) -> None:
        smtp = connection.smtp
        if smtp is not None and (not smtp.is_connected or connection.sent >= MESSAGES_PER_CONNECTION
                                 or time.monotonic() - connection.last_used > REUSE_IDLE_SECONDS):
            await _close(smtp)
            smtp = connection.smtp = None
        try:
            if smtp is None:
                smtp = aiosmtplib.SMTP(hostname=self.host, port=self.port, username=self.username,
                                       password=self._password, start_tls=self.start_tls, timeout=self.timeout)
                connection.smtp, connection.sent = smtp, 0
                await smtp.connect()
            await smtp.send_message(mail, sender=self.from_address, recipients=[to_email])
        except BaseException:
            connection.smtp = None
            if smtp is not None:
                smtp.close()  # dropped, not QUIT: the relay may be the one failing
            raise
        connection.sent += 1
        connection.last_used = time.monotonic()

    async def _deliver(self, mail: EmailMessage, to_email: str) -> None:
        await aiosmtplib.send(
            mail,
            sender=self.from_address,
            recipients=[to_email],
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self._password,
            start_tls=self.start_tls,
            timeout=self.timeout,
        )


async def _close(smtp: aiosmtplib.SMTP) -> None:
    """QUIT when the connection still answers, else just drop it."""
    try:
        if smtp.is_connected:
            await smtp.quit()
    except (aiosmtplib.SMTPException, OSError):
        smtp.close()


def _response_error(code: int) -> RetryableChannelError | PermanentChannelError:
    log.warning("smtp refused: %s", code)
    if 400 <= code < 500:
        return RetryableChannelError(f"smtp_{code}")
    return PermanentChannelError("provider_error")


def _run_sync(coroutine: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Runs a coroutine to completion from synchronous code, whether or not this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine())
    # A loop already runs in this thread (send() called from async code): a second loop cannot run here, so a
    # private one runs in a worker thread. This blocks the caller's loop for the duration, as any sync port would.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="smtp-send") as pool:
        return pool.submit(lambda: asyncio.run(coroutine())).result()
