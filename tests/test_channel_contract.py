"""One contract for every channel adapter (outbox, Twilio, SMTP), plus SMS encoding and Twilio helper units."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from twilio.request_validator import RequestValidator

from campaigns.locale.sms_encoding import normalise_sms_typography, sms_info
from campaigns.platform.ports import Channel, OutboundMessage, PermanentChannelError, Recipient, RetryableChannelError
from channels.email_smtp import SmtpEmailChannel
from channels.outbox import OutboxChannel
from channels.sms_twilio import (
    TwilioSmsChannel,
    french_mobile_e164,
    is_stop_keyword,
    map_twilio_status,
    verify_twilio_signature,
)
from tests.twilio_standin import Failure, TwilioStandIn

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
PHONE = "+33612345678"
EMAIL = "camille.durand@example.org"
FAST_TIMEOUT = 0.5  # seconds; simulated timeouts sleep past it


def make_message(
    channel: str, *, key: str = "dispatch-1", body: str | None = None, **contact: str | None
) -> OutboundMessage:
    recipient = Recipient(
        display_name="Camille Durand",
        address_lines=("14 rue des Olivettes", "44000 NANTES"),
        phone=contact.get("phone", PHONE),
        email=contact.get("email", EMAIL),
    )
    return OutboundMessage(
        idempotency_key=key,
        channel=channel,
        recipient=recipient,
        sender_name="Habitat 44",
        subject="Votre loyer de novembre",
        body=body if body is not None else "Bonjour, votre loyer de novembre manque. Appelez votre conseillere.",
        html_body="<p>Bonjour, votre loyer de novembre manque.</p>",
        metadata={"date": "2026-11-25"},
    )


@dataclass(frozen=True)
class Arrival:
    """What reached the far end: recipient, subject (empty for SMS), text body."""

    recipient: str
    subject: str
    body: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parse_mail(raw: bytes) -> EmailMessage:
    mail = BytesParser(policy=default_policy).parsebytes(raw)
    assert isinstance(mail, EmailMessage)
    return mail


def mail_arrival(mail: EmailMessage) -> Arrival:
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    return Arrival(mail["To"].addresses[0].addr_spec, str(mail["Subject"]), text.get_content().strip())


class Harness:
    """An adapter, what arrived at its far end, and how to make that end fail (`inject`) and recover (`heal`)."""

    kind: str  # the OutboundMessage.channel the adapter serves
    accepted_status: str
    channel: Channel

    def arrivals(self) -> list[Arrival]:
        raise NotImplementedError

    def inject(self, failure: str) -> None:
        raise NotImplementedError

    def heal(self) -> None:
        raise NotImplementedError

    def expected(self, message: OutboundMessage) -> Arrival:
        if self.kind == "sms":
            return Arrival(message.recipient.phone or "", "", message.body)
        return Arrival(message.recipient.email or "", message.subject, message.body)


class OutboxHarness(Harness):
    accepted_status = "delivered"

    def __init__(self, root: Path, kind: str) -> None:
        self.root, self.kind = root, kind
        self.channel = OutboxChannel(root, kind)

    def arrivals(self) -> list[Arrival]:
        found = []
        for path in sorted((self.root / self.kind).rglob("*.*")):
            if self.kind == "email":
                found.append(mail_arrival(parse_mail(path.read_bytes())))
            else:
                header, _, body = path.read_text(encoding="utf-8").partition("\n\n")
                found.append(Arrival(header.removeprefix("À : "), "", body.rstrip("\n")))
        return found


class TwilioHarness(Harness):
    kind = "sms"
    accepted_status = "sending"
    failures: ClassVar[dict[str, Failure]] = {
        "http_500": Failure.server_error(500),
        "http_503": Failure.server_error(503),
        "http_429": Failure.rate_limited(),
        "timeout": Failure.timeout(3.0),
        "21211": Failure.twilio_error(21211),
        "21610": Failure.twilio_error(21610),
        "21614": Failure.twilio_error(21614),
        "21606": Failure.twilio_error(21606),
    }

    def __init__(self, standin: TwilioStandIn) -> None:
        self.standin = standin
        self.channel = self.make_channel(standin.base_url)

    @staticmethod
    def make_channel(base_url: str, **options: Any) -> TwilioSmsChannel:
        settings: dict[str, Any] = {"messaging_service_sid": SERVICE_SID, "timeout": FAST_TIMEOUT} | options
        return TwilioSmsChannel(ACCOUNT_SID, AUTH_TOKEN, base_url=base_url, **settings)

    def arrivals(self) -> list[Arrival]:
        return [Arrival(item.params["To"], "", item.params["Body"]) for item in self.standin.created]

    def inject(self, failure: str) -> None:
        if failure == "connection_refused":
            self.channel = self.make_channel(f"http://127.0.0.1:{free_port()}")
        else:
            self.standin.fail_next(self.failures[failure])

    def heal(self) -> None:
        self.standin.clear_failures()
        self.channel = self.make_channel(self.standin.base_url)


class RecordingHandler:
    """aiosmtpd handler: keeps each accepted message, or answers `failure` = (stage, reply, delay) instead."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.failure: tuple[str, str, float] | None = None

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.failure and self.failure[0] == "rcpt":
            return self.failure[1]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        failure = self.failure  # read once: a sleeping failure must not turn into a late success after heal()
        if failure and failure[0] == "data":
            await asyncio.sleep(failure[2])
            return failure[1]
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


class SmtpHarness(Harness):
    kind = "email"
    accepted_status = "delivered"
    failures: ClassVar[dict[str, tuple[str, str, float]]] = {
        "451_data": ("data", "451 4.3.0 Try again later", 0.0),
        "450_rcpt": ("rcpt", "450 4.2.1 Mailbox busy", 0.0),
        "timeout": ("data", "451 4.4.2 Too late", 3.0),
        "550_rcpt": ("rcpt", "550 5.1.1 No such user", 0.0),
        "554_data": ("data", "554 5.7.1 Rejected", 0.0),
    }

    def __init__(self, handler: RecordingHandler, port: int) -> None:
        self.handler, self.port = handler, port
        self.channel = self.make_channel(port)

    @staticmethod
    def make_channel(port: int) -> SmtpEmailChannel:
        return SmtpEmailChannel(
            "127.0.0.1", port, from_address="relances@habitat44.example", start_tls=False, timeout=FAST_TIMEOUT
        )

    def arrivals(self) -> list[Arrival]:
        return [mail_arrival(parse_mail(raw)) for _, _, raw in self.handler.messages]

    def inject(self, failure: str) -> None:
        if failure == "connection_refused":
            self.channel = self.make_channel(free_port())
        else:
            self.handler.failure = self.failures[failure]

    def heal(self) -> None:
        self.handler.failure = None
        self.channel = self.make_channel(self.port)


@contextmanager
def open_harness(name: str, tmp_path: Path) -> Iterator[Harness]:
    if name.startswith("outbox_"):
        yield OutboxHarness(tmp_path / "outbox", name.removeprefix("outbox_"))
    elif name == "twilio_sms":
        with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as standin:
            yield TwilioHarness(standin)
    else:
        handler = RecordingHandler()
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        try:
            yield SmtpHarness(handler, controller.port)
        finally:
            controller.stop()


ADAPTERS = ["outbox_sms", "outbox_email", "twilio_sms", "smtp_email"]
RETRYABLE = [
    *(("twilio_sms", f) for f in ("http_500", "http_503", "http_429", "timeout", "connection_refused")),
    *(("smtp_email", f) for f in ("451_data", "450_rcpt", "timeout", "connection_refused")),
]
PERMANENT = [
    ("twilio_sms", "21211", "no_channel"),
    ("twilio_sms", "21614", "no_channel"),
    ("twilio_sms", "21610", "opted_out"),
    ("twilio_sms", "21606", "provider_error"),
    ("smtp_email", "550_rcpt", "provider_error"),
    ("smtp_email", "554_data", "provider_error"),
]


@pytest.fixture(params=ADAPTERS)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    with open_harness(request.param, tmp_path) as opened:
        yield opened


# --- The contract -------------------------------------------------------------------------------------------------


def test_valid_message_is_accepted_and_arrives_once(harness: Harness) -> None:
    message = make_message(harness.kind)
    result = harness.channel.send(message)
    assert result.status == harness.accepted_status
    assert result.provider_ref
    assert harness.arrivals() == [harness.expected(message)]


def test_missing_contact_is_permanent_no_channel(harness: Harness) -> None:
    message = make_message(harness.kind, phone=None, email=None)
    with pytest.raises(PermanentChannelError) as raised:
        harness.channel.send(message)
    assert str(raised.value) == "no_channel"
    assert harness.arrivals() == []


def test_message_for_another_channel_is_refused(harness: Harness) -> None:
    with pytest.raises(PermanentChannelError):
        harness.channel.send(make_message("courrier"))
    assert harness.arrivals() == []


@pytest.mark.parametrize(("adapter", "failure"), RETRYABLE)
def test_provider_trouble_is_retryable_and_a_retry_arrives_once(adapter: str, failure: str, tmp_path: Path) -> None:
    with open_harness(adapter, tmp_path) as harness:
        message = make_message(harness.kind)
        harness.inject(failure)
        with pytest.raises(RetryableChannelError):
            harness.channel.send(message)
        assert harness.arrivals() == []
        harness.heal()
        assert harness.channel.send(message).status == harness.accepted_status
        assert harness.arrivals() == [harness.expected(message)]


@pytest.mark.parametrize(("adapter", "failure", "reason"), PERMANENT)
def test_provider_refusal_is_permanent(adapter: str, failure: str, reason: str, tmp_path: Path) -> None:
    with open_harness(adapter, tmp_path) as harness:
        harness.inject(failure)
        with pytest.raises(PermanentChannelError) as raised:
            harness.channel.send(make_message(harness.kind))
        assert str(raised.value) == reason
        assert harness.arrivals() == []


# --- Twilio adapter specifics -------------------------------------------------------------------------------------


@pytest.fixture
def standin() -> Iterator[TwilioStandIn]:
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as running:
        yield running


def test_twilio_sends_normalised_body_with_service_and_callback(standin: TwilioStandIn) -> None:
    channel = TwilioHarness.make_channel(standin.base_url, status_callback="https://chaine.example/twilio/status")
    channel.send(make_message("sms", phone="06 12 34 56 78", body="L’échéance « impayée » – rappel…"))
    [sent] = standin.created
    assert sent.params["To"] == PHONE
    assert sent.params["Body"] == 'L\'échéance " impayée " - rappel...'
    assert sent.params["MessagingServiceSid"] == SERVICE_SID
    assert sent.params["StatusCallback"] == "https://chaine.example/twilio/status"
    assert "From" not in sent.params
    assert "dispatch-1" not in str(sent.params)  # the dedup key never leaves chaîne


def test_twilio_from_number_and_provider_ref_is_the_sid(standin: TwilioStandIn) -> None:
    channel = TwilioHarness.make_channel(standin.base_url, messaging_service_sid=None, from_number="+33700000001")
    result = channel.send(make_message("sms"))
    [sent] = standin.created
    assert sent.params["From"] == "+33700000001"
    assert result.provider_ref == sent.sid
    assert result.provider_ref.startswith("SM") and len(result.provider_ref) == 34


@pytest.mark.parametrize("phone", ["01 42 68 53 00", "02 40 12 34 56", "08 00 12 34 56", "+44 7911 123456", "06 12"])
def test_twilio_refuses_non_french_mobiles_without_calling(standin: TwilioStandIn, phone: str) -> None:
    with pytest.raises(PermanentChannelError, match=r"^no_channel$"):
        TwilioHarness.make_channel(standin.base_url).send(make_message("sms", phone=phone))
    assert standin.received == []


def test_twilio_refuses_too_many_segments_without_calling(standin: TwilioStandIn) -> None:
    channel = TwilioHarness.make_channel(standin.base_url, max_segments=1)
    channel.send(make_message("sms", body="a" * 160))
    with pytest.raises(PermanentChannelError, match=r"^too_many_segments$"):
        channel.send(make_message("sms", body="a" * 161))
    assert len(standin.received) == 1


def test_twilio_bad_credentials_are_retryable(standin: TwilioStandIn) -> None:
    channel = TwilioSmsChannel(ACCOUNT_SID, "wrong", messaging_service_sid=SERVICE_SID, base_url=standin.base_url)
    with pytest.raises(RetryableChannelError, match=r"^provider_auth$"):
        channel.send(make_message("sms"))
    assert standin.created == []


def test_twilio_random_failures_never_lose_or_duplicate(standin: TwilioStandIn) -> None:
    standin.fail_fraction(Failure.server_error(), 0.4, seed=7)
    channel = TwilioHarness.make_channel(standin.base_url)
    outcomes = []
    for number in range(20):
        try:
            outcomes.append(channel.send(make_message("sms", key=f"k{number}")).provider_ref)
        except RetryableChannelError:
            outcomes.append("retry")
    accepted = [ref for ref in outcomes if ref != "retry"]
    assert 0 < len(accepted) < 20
    assert accepted == [item.sid for item in standin.created]


def test_twilio_needs_exactly_one_sender() -> None:
    with pytest.raises(ValueError):
        TwilioSmsChannel(ACCOUNT_SID, AUTH_TOKEN)
    with pytest.raises(ValueError):
        TwilioSmsChannel(ACCOUNT_SID, AUTH_TOKEN, messaging_service_sid=SERVICE_SID, from_number="+33700000001")


# --- SMTP adapter specifics ---------------------------------------------------------------------------------------


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpHarness]:
    with open_harness("smtp_email", tmp_path) as opened:
        assert isinstance(opened, SmtpHarness)
        yield opened


def test_smtp_sends_multipart_alternative_with_key_derived_message_id(smtp: SmtpHarness) -> None:
    result = smtp.channel.send(make_message("email", key="dispatch-42"))
    [(mail_from, rcpt_tos, raw)] = smtp.handler.messages
    assert (mail_from, rcpt_tos) == ("relances@habitat44.example", [EMAIL])
    mail = parse_mail(raw)
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain", "text/html"]
    expected_id = f"<{hashlib.sha256(b'dispatch-42').hexdigest()}@habitat44.example>"
    assert mail["Message-ID"] == expected_id == result.provider_ref
    assert "dispatch-42" not in raw.decode()
    assert str(mail["From"]) == "Habitat 44 <relances@habitat44.example>"


def test_smtp_same_key_same_message_id(smtp: SmtpHarness) -> None:
    first = smtp.channel.send(make_message("email", key="a")).provider_ref
    assert smtp.channel.send(make_message("email", key="a")).provider_ref == first
    assert smtp.channel.send(make_message("email", key="b")).provider_ref != first


def test_smtp_send_works_inside_a_running_event_loop(smtp: SmtpHarness) -> None:
    async def caller() -> str:
        return smtp.channel.send(make_message("email")).status

    assert asyncio.run(caller()) == "delivered"
    assert len(smtp.handler.messages) == 1


def test_smtp_refuses_a_malformed_address(smtp: SmtpHarness) -> None:
    with pytest.raises(PermanentChannelError, match=r"^invalid_email$"):
        smtp.channel.send(make_message("email", email="pas une adresse"))
    assert smtp.handler.messages == []


# --- SMS encoding -------------------------------------------------------------------------------------------------


def test_gsm7_text_with_french_accents_it_has() -> None:
    info = sms_info("Réglez à l'échéance, où que vous soyez. Ça évite les frais.")
    assert (info.encoding, info.segments, info.non_gsm) == ("GSM-7", 1, ())


@pytest.mark.parametrize("letter", ["ç", "ê", "â", "î", "ô", "û", "ë", "ï", "À", "œ", "’"])
def test_letters_outside_gsm7_force_ucs2_and_are_reported(letter: str) -> None:
    info = sms_info(f"Bonjour {letter} et {letter}")
    assert (info.encoding, info.non_gsm) == ("UCS-2", (letter,))


def test_extension_characters_count_twice() -> None:
    assert sms_info("5 €").characters == 4
    assert sms_info("{[~]}|^\\").characters == 16
    assert sms_info("€" * 80).segments == 1
    assert sms_info("€" * 80 + "a").segments == 2


@pytest.mark.parametrize(("length", "segments"), [(0, 0), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3)])
def test_gsm7_segment_boundaries(length: int, segments: int) -> None:
    assert sms_info("a" * length).segments == segments


def test_an_escape_sequence_is_never_split_across_parts() -> None:
    assert sms_info("a" * 152 + "€" + "a" * 152).segments == 3  # 306 septets, yet 3 parts


@pytest.mark.parametrize(("length", "segments"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_segment_boundaries(length: int, segments: int) -> None:
    info = sms_info("ê" * length)
    assert (info.encoding, info.segments, info.characters) == ("UCS-2", segments, length)


def test_ucs2_counts_utf16_code_units() -> None:
    assert sms_info("😀" * 35).characters == 70
    assert sms_info("😀" * 35).segments == 1
    assert sms_info("😀" * 36).segments == 2


def test_typography_normalisation() -> None:
    text = "L’avis « n° 3 » — voir “ici”\u202f; l‘œuvre…\u00a0Œil – fin"
    assert normalise_sms_typography(text) == 'L\'avis " n° 3 " - voir "ici" ; l\'oeuvre... OEil - fin'
    assert sms_info(normalise_sms_typography("L’échéance « impayée »…")).encoding == "GSM-7"


def test_normalisation_leaves_letters_alone() -> None:
    text = "Être à côté, ça aide : ê â î ô û ë ï ç"
    assert normalise_sms_typography(text) == text


# --- Twilio helpers -----------------------------------------------------------------------------------------------


def test_signature_valid_and_forged() -> None:
    url = "https://chaine.example/twilio/status?x=1"
    params = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    assert verify_twilio_signature(AUTH_TOKEN, url, params, signature)
    assert not verify_twilio_signature(AUTH_TOKEN, url, params | {"MessageStatus": "failed"}, signature)
    assert not verify_twilio_signature("other-token", url, params, signature)
    assert not verify_twilio_signature(AUTH_TOKEN, url, params, "")


@pytest.mark.parametrize(
    "body", ["STOP", "stop", " Stop ", "Stop !", "STOP SMS", "stop-sms", "ARRET", "ARRÊT", "arrêt", "Arret.", "«STOP»"]
)
def test_stop_keywords(body: str) -> None:
    assert is_stop_keyword(body)


@pytest.mark.parametrize("body", ["", "Stop les relances svp", "je ne peux pas arrêter", "STOPPER", "Arrête", "Oui"])
def test_not_stop_keywords(body: str) -> None:
    assert not is_stop_keyword(body)


@pytest.mark.parametrize(
    ("twilio", "chaine"),
    [
        ("accepted", "queued"),
        ("queued", "queued"),
        ("sending", "sending"),
        ("sent", "sending"),
        ("delivered", "delivered"),
        ("read", "delivered"),
        ("undelivered", "permanent_failure"),
        ("failed", "permanent_failure"),
        ("canceled", "cancelled"),
        ("Delivered", "delivered"),
    ],
)
def test_map_twilio_status(twilio: str, chaine: str) -> None:
    assert map_twilio_status(twilio) == chaine


@pytest.mark.parametrize("status", ["received", "bogus", ""])
def test_map_twilio_status_refuses_unknown(status: str) -> None:
    with pytest.raises(ValueError):
        map_twilio_status(status)


@pytest.mark.parametrize(
    "phone",
    ["06 12 34 56 78", "07 81 23 45 67", "07 50 12 34 56", "+33 6 12 34 56 78", "0033612345678", "06.12.34.56.78"],
)
def test_french_mobiles_accepted(phone: str) -> None:
    assert french_mobile_e164(phone) in {"+33612345678", "+33781234567", "+33750123456"}


@pytest.mark.parametrize(
    "phone",
    [
        "01 42 68 53 00",
        "02 40 12 34 56",
        "03 88 12 34 56",
        "04 91 12 34 56",
        "05 56 12 34 56",
        "08 00 12 34 56",
        "09 72 12 34 56",
        "06 12 34 56",
        "+44 7911 123456",
        "pas un numéro",
        "",
        None,
    ],
)
def test_non_mobiles_refused(phone: str | None) -> None:
    assert french_mobile_e164(phone) is None
