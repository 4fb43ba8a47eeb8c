"""The HTTP client under the Twilio library (`twilio.rest.Client`): one connection pool per process, requests made
straight on urllib3.

Twilio's default client goes through `requests`, whose per-call preparation (merging the session's settings, cookies
and hooks, encoding the form again, building its response) cost about two thirds of the client side of an SMS
(docs/benchmarks.md, delivery). This client builds the same request (form body, basic auth, Twilio's headers) and
sends it on the pool of urllib3 `requests` itself uses, without retries (a silent retry after a read timeout could
send an SMS twice). Failures are raised as the `requests` exceptions Twilio's client raises, wrapping the same
urllib3 errors, so the adapter (channels/sms_twilio.py) tells a connection never made from an outcome unknown as
before. A site reached through a proxy of the environment (HTTPS_PROXY...) keeps `requests`' path entirely.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

import requests
import urllib3
from requests.utils import DEFAULT_CA_BUNDLE_PATH, select_proxy
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from urllib3.exceptions import MaxRetryError, ProtocolError, ReadTimeoutError
from urllib3.util.retry import Retry

# As `requests` sends them (the Twilio library sets User-Agent, Accept and the content type itself).
_DEFAULT_HEADERS = {"Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}
# `requests`' default: no retry at all, and a read error raised as it is (never wrapped, never retried).
_NO_RETRY = Retry(0, read=False)


class _EnvironmentOnceSession(requests.Session):
    """A requests session that reads the environment's proxy and CA-bundle settings once per site instead of once
    per SMS (`get_environ_proxies` parses the proxy variables and the no-proxy list at each call). A process's
    environment does not change while it runs."""

    def __init__(self) -> None:
        super().__init__()
        self._settings: dict[tuple[str, str, tuple[tuple[str, str], ...]], dict[str, Any]] = {}

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        if stream is not None or verify is not None or cert is not None or not isinstance(url, str):
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, tuple(sorted((proxies or {}).items())))
        found = self._settings.get(key)
        if found is None:
            found = self._settings[key] = super().merge_environment_settings(url, proxies, None, None, None)
        return {**found, "proxies": dict(found["proxies"])}


class PooledTwilioHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Twilio's HTTP client on one urllib3 pool; keeps each thread's last response headers (Twilio's exceptions
    drop them, and a 429 says when to retry)."""

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout=timeout)
        session = _EnvironmentOnceSession()
        # Twilio's connection pool, without retries (a silent retry after a read timeout could send twice).
        session.adapters = cast(requests.Session, vars(self)["session"]).adapters
        self.session = session
        self._local = threading.local()
        self._pools: dict[tuple[str, str], urllib3.PoolManager | None] = {}

    def request(  # noqa: PLR0917 -- the signature of twilio.http.HttpClient.request
        self, method: str, url: str, params: Mapping[str, object] | None = None,
        data: Mapping[str, object] | None = None, headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None, timeout: float | None = None, allow_redirects: bool = False,
    ) -> Any:
        self._local.headers = None
        pool = self._pool(url)
        form = headers is None or "json" not in str(headers.get("Content-Type", ""))
        if pool is None or not form:  # a proxy, or a JSON body: requests' own path
            response = super().request(method, url, params, data, headers, auth, timeout, allow_redirects)
        else:
            response = self._send(pool, method.upper(), url, params, data, headers or {}, auth,
                                  self.timeout if timeout is None else timeout, allow_redirects)
        self._local.headers = response.headers
        return response

    def last_headers(self) -> Mapping[str, str]:
        return getattr(self._local, "headers", None) or {}

    def _send(  # noqa: PLR0917
        self, pool: urllib3.PoolManager, method: str, url: str, params: Mapping[str, object] | None,
        data: Mapping[str, object] | None, headers: Mapping[str, str], auth: tuple[str, str] | None,
        timeout: float | None, allow_redirects: bool,
    ) -> Response:
        if timeout is not None and timeout <= 0:
            raise ValueError(timeout)
        query = _form(params)
        target = f"{url}{'&' if '?' in url else '?'}{query}" if query else url
        sent = {**_DEFAULT_HEADERS, **headers}
        if auth is not None:
            sent["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        body = _form(data) or None
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if self.logger.isEnabledFor(logging.INFO):
            self.log_request({"method": method, "url": url, "params": params, "headers": headers})
        try:
            answer = pool.request(method, target, body=body, headers=sent, redirect=allow_redirects,
                                  retries=_NO_RETRY, timeout=urllib3.Timeout(connect=timeout, read=timeout))
        except MaxRetryError as exc:  # a connection not made (refused, or not established in time)
            raise requests.ConnectionError(exc) from None
        except ReadTimeoutError as exc:  # sent, no answer in time: the outcome is unknown
            raise requests.ReadTimeout(exc) from None
        except (ProtocolError, OSError) as exc:  # cut while sending or reading
            raise requests.ConnectionError(exc) from None
        except urllib3.exceptions.HTTPError as exc:  # an answer that cannot be read (e.g. a bad gzip body): unknown
            raise requests.ConnectionError(exc) from None
        response = Response(answer.status, answer.data.decode("utf-8", errors="replace"), answer.headers)
        if self.logger.isEnabledFor(logging.INFO):
            self.log_response(answer.status, response)
        return response

    def _pool(self, url: str) -> urllib3.PoolManager | None:
        """The pool for this site, or None when the environment sends it through a proxy (requests' path)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        if key not in self._pools:
            settings = self.session.merge_environment_settings(url, {}, None, None, None)
            if select_proxy(url, settings["proxies"]) or parts.scheme not in ("http", "https"):
                self._pools[key] = None
            else:
                self._pools[key] = urllib3.PoolManager(maxsize=min(32, (os.cpu_count() or 1) + 4),
                                                       **_tls(settings["verify"]))
        return self._pools[key]


def _tls(verify: Any) -> dict[str, Any]:
    """urllib3's certificate settings for requests' `verify` (True: requests' CA bundle; a path: that bundle or
    directory; False: none checked)."""
    if verify is False:
        return {"cert_reqs": "CERT_NONE"}
    path = DEFAULT_CA_BUNDLE_PATH if verify is True or not verify else str(verify)
    return {"cert_reqs": "CERT_REQUIRED", **({"ca_cert_dir": path} if os.path.isdir(path) else {"ca_certs": path})}


def _form(values: Mapping[str, object] | None) -> str:
    """A form or query string as `requests` encodes one: each value of a list its own pair, None values left out."""
    if not values:
        return ""
    pairs = [(key, value) for key, given in values.items()
             for value in (given if isinstance(given, (list, tuple)) else [given]) if value is not None]
    return urlencode(pairs)
