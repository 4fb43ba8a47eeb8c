"""A local stand-in for Twilio's Messages API (create only), with failures on demand, for the real client."""

from __future__ import annotations

import base64
import json
import random
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from campaigns.sms_encoding import sms_info

_MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")


@dataclass(frozen=True)
class Failure:
    """What to answer instead of creating the message: an HTTP status, a Twilio error code, after a delay."""

    status: int
    code: int | None = None
    delay: float = 0.0

    @classmethod
    def server_error(cls, status: int = 500) -> Failure:
        return cls(status, 20500)

    @classmethod
    def rate_limited(cls) -> Failure:
        return cls(429, 20429)

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


@dataclass
class _Plan:
    next_failures: list[Failure] = field(default_factory=list)
    fraction: float = 0.0
    fraction_failure: Failure | None = None
    rng: random.Random = field(default_factory=lambda: random.Random(0))


class TwilioStandIn:
    """`POST /2010-04-01/Accounts/{sid}/Messages.json` on 127.0.0.1:<free port>, basic auth sid:token."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.received: list[Received] = []
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
        """The requests that created a message (201)."""
        with self._lock:
            return [item for item in self.received if item.status == 201]

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

    def fail_fraction(self, failure: Failure, fraction: float, seed: int = 0) -> None:
        """Each later request gets `failure` with probability `fraction` (seeded: runs are reproducible)."""
        with self._lock:
            self._plan.fraction, self._plan.fraction_failure = fraction, failure
            self._plan.rng = random.Random(seed)

    def clear_failures(self) -> None:
        with self._lock:
            self._plan = _Plan()

    def _next_failure(self) -> Failure | None:
        with self._lock:
            if self._plan.next_failures:
                return self._plan.next_failures.pop(0)
            if self._plan.fraction_failure and self._plan.rng.random() < self._plan.fraction:
                return self._plan.fraction_failure
            return None

    def _record(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)

    def _authorised(self, header: str | None, path_sid: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return path_sid == self.account_sid and header == f"Basic {expected}"

    def handle(self, path: str, auth: str | None, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        match = _MESSAGES_PATH.match(path)
        if not match:
            return 404, _error(404, 20404, "The requested resource was not found")
        if not self._authorised(auth, match["sid"]):
            return 401, _error(401, 20003, "Authenticate")
        failure = self._next_failure()
        if failure is not None:
            if failure.delay:
                self._stopping.wait(failure.delay)
            self._record(Received(form, failure.status))
            return failure.status, _error(failure.status, failure.code, "Stand-in failure")
        if not form.get("To") or not form.get("Body"):
            self._record(Received(form, 400))
            return 400, _error(400, 21604, "A 'To' phone number and a 'Body' are required")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            self._record(Received(form, 400))
            return 400, _error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
        sid = "SM" + secrets.token_hex(16)
        self._record(Received(form, 201, sid))
        return 201, self._message_json(sid, form)

    def _message_json(self, sid: str, form: dict[str, str]) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC))
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
            status, payload = standin.handle(self.path, self.headers.get("Authorization"), form)
            body = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (simulated timeout): nobody is listening any more

        def log_message(self, format: str, *args: Any) -> None:
            pass  # requests carry phone numbers: keep them out of test output

    return Handler
