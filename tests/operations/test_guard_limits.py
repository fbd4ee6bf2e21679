"""The request guard's limits, driven as ASGI directly: content type and streamed body size.

The app behind the guard reads the whole body the way the service does and answers with its
length, so a test sees both what the guard answered and what reached the app.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

import pytest

from credit_assets.serving.guard import JSON_TYPE, MAX_BODY_BYTES, Message, RequestGuard, Scope

MIB = 1024 * 1024


class BodyReader:
    """An app that reads the whole body, then answers 200 with how many bytes it got."""

    def __init__(self, swallow_errors: bool = False) -> None:
        self.swallow_errors = swallow_errors
        self.bytes_read = 0
        self.answered = False

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        try:
            more = True
            while more:
                message = await receive()
                self.bytes_read += len(message.get("body", b""))
                more = message.get("more_body", False)
        except Exception:
            if not self.swallow_errors:
                raise
            # Like a framework's error handler: answer 500 itself rather than re-raise.
            await send({"type": "http.response.start", "status": 500, "headers": []})
            await send({"type": "http.response.body", "body": b"internal error"})
            return
        body = json.dumps({"read": self.bytes_read}).encode()
        self.answered = True
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


def call(
    app: BodyReader,
    chunks: Iterable[bytes],
    headers: dict[str, str] | None = None,
    path: str = "/predict_batch",
) -> tuple[int, dict[str, Any], int]:
    """Send ``chunks`` as one request through the guard; the status, the JSON answer, and how
    many chunks the guard pulled from the client."""
    pending = list(chunks)
    pulled = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        body = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    asyncio.run(RequestGuard(app)(scope, receive, send))
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1, f"exactly one response is started, not {len(starts)}"
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return starts[0]["status"], json.loads(body), pulled


@pytest.fixture(autouse=True)
def open_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDIT_API_KEY", raising=False)


JSON = {"content-type": JSON_TYPE}


def test_a_chunked_body_over_the_cap_is_refused_once_it_passes_it() -> None:
    app = BodyReader()
    chunks = [b"x" * MIB] * 12  # no Content-Length: the size shows only as it arrives
    status, answer, pulled = call(app, chunks, JSON)
    assert status == 413 and "split the batch" in answer["error"]
    assert pulled == MAX_BODY_BYTES // MIB + 1, "reading stops at the first chunk over the cap"
    assert not app.answered


def test_the_app_cannot_answer_for_a_body_over_the_cap() -> None:
    app = BodyReader(swallow_errors=True)
    status, answer, _ = call(app, [b"x" * MIB] * 9, JSON)
    assert status == 413 and str(MAX_BODY_BYTES) in answer["error"]


@pytest.mark.parametrize(
    "chunks",
    [[b"x" * MAX_BODY_BYTES], [b"x" * (MAX_BODY_BYTES // 2)] * 2, [b"{}"], []],
    ids=["exactly_the_cap_in_one", "exactly_the_cap_in_two", "small", "empty"],
)
def test_a_streamed_body_up_to_the_cap_reaches_the_app(chunks: list[bytes]) -> None:
    app = BodyReader()
    status, answer, _ = call(app, chunks, JSON)
    assert (status, answer["read"]) == (200, sum(map(len, chunks)))


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    app = BodyReader()
    headers = JSON | {"content-length": str(MAX_BODY_BYTES + 1)}
    status, _, pulled = call(app, [b"x"], headers)
    assert (status, pulled, app.bytes_read) == (413, 0, 0)


@pytest.mark.parametrize("path", ["/predict", "/predict_batch", "/explain"])
@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=----x",
        "text/plain",
        "",
    ],
)
def test_a_json_endpoint_refuses_other_content_types(path: str, content_type: str) -> None:
    app = BodyReader()
    headers = {"content-type": content_type}
    status, answer, pulled = call(app, [b"sk_id_curr=100002"], headers, path)
    assert status == 415
    assert f"send the body as {JSON_TYPE}" in answer["error"]
    assert repr(content_type) in answer["error"]
    assert (pulled, app.bytes_read) == (0, 0), "nothing is read"


@pytest.mark.parametrize(
    "headers",
    [
        JSON,
        {"content-type": "application/json; charset=utf-8"},
        {"content-type": "Application/JSON"},
        {"content-type": "application/problem+json"},
        {},
    ],
    ids=["json", "json_with_charset", "upper_case", "json_suffix", "none_declared"],
)
def test_json_and_undeclared_bodies_pass(headers: dict[str, str]) -> None:
    status, answer, _ = call(BodyReader(), [b'{"sk_id_curr": 1}'], headers)
    assert (status, answer["read"]) == (200, 17)


def test_other_paths_keep_their_content_types() -> None:
    form = {"content-type": "multipart/form-data; boundary=----x"}
    status, _, _ = call(BodyReader(), [b"--x--"], form, path="/ui/upload")
    assert status == 200


def test_the_api_key_is_checked_before_the_content_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDIT_API_KEY", "secret")
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert call(BodyReader(), [b"a=1"], form)[0] == 401
    assert call(BodyReader(), [b"a=1"], form | {"x-api-key": "secret"})[0] == 415
