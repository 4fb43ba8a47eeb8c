"""Security headers on every response, and the CSRF token that every web form carries and every POST proves."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_CSRF_SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# The JSON API authenticates each call with a Bearer key, never with the cookie: no CSRF to guard against there.
API_PREFIX = "/api/"
_STATIC_PREFIX = "/dsfr/"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# Pages and the DSFR assets (CSS, JS, Marianne fonts, SVG icons) all come from this origin; DSFR's CSS also
# draws a few glyphs as data: SVG images.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc load Swagger UI or ReDoc from a CDN with an inline start-up script: they keep working
# under this looser policy, which applies to those two pages only (they hold no personal data).
_DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; "
    "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "accelerometer=(), gyroscope=(), magnetometer=(), display-capture=()"
)


class CsrfError(Exception):
    """A POST without the session's CSRF token (answered with a French 403 page)."""


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response, whatever produced it (routes, static files, errors)."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_CONTENT_SECURITY_POLICY if scope["path"] in _DOCS_PATHS else CONTENT_SECURITY_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", []))
                headers = MutableHeaders(scope=message)
                wanted = {
                    "Content-Security-Policy": policy,
                    "X-Frame-Options": "DENY",
                    "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "same-origin",
                    "Permissions-Policy": PERMISSIONS_POLICY,
                    "Cross-Origin-Opener-Policy": "same-origin",
                }
                if self.https:
                    wanted["Strict-Transport-Security"] = "max-age=31536000"
                # Pages, API answers and exports (HTML, JSON, CSV, XLSX) show personal data: neither the browser
                # nor a proxy keeps a copy. Only static files (the design system, a style sheet that says so) may.
                if not scope["path"].startswith(_STATIC_PREFIX):
                    wanted["Cache-Control"] = "no-store"
                for name, value in wanted.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    """The session's token (created on first use); templates put it in a hidden field of every form."""
    token = request.session.get(_CSRF_SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[_CSRF_SESSION_KEY] = token
    return token


def renew_csrf_token(request: Request) -> None:
    request.session[_CSRF_SESSION_KEY] = secrets.token_urlsafe(32)


async def verify_csrf(request: Request) -> None:
    """App-wide dependency: every unsafe request outside the JSON API must carry the session's token.

    The token comes from the form field `csrf_token` or, for scripts, the `X-CSRF-Token` header.
    """
    if request.method in SAFE_METHODS or request.url.path.startswith(API_PREFIX):
        return
    expected = request.session.get(_CSRF_SESSION_KEY)
    provided = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if provided is None and content_type.startswith(_FORM_TYPES):
        # Starlette keeps the parsed form on the request: the route reads the same one.
        value = (await request.form()).get(CSRF_FIELD)
        provided = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not provided or not hmac.compare_digest(expected.encode(), provided.encode()):
        raise CsrfError
