"""A local stand-in for Twilio's Messages API (create, list by recipient), with failures on demand, for the real
client."""

from __future__ import annotations

import base64
import json
import random
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from campaigns.locale.sms_encoding import sms_info
from campaigns.runtime.root import Runtime

_MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")


@dataclass(frozen=True)
class Failure:
    """What to answer instead of creating the message: an HTTP status, a Twilio error code, after a delay.

    `created`: the message is created all the same and only the answer fails (Twilio accepted it, the client
    never heard): the case where resending blindly would send it twice.
    """

    status: int
    code: int | None = None
    delay: float = 0.0
    retry_after: int | None = None
    created: bool = False

    @classmethod
    def server_error(cls, status: int = 500) -> Failure:
        return cls(status, 20500)

    @classmethod
    def rate_limited(cls, retry_after: int | None = None) -> Failure:
        """429, with a Retry-After header (seconds) when given."""
        return cls(429, 20429, retry_after=retry_after)

    @classmethod
    def lost_answer(cls, seconds: float) -> Failure:
        """Creates the message, then answers only after `seconds`: set it past the client's timeout."""
        return cls(201, None, seconds, created=True)

    @classmethod
    def twilio_error(cls, code: int, status: int = 400) -> Failure:
        return cls(status, code)

    @classmethod
    def timeout(cls, seconds: float) -> Failure:
        """Answers 504 only after `seconds`: set it past the client's timeout."""
        return cls(504, 20504, seconds)


@dataclass
class Received:
    """One request as the stand-in saw it, and what it answered."""

    params: dict[str, str]
    status: int
    sid: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class _Plan:
    next_failures: list[Failure] = field(default_factory=list)
    fraction: float = 0.0
    fraction_failures: tuple[Failure, ...] = ()
    rng: random.Random = field(default_factory=lambda: random.Random(0))


class TwilioStandIn:
    """`POST /2010-04-01/Accounts/{sid}/Messages.json` on 127.0.0.1:<free port>, basic auth sid:token."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.received: list[Received] = []
        # Seconds between creating a message and answering, as a real API takes.
        self.latency = 0.0
        self.lookups = 0  # list requests: a client asking whether a message it is unsure of was created
        self._plan = _Plan()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._serve, name="twilio-standin", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def created(self) -> list[Received]:
        """The requests that created a message (whether or not the client heard the answer)."""
        with self._lock:
            return [item for item in self.received if item.sid is not None]

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)  # a short poll makes stop() quick

    def start(self) -> TwilioStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes any request sleeping through a simulated timeout
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> TwilioStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, failure: Failure, times: int = 1) -> None:
        """The next `times` requests get `failure`."""
        with self._lock:
            self._plan.next_failures.extend([failure] * times)

    def fail_fraction(self, failure: Failure | Sequence[Failure], fraction: float, seed: int = 0) -> None:
        """Each later request gets a failure with probability `fraction`, drawn evenly among `failure` when
        several are given (seeded: runs are reproducible)."""
        failures = (failure,) if isinstance(failure, Failure) else tuple(failure)
        with self._lock:
            self._plan.fraction, self._plan.fraction_failures = fraction, failures
            self._plan.rng = random.Random(seed)

    def clear_failures(self) -> None:
        with self._lock:
            self._plan = _Plan()

    def _next_failure(self) -> Failure | None:
        with self._lock:
            if self._plan.next_failures:
                return self._plan.next_failures.pop(0)
            if self._plan.fraction_failures and self._plan.rng.random() < self._plan.fraction:
                return self._plan.rng.choice(self._plan.fraction_failures)
            return None

    def _record(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)

    def _authorised(self, header: str | None, path_sid: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return path_sid == self.account_sid and header == f"Basic {expected}"

    def handle(
        self, path: str, auth: str | None, form: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """The answer to a create request: status, JSON body and extra headers."""
        match = _MESSAGES_PATH.match(path)
        if not match:
            return 404, _error(404, 20404, "The requested resource was not found"), {}
        if not self._authorised(auth, match["sid"]):
            return 401, _error(401, 20003, "Authenticate"), {}
        failure = self._next_failure()
        if failure is not None and failure.created:
            status, payload = self._create(form)
            self._stopping.wait(failure.delay)  # the client has given up by now: the answer is lost
            return status, payload, {}
        if failure is not None:
            if failure.delay:
                self._stopping.wait(failure.delay)
            self._record(Received(form, failure.status))
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return failure.status, _error(failure.status, failure.code, "Stand-in failure"), headers
        status, payload = self._create(form)
        if self.latency:
            self._stopping.wait(self.latency)  # created, answer on its way: a crash now leaves it in doubt
        return status, payload, {}

    def _create(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if not form.get("To") or not form.get("Body"):
            self._record(Received(form, 400))
            return 400, _error(400, 21604, "A 'To' phone number and a 'Body' are required")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            self._record(Received(form, 400))
            return 400, _error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
        sid = "SM" + secrets.token_hex(16)
        item = Received(form, 201, sid)
        self._record(item)
        return 201, self._message_json(sid, form, item.created_at)

    def list_messages(self, path: str, auth: str | None, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """`GET .../Messages.json?To=...`: the messages created for that number, newest first (one page)."""
        match = _MESSAGES_PATH.match(path)
        if not match:
            return 404, _error(404, 20404, "The requested resource was not found")
        if not self._authorised(auth, match["sid"]):
            return 401, _error(401, 20003, "Authenticate")
        size = int(query.get("PageSize") or 50)
        with self._lock:
            self.lookups += 1
            mine = [item for item in self.received if item.sid and item.params.get("To") == query.get("To")]
        page = [self._message_json(item.sid or "", item.params, item.created_at) for item in reversed(mine)]
        uri = path + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return 200, {"messages": page[:size], "page": 0, "page_size": size, "first_page_uri": uri,
                     "next_page_uri": None, "previous_page_uri": None, "uri": uri, "start": 0,
                     "end": max(len(page[:size]) - 1, 0)}

    def _message_json(self, sid: str, form: dict[str, str], created_at: datetime) -> dict[str, Any]:
        now = format_datetime(created_at)
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": str(sms_info(form["Body"]).segments),
            "price": None,
            "price_unit": "EUR",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": form["To"],
            "uri": uri,
        }


def _error(status: int, code: int | None, message: str) -> dict[str, Any]:
    more_info = f"https://www.twilio.com/docs/errors/{code}" if code else None
    return {"code": code, "message": message, "more_info": more_info, "status": status}


def _handler_for(standin: TwilioStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
            status, payload, headers = standin.handle(self.path, self.headers.get("Authorization"), form)
            self._answer(status, payload, headers)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            status, payload = standin.list_messages(url.path, self.headers.get("Authorization"), query)
            self._answer(status, payload, {})

        def _answer(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
            body = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (simulated timeout): nobody is listening any more

        def log_message(self, format: str, *args: Any) -> None:
            pass  # requests carry phone numbers: keep them out of test output

    return Handler


def twilio_runtime(base: Runtime, standin: TwilioStandIn, *, sid: str, token: str, public_base_url: str) -> Runtime:
    """`base`'s runtime with its SMS sent through the real twilio client to `standin` (same clock)."""
    settings = base.settings.model_copy(update={
        "sms_provider": "twilio", "twilio_account_sid": sid, "twilio_auth_token": token,
        "twilio_from_number": "+33612000000", "twilio_api_base_url": standin.base_url,
        "public_base_url": public_base_url})
    return Runtime(settings, clock=base.clock)
