"""An ASGI middleware in front of the service: the API key, and a cap on the request body.

When ``CREDIT_API_KEY`` is set, every request but the health and metrics probes must present
it, as ``X-API-Key: <key>`` or ``Authorization: Bearer <key>``; otherwise the answer is 401.
The JSON endpoints (and POST /model_info, which takes no body) answer a body declared as anything
but JSON (a form, multipart) with 415. A body declaring more than :data:`MAX_BODY_BYTES` is
refused with 413 before it is read; a body streamed without a length (``Transfer-Encoding:
chunked``) is counted as it arrives and refused with 413 as soon as it passes the cap. A method a
route does not take is answered 405 with the methods it does take in ``Allow``.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from credit_assets import settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 8 * 1024 * 1024
OPEN_PATHS = frozenset({"/livez", "/readyz", "/healthz", "/metrics"})
UI_PATH = "/ui"
JSON_PATHS = frozenset(
    {"/predict", "/predict_batch", "/explain", "/what_if", "/application", "/client_features",
     "/population"}
)  # fmt: skip
JSON_TYPE = "application/json"
TOO_LARGE = f"request body over {MAX_BODY_BYTES} bytes: split the batch"
SHARED_ROUTES = {"/model_info": ("GET", "POST")}
"""Paths served by two apps (BentoML's POST API and the mounted pages' GET): Starlette's own 405
would name only the first app's method."""


class RequestGuard:
    """Checks the API key (when one is configured), the content type and the body size."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        expected = settings.api_key()
        if (
            expected is not None
            and not _explainer(scope["path"])
            and not _presented(headers, expected)
        ):
            message = "missing or wrong API key: send it as X-API-Key or Authorization: Bearer"
            await _answer(send, 401, message, {"www-authenticate": 'Bearer realm="credit_scorer"'})
            return
        allowed = SHARED_ROUTES.get(scope["path"])
        if allowed is not None and scope["method"] not in allowed:
            message = f"{scope['method']} is not allowed here: use {' or '.join(allowed)}"
            await _answer(send, 405, message, {"allow": ", ".join(allowed)})
            return
        declared = headers.get("content-type")
        # A JSON endpoint refuses any declared type but JSON, even an empty one; POST
        # /model_info takes no body, so only a type it was given must be JSON.
        json_body = scope["path"] in JSON_PATHS and declared is not None
        no_body = scope["path"] in SHARED_ROUTES and bool(declared)
        if scope["method"] == "POST" and (json_body or no_body) and not _is_json(declared or ""):
            message = f"unsupported content type {declared!r}: send the body as {JSON_TYPE}"
            await _answer(send, 415, message, {"accept": JSON_TYPE})
            return
        size = headers.get("content-length", "0")
        if size.isdigit() and int(size) > MAX_BODY_BYTES:
            await _answer(send, 413, TOO_LARGE)
            return
        await _with_capped_body(self.app, scope, receive, send)


class _BodyTooLarge(Exception):
    """Raised into the app by the receive wrapper once the streamed body passes the cap."""


async def _with_capped_body(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Run ``app`` counting the body bytes it receives; past the cap, answer 413 instead.

    A body without ``Content-Length`` can only be measured as it arrives. Once it passes the
    cap, reading fails inside the app, whatever the app then answers is dropped, and the client
    gets the 413.
    """
    received = 0
    over = started = False

    async def counting_receive() -> Message:
        nonlocal received, over
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                over = True
                raise _BodyTooLarge
        return message

    async def guarded_send(message: Message) -> None:
        nonlocal started
        if over:
            return
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        await app(scope, counting_receive, guarded_send)
    except Exception:
        if not over:
            raise
    if over and not started:
        await _answer(send, 413, TOO_LARGE)


def _is_json(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == JSON_TYPE or (media.startswith("application/") and media.endswith("+json"))


def _explainer(path: str) -> bool:
    return path == UI_PATH or path.startswith(UI_PATH + "/")


def _presented(headers: dict[str, str], expected: str) -> bool:
    given = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
    return hmac.compare_digest(given.encode(), expected.encode())


async def _answer(send: Send, status: int, error: str, extra: dict[str, str] | None = None) -> None:
    body = json.dumps({"error": error}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
