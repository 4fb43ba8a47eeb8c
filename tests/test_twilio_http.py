"""The Twilio client's HTTP layer (channels/twilio_http.py): the same requests as `requests` made, and the same
failures seen by the SMS adapter (a refused connection was never sent; no answer in time is in doubt)."""

from __future__ import annotations

import http.server
import socket
import threading
from datetime import timedelta

import pytest
import requests
from requests.models import RequestEncodingMixin

from campaigns.platform.ports import OutboundMessage, OutcomeUnknownChannelError, Recipient, RetryableChannelError
from channels.sms_twilio import TwilioSmsChannel, _never_sent
from channels.twilio_http import PooledTwilioHttpClient, _form
from tests.twilio_standin import Failure, TwilioStandIn

SID, TOKEN = "AC" + "c" * 32, "jeton"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _message(number: str = "0612345678") -> OutboundMessage:
    return OutboundMessage(idempotency_key=f"cle-{number}", channel="sms", sender_name="DDETS 44",
                           recipient=Recipient(display_name="Mme Aïcha Nom", phone=number),
                           body="Bonjour, l’ADIL peut vous aider : 02 40 00 00 00. Répondez STOP pour ne plus "
                                "recevoir de SMS.")


@pytest.mark.parametrize("values", [
    {"To": "+33612345678", "Body": "Arrêt : « loyer » & dette = 1 234,56 €", "From": "+33612000000"},
    {"MediaUrl": ["https://a.example/1?x=1", "https://a.example/2"], "Skipped": None, "Count": 3, "Flag": True},
    {},
])
def test_the_form_is_encoded_as_requests_encodes_it(values: dict[str, object]) -> None:
    expected = RequestEncodingMixin._encode_params(values) if values else ""
    assert _form(values) == expected


def test_an_sms_reaches_the_standin_with_its_text_number_and_sender() -> None:
    with TwilioStandIn(SID, TOKEN) as standin:
        channel = TwilioSmsChannel(SID, TOKEN, from_number="+33612000000", base_url=standin.base_url)
        result = channel.send(_message())
        [created] = standin.created
    assert result.provider_ref == created.sid
    assert created.params["To"] == "+33612345678" and created.params["From"] == "+33612000000"
    assert created.params["Body"].startswith("Bonjour, l'ADIL peut vous aider")


def test_a_refused_connection_is_retried_and_a_lost_answer_is_in_doubt() -> None:
    refused = TwilioSmsChannel(SID, TOKEN, from_number="+33612000000", base_url=f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(RetryableChannelError) as never_sent:
        refused.send(_message())
    assert type(never_sent.value) is RetryableChannelError and str(never_sent.value) == "provider_unreachable"
    with TwilioStandIn(SID, TOKEN) as standin:
        channel = TwilioSmsChannel(SID, TOKEN, from_number="+33612000000", base_url=standin.base_url, timeout=0.3)
        standin.fail_next(Failure.lost_answer(1.0))
        with pytest.raises(OutcomeUnknownChannelError, match="provider_timeout"):
            channel.send(_message())
        assert len(standin.created) == 1  # sent once, never retried by the client itself


def test_a_rate_limit_says_when_to_come_back() -> None:
    with TwilioStandIn(SID, TOKEN) as standin:
        channel = TwilioSmsChannel(SID, TOKEN, from_number="+33612000000", base_url=standin.base_url)
        standin.fail_next(Failure.rate_limited(retry_after=120))
        with pytest.raises(RetryableChannelError) as limited:
            channel.send(_message())
        assert limited.value.retry_after == timedelta(seconds=120)
        assert standin.created == []


def test_a_site_behind_a_proxy_of_the_environment_keeps_requests_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    client = PooledTwilioHttpClient(timeout=5)
    assert client._pool("https://api.twilio.com/2010-04-01/Accounts.json") is None
    assert client._pool("http://127.0.0.1:8080/2010-04-01/Accounts.json") is not None


class _GarbledAnswer(http.server.BaseHTTPRequestHandler):
    """Twilio accepted the SMS (201) but its gzip body cannot be read."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"\x1f\x8b not gzip at all"
        self.send_response(201)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_accepted_sms_whose_answer_cannot_be_read_is_in_doubt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found in review: urllib3's DecodeError is no OSError; retried as « never sent » it would send the SMS twice."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _GarbledAnswer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = PooledTwilioHttpClient(timeout=5)
        with pytest.raises(requests.ConnectionError) as raised:
            client.request("POST", f"http://127.0.0.1:{server.server_address[1]}/Messages.json",
                           data={"To": "+33600000000", "Body": "x"}, auth=("AC", "t"))
        assert isinstance(raised.value, OSError) and not _never_sent(raised.value)
    finally:
        server.shutdown()
