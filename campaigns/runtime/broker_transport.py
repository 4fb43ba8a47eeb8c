"""The Redis transport of kombu, with one repair: a worker whose broker connection drops while it holds
unacknowledged messages (a long task running with `acks_late`, docs/operations.md "Faults") no longer dies.

kombu 5.7.0 closes the consumer's channel after the connection's transport has let go of its client; restoring the
unacknowledged messages then reads the connection settings from that client (`None`) and raises AttributeError,
which Celery treats as unrecoverable: the worker stops instead of reconnecting. The channel here keeps the client it
was opened with and reads the settings from it, so the restore fails (or succeeds) as a connection error does, and
the consumer reconnects. Whatever the restore does, the database stays the queue of record: rows whose message is
lost are claimed again after their lease.
"""

from __future__ import annotations

from typing import Any

from kombu import transport as kombu_transport
from kombu.transport import redis as kombu_redis

ALIAS_PATH = "campaigns.runtime.broker_transport:Transport"


class Channel(kombu_redis.Channel):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self._opened_with = self.connection.client

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        transport = self.connection
        if transport.client is not None or self._opened_with is None:
            params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)  # type: ignore[no-untyped-call]
            return params
        # Closing after the transport let go of its client: its settings are those the channel was opened with.
        transport.client = self._opened_with
        try:
            params = super()._connparams(asynchronous=asynchronous)  # type: ignore[no-untyped-call]
        finally:
            transport.client = None
        return params


class Transport(kombu_redis.Transport):
    Channel = Channel


def install() -> None:
    """Makes `redis://` and `rediss://` broker URLs use this transport (idempotent)."""
    for scheme in ("redis", "rediss"):
        kombu_transport.TRANSPORT_ALIASES[scheme] = ALIAS_PATH
        kombu_transport._transport_cache.pop(scheme, None)
