"""The one port every channel adapter implements, and the messages that cross it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Recipient:
    """What a channel needs to reach a household, nothing more."""

    display_name: str
    address_lines: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A rendered message, ready for a provider. `idempotency_key` is the Dispatch dedup key."""

    idempotency_key: str
    channel: str
    recipient: Recipient
    sender_name: str
    subject: str = ""
    body: str = ""
    html_body: str = ""
    # For call/visit tasks: which queue receives the task and which household it is about.
    dispatch_id: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    # A letter's other addressees, each sent the same letter in its own envelope: the mandataire of a protected
    # adult ("aux bons soins de", docs/campaigns.md "Address block").
    copies: tuple[Recipient, ...] = ()


@dataclass(frozen=True, slots=True)
class SendResult:
    """`status` is `delivered` when the provider has it for good, `sending` when a callback will follow."""

    status: str
    provider_ref: str


class ChannelError(Exception):
    """A provider refused or failed; adapters raise one of the two subclasses, once, at their edge."""


class RetryableChannelError(ChannelError):
    """Try again later (timeout, 5xx, rate limit); `retry_after` is the provider's own wait (HTTP Retry-After)."""

    def __init__(self, reason: str, *, retry_after: timedelta | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class OutcomeUnknownChannelError(RetryableChannelError):
    """The request may have reached the provider (read timeout, connection cut after sending): the message may
    be out. The next attempt asks the provider first (`ReconcilableChannel`) instead of sending blindly."""


class PermanentChannelError(ChannelError):
    """Never retry (invalid number, refused address)."""


class Channel(Protocol):
    """Sends one message. Must be idempotent on `message.idempotency_key`."""

    name: str

    def send(self, message: OutboundMessage) -> SendResult: ...


@runtime_checkable
class ReconcilableChannel(Protocol):
    """A channel whose provider can say whether it already accepted a message (after a crash or a timeout)."""

    def find_sent(self, message: OutboundMessage, *, since: datetime) -> SendResult | None:
        """The provider's record of `message` accepted since `since`, or None when it certainly has none.
        Raises RetryableChannelError when the provider cannot be asked now."""
        ...
