"""An ASGI middleware in front of the service: the API key, and a cap on the request body.

When ``CREDIT_API_KEY`` is set, every request but the health and metrics probes must present
it, as ``X-API-Key: <key>`` or ``Authorization: Bearer <key>``; otherwise the answer is 401. A
body larger than :data:`MAX_BODY_BYTES` is refused with 413 before it is read.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from credit_assets.serving import config

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 8 * 1024 * 1024
OPEN_PATHS = frozenset({"/livez", "/readyz", "/healthz", "/metrics"})


class RequestGuard:
    """Checks the API key (when one is configured) and the declared body size."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        expected = config.api_key()
        if expected is not None and not _presented(headers, expected):
            message = "missing or wrong API key: send it as X-API-Key or Authorization: Bearer"
            await _answer(send, 401, message, {"www-authenticate": 'Bearer realm="credit_scorer"'})
            return
        size = headers.get("content-length", "0")
        if size.isdigit() and int(size) > MAX_BODY_BYTES:
            await _answer(send, 413, f"request body over {MAX_BODY_BYTES} bytes: split the batch")
            return
        await self.app(scope, receive, send)


def _presented(headers: dict[str, str], expected: str) -> bool:
    given = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
    return hmac.compare_digest(given.encode(), expected.encode())


async def _answer(send: Send, status: int, error: str, extra: dict[str, str] | None = None) -> None:
    body = json.dumps({"error": error}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
