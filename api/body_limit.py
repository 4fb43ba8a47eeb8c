"""Request bodies over the limit answer 413 before they are read: by their Content-Length, or while streaming."""

from __future__ import annotations

import json

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _too_large(limit: int) -> str:
    if limit >= 1_048_576:
        return f"corps de requête trop volumineux : au plus {limit // 1_048_576} Mo"
    return f"corps de requête trop volumineux : au plus {limit // 1024} ko"


class BodyLimitMiddleware:
    """`upload_limit` for the paths that take files (CSV pushes), `default_limit` for every other request."""

    def __init__(self, app: ASGIApp, *, default_limit: int, upload_limit: int, upload_paths: tuple[str, ...]) -> None:
        self.app = app
        self.default_limit, self.upload_limit, self.upload_paths = default_limit, upload_limit, upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"] in self.upload_paths else self.default_limit
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _answer_413(send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException, so FastAPI's body parsing hands it on as is (not as a 400) to the handler.
                    raise HTTPException(status_code=413, detail=_too_large(limit))
            return message

        await self.app(scope, limited_receive, send)


async def _answer_413(send: Send, limit: int) -> None:
    body = json.dumps({"detail": _too_large(limit)}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
