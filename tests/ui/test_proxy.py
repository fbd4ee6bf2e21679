"""The scorer's /ui proxy: one client forwards every officer's requests to the explainer."""

from __future__ import annotations

import asyncio

import httpx

from ui.proxy import client_for


def test_the_proxy_never_lends_one_officers_sign_in_to_another() -> None:
    """A sign-in cookie in one answer is passed to that browser only: the shared client keeps
    none, so a new officer's browser, which sends no cookie, is not signed in by the proxy."""

    def explainer(request: httpx.Request) -> httpx.Response:
        cookies = request.headers.get("cookie", "none")
        return httpx.Response(200, headers={"set-cookie": "access-token=one; Path=/"}, text=cookies)

    async def two_officers() -> tuple[httpx.Response, httpx.Response]:
        client = client_for("http://explainer")
        client._transport = httpx.MockTransport(explainer)
        first = await client.get("/ui/login")
        second = await client.get("/ui/")
        await client.aclose()
        return first, second

    first, second = asyncio.run(two_officers())
    assert first.headers["set-cookie"].startswith("access-token=one")
    assert second.text == "none"
