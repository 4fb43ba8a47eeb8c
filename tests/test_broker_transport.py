"""The repaired Redis transport (campaigns/runtime/broker_transport.py): a worker's channel closed after its
transport let go of the client still reads its connection settings (kombu 5.7.0 raised AttributeError there, and
Celery stopped the worker for good: tests/faults/test_broker_outage.py)."""

from __future__ import annotations

from campaigns.runtime.broker_transport import Channel, Transport
from campaigns.runtime.jobs import make_celery
from tests.conftest import REDIS_URL


def test_redis_urls_use_the_repaired_transport_and_its_channel_survives_a_released_client() -> None:
    app = make_celery(REDIS_URL)
    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, Transport)
        channel = connection.default_channel
        assert isinstance(channel, Channel)
        expected = channel._connparams()
        connection.transport.client = None  # what kombu's close leaves before the channel restores its messages
        try:
            assert channel._connparams() == expected
            assert connection.transport.client is None  # lent back for the call only
        finally:
            connection.transport.client = connection
