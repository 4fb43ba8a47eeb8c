"""Twilio SMS adapter, plus the helpers its webhooks need: signature check, status mapping, STOP keywords."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import phonenumbers
from twilio.base.exceptions import TwilioException
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from campaigns.locale.sms_encoding import normalise_sms_typography, sms_info
from campaigns.locale.text import strip_accents
from campaigns.platform.ports import (
    OutboundMessage,
    OutcomeUnknownChannelError,
    PermanentChannelError,
    RetryableChannelError,
    SendResult,
)
from channels.twilio_http import PooledTwilioHttpClient

log = logging.getLogger(__name__)

# Twilio error codes (https://www.twilio.com/docs/api/errors) that say something about the recipient.
_OPTED_OUT_CODES = frozenset({21610})  # the recipient replied STOP to this sender
_NO_CHANNEL_CODES = frozenset({21211, 21612, 21614})  # invalid To, not reachable by SMS, not a mobile

_STATUSES = {
    "accepted": "queued",  # created through a Messaging Service, not yet queued
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "sending",  # handed to the carrier; the delivery receipt is still to come
    "delivered": "delivered",
    "read": "delivered",
    # Some parts reached the handset: sending again would duplicate them, so the sequence moves on.
    "partially_delivered": "delivered",
    "undelivered": "permanent_failure",  # Twilio already retried within the validity period
    "failed": "permanent_failure",
    "canceled": "cancelled",
}

# Twilio's own opt-out keywords are enforced by Twilio whatever we do (later sends fail with 21610), so they are
# mirrored here, with the French ones households are told about (ARRET) or write (arrêter, désinscription).
_STOP_KEYWORDS = frozenset(
    {
        "stop",
        "stopall",
        "arret",
        "arreter",
        "desinscription",
        "desinscrire",
        "desabonnement",
        "desabonner",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "optout",
        "revoke",
    }
)
# Words a household adds around the keyword ("STOP merci", "stop svp", "arrêt sms", "stop all"): with anything
# else ("Arrêt maladie", "Stop les relances ?") the message is an ordinary reply, read by a person.
_STOP_COURTESIES = frozenset(
    {
        "sms", "les", "des", "mes", "messages", "message", "texto", "textos", "all", "merci", "beaucoup", "svp", "stp",
        "s", "il", "vous", "te", "plait", "cordialement", "please", "pls", "thanks", "thank", "you", "now", "me", "moi",
    }
)


class TwilioSmsChannel:
    """Sends an SMS to a French mobile through Twilio's Messages API; the final status arrives by callback."""

    name = "twilio_sms"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        messaging_service_sid: str | None = None,
        from_number: str | None = None,
        status_callback: str | None = None,
        max_segments: int = 3,
        timeout: float = 10.0,
        base_url: str | None = None,
        http_client: Any | None = None,
    ) -> None:
        """`base_url` replaces https://api.twilio.com (a local stand-in in tests); `http_client` is a
        `twilio.http.HttpClient` (e.g. one going through a proxy) that replaces the default one."""
        if (messaging_service_sid is None) == (from_number is None):
            raise ValueError("exactly one of messaging_service_sid and from_number is required")
        if max_segments < 1:
            raise ValueError("max_segments must be at least 1")
        self.messaging_service_sid = messaging_service_sid
        self.from_number = from_number
        self.status_callback = status_callback
        self.max_segments = max_segments
        # The default HTTP adapter retries nothing: a silent retry after a read timeout could send the SMS twice.
        self._http = http_client or PooledTwilioHttpClient(timeout=timeout)
        self._client: Any = Client(account_sid, auth_token, http_client=self._http)
        if base_url:
            self._client.api.base_url = base_url.rstrip("/")

    def send(self, message: OutboundMessage) -> SendResult:
        if message.channel != "sms":
            raise PermanentChannelError("wrong_channel")
        to = french_mobile_e164(message.recipient.phone)
        if to is None:
            raise PermanentChannelError("no_channel")
        body = normalise_sms_typography(message.body)
        info = sms_info(body)
        if info.segments == 0:
            raise PermanentChannelError("empty_body")
        if info.segments > self.max_segments:
            raise PermanentChannelError("too_many_segments")
        params: dict[str, Any] = {"to": to, "body": body}
        if self.messaging_service_sid:
            params["messaging_service_sid"] = self.messaging_service_sid
        else:
            params["from_"] = self.from_number
        if self.status_callback:
            params["status_callback"] = self.status_callback
        # Twilio's Messages API has no idempotency key. Exactly-once comes from the Dispatch row state machine
        # (a row leaves `queued` once, under a row lock, before this call) and, when this call's outcome is
        # unknown (read timeout, worker killed), from find_sent(): the next attempt asks Twilio first.
        try:
            created = self._client.messages.create(**params)
        except TwilioException as exc:
            # The provider's text may echo the number: not chained.
            raise _channel_error(exc, retry_after=_retry_after(self._http)) from None
        except OSError as exc:  # requests' ConnectionError and Timeout (channels/twilio_http.py) are OSErrors
            log.warning("twilio unreachable: %s", type(exc).__name__)
            if _never_sent(exc):
                raise RetryableChannelError("provider_unreachable") from None
            raise OutcomeUnknownChannelError("provider_timeout") from None
        sid = str(created.sid)
        log.info("twilio accepted %s (%s, segments=%d)", sid, info.encoding, info.segments)
        return SendResult(status="sending", provider_ref=sid)


    def find_sent(self, message: OutboundMessage, *, since: datetime) -> SendResult | None:
        """Twilio's message to this number with this text created since `since`, if any (ReconcilableChannel).

        The Messages list is filtered by recipient; the newest 50 are enough, since a household gets at most a
        few SMS a day across every partner (caps). Twilio lists accepted messages at once, queued ones included.
        """
        to = french_mobile_e164(message.recipient.phone)
        if to is None:
            return None
        body = normalise_sms_typography(message.body)
        try:
            for sent in self._client.messages.list(to=to, limit=50):
                created = sent.date_created
                if sent.body == body and (created is None or created >= since):
                    status = "delivered" if _STATUSES.get(str(sent.status)) == "delivered" else "sending"
                    return SendResult(status=status, provider_ref=str(sent.sid))
        except TwilioException as exc:
            raise _channel_error(exc, retry_after=_retry_after(self._http)) from None
        except OSError:
            raise RetryableChannelError("provider_unreachable") from None
        return None


def _retry_after(http: Any) -> timedelta | None:
    """The Retry-After of the last answer in this thread (seconds or an HTTP date), if the client kept it."""
    if not isinstance(http, PooledTwilioHttpClient):
        return None
    value = str(http.last_headers().get("Retry-After", "")).strip()
    if not value:
        return None
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment - datetime.now(UTC), timedelta(0)) if moment.tzinfo else None


def _never_sent(exc: BaseException) -> bool:
    """True when the request certainly never reached Twilio (connection refused or not established in time);
    a read timeout or a connection cut after sending leaves the outcome unknown."""
    # urllib3's NewConnectionError (connection refused) is a ConnectTimeoutError too.
    return any(isinstance(arg, MaxRetryError) and isinstance(arg.reason, ConnectTimeoutError) for arg in exc.args)


def _channel_error(
    exc: Exception, *, retry_after: timedelta | None = None
) -> RetryableChannelError | PermanentChannelError:
    status = int(getattr(exc, "status", 0) or 0)
    code = getattr(exc, "code", None)
    log.warning("twilio refused: HTTP %s, code %s", status, code)
    if status == 429:
        return RetryableChannelError("provider_rate_limited", retry_after=retry_after)
    if status >= 500 or status == 0:
        return RetryableChannelError("provider_unavailable", retry_after=retry_after)
    # Bad credentials or a suspended account are not the household's fault: retrying once the configuration is
    # fixed must still reach them, so these are not permanent.
    if status in (401, 403):
        return RetryableChannelError("provider_auth")
    if code in _OPTED_OUT_CODES:
        return PermanentChannelError("opted_out")
    if code in _NO_CHANNEL_CODES:
        return PermanentChannelError("no_channel")
    return PermanentChannelError("provider_error")


def french_mobile_e164(phone: str | None) -> str | None:
    """`+336...`/`+337...` for a valid French (metropolitan) mobile number, else None."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, "FR")
    except phonenumbers.NumberParseException:
        return None
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "FR"
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def verify_twilio_signature(auth_token: str, url: str, params: Mapping[str, str], signature: str) -> bool:
    """True when `signature` (the X-Twilio-Signature header) signs this callback URL and form with our token."""
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))


def map_twilio_status(status: str) -> str:
    """Twilio's MessageStatus in chaîne's vocabulary; ValueError for an inbound or unknown status."""
    try:
        return _STATUSES[status.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown Twilio message status {status!r}") from None


def is_stop_keyword(body: str) -> bool:
    """True when the inbound SMS is an opt-out keyword, in any case, with or without accents, alone or with
    courtesy words only (STOP, « STOP merci », « stop svp », ARRÊT, « arret sms », Arrêter, désinscription...)."""
    letters = strip_accents(body.casefold())
    words = re.sub(r"[\W_]+", " ", letters).split()
    return bool(words) and words[0] in _STOP_KEYWORDS and all(w in _STOP_COURTESIES for w in words[1:])
