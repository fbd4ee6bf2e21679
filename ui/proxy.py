"""The scoring service's ``/ui``: a reverse proxy to the explainer service, streamed both ways.

The explainer runs as its own BentoML service with one worker (Gradio keeps each officer's
session in memory, so every request of a session must reach the same process), while the
scorer runs several. The scorer stays the entry service, on the public port, and forwards
``/ui`` to the explainer's address (a Unix socket under ``bentoml serve``). The request's path
and headers travel unchanged, so Gradio builds its links and cookies for the address the
browser used; the answer is streamed back as it comes (Gradio's event stream included).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import urlparse

import httpx

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
     "upgrade", "proxy-authenticate", "proxy-authorization"}
)  # fmt: skip
"""Headers that describe one connection, not the message: never forwarded (RFC 9110 7.6.1)."""
STARTING = "the explainer is starting or not running: try again in a few seconds"


def client_for(address: str, timeout: float = 60.0) -> httpx.AsyncClient:
    """An HTTP client of a BentoML service address: ``file:///…sock`` (a Unix socket, as
    ``bentoml serve`` gives its dependencies), ``tcp://host:port`` or ``http(s)://…``.

    Redirects are not followed: the browser must see them (``/ui`` -> ``/ui/``). The client
    keeps no cookies: it serves every officer, so a sign-in cookie it stored from one answer
    would be sent with everybody's requests (each browser sends its own in its headers).
    """
    parsed = urlparse(address)
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    if parsed.scheme == "file":
        transport = httpx.AsyncHTTPTransport(uds=parsed.path)
        return httpx.AsyncClient(
            base_url="http://explainer", transport=transport, timeout=timeout, cookies=no_cookies
        )
    base = f"http://{parsed.netloc}" if parsed.scheme == "tcp" else address
    return httpx.AsyncClient(base_url=base, timeout=timeout, trust_env=False, cookies=no_cookies)


class ExplainerProxy:
    """An ASGI app forwarding every HTTP request to the explainer service's client."""

    def __init__(self) -> None:
        self.client: httpx.AsyncClient | None = None

    def connect(self, client: httpx.AsyncClient | None) -> None:
        """Forward to ``client`` from now on (``None``: answer 503, there is no explainer)."""
        self.client = client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: the explainer service has its own
            return
        if self.client is None:
            await _plain(send, 503, STARTING)
            return
        # Starlette's Mount keeps the whole path in `path` (recent versions) or strips the
        # mount point into `root_path` (older ones): the explainer is mounted at the same path.
        path, root = scope["path"], scope.get("root_path", "")
        path = path if path.startswith(root) else root + path
        query = scope.get("query_string", b"").decode("latin-1")
        headers = [(k, v) for k, v in scope["headers"] if k.decode("latin-1") not in HOP_BY_HOP]
        request = self.client.build_request(
            scope["method"],
            path + (f"?{query}" if query else ""),
            headers=headers,
            content=_body(receive),
        )
        try:
            answer = await self.client.send(request, stream=True)
        except httpx.TransportError:
            await _plain(send, 503, STARTING)
            return
        try:
            forwarded = [
                (k.encode("latin-1"), v.encode("latin-1"))
                for k, v in answer.headers.multi_items()
                if k.lower() not in HOP_BY_HOP
            ]
            await send(
                {"type": "http.response.start", "status": answer.status_code, "headers": forwarded}
            )
            async for chunk in answer.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await answer.aclose()


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


async def _plain(send: Send, status: int, error: str) -> None:
    body = json.dumps({"error": error}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
