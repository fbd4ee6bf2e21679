"""``explainer``: the Gradio page for credit officers, a client of the ``credit_scorer`` API.

It runs as its own service in the same Bento, with one worker: Gradio keeps each officer's
session in that process's memory, while the scorer scales to several workers. The scorer, the
entry service on the public port, depends on it and forwards ``/ui`` to it (``ui/proxy.py``);
the page calls the API back at the scorer's own address, which ``bentoml serve`` gives every
service of the Bento (``BENTOML_RUNNER_MAP``), or at ``CREDIT_API_URL`` when that is set. Its
calls carry the API key and ``X-Credit-Origin: explainer``, so they are validated and logged
like anyone's and marked as the explainer's.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import bentoml
from fastapi import FastAPI

with bentoml.importing():
    from credit_assets import settings

logger = logging.getLogger(__name__)
SCORER = "credit_scorer"
API_WAIT_SECONDS = 600.0
"""How long the page waits for the API as the Bento starts (the scorer loads its client store:
seconds on demo data, a minute at full scale on a busy machine)."""
page = FastAPI(title="credit_scorer explainer", docs_url=None, redoc_url=None, openapi_url=None)
"""The app the explainer is mounted on, at /ui."""


def served_address(service: str) -> str | None:
    """The address of a service of the Bento that ``bentoml serve`` runs (it tells every
    service's processes in ``BENTOML_RUNNER_MAP``), or ``None`` outside ``bentoml serve``."""
    return json.loads(os.environ.get("BENTOML_RUNNER_MAP") or "{}").get(service)


def api_url() -> str | None:
    """Where the scoring API answers: ``CREDIT_API_URL``, else the scorer's address in the Bento
    being served, else ``None`` (the service was started alone)."""
    return os.environ.get("CREDIT_API_URL") or served_address(SCORER)


@bentoml.service(
    name="explainer",
    # One worker: every request of an officer's Gradio session must reach the same process.
    workers=1,
    traffic={"timeout": 60},
    logging={"access": {"enabled": False}},
)
@bentoml.asgi_app(page, path="/")
class Explainer:
    """The explainer page at ``/ui``, built on the scoring API."""

    def __init__(self) -> None:
        url = api_url()
        if url is None:
            logger.error("no scoring API to call (CREDIT_API_URL unset): serving no page")
            return
        # The page is built from the API's answers (model, features, sample of clients), so it
        # waits for the API; the API's own start does not wait for the page.
        self._build(url)

    def _build(self, url: str) -> None:
        from credit_assets.launcher.ready import Endpoint, wait_until_ready
        from ui.client import ScorerApi

        api = ScorerApi.connect(url, settings.api_key())
        scorer = Endpoint(SCORER, url, f"{url}/livez")
        try:
            with stop_requested():
                # Gradio and matplotlib (seconds of one core) are imported once the API
                # answers, so they do not compete with the scorer's workers while those start.
                waited = wait_until_ready([scorer], API_WAIT_SECONDS, 0.2, lambda _: api.live())
                if waited[SCORER] is None:
                    logger.error("the scoring API at %s did not answer: serving no page", url)
                    return
                from ui.mount import mount_explainer

                mount_explainer(page, api)
        except StopRequested:
            logger.info("asked to stop while the page was being built: serving no page")
        except Exception:
            logger.exception("the explainer could not be built: serving no page")


class StopRequested(BaseException):
    """The process was asked to stop (SIGTERM, SIGINT) while the page was being built.

    Not an ``Exception``, as ``KeyboardInterrupt`` is not: code that handles an API's failure
    while building the page must not take it for one and go on building."""


@contextmanager
def stop_requested() -> Iterator[None]:
    """Inside the block, a stop signal (SIGTERM, SIGINT) raises :class:`StopRequested`.

    The page is built in the worker's start-up, where the server's own handler only flags the
    exit for later. A page still waiting for the API, or for an answer of an API that is itself
    stopping, would hold the whole Bento's shutdown for a minute or more. The exception
    interrupts the wait or the blocked read at once; the server's handler still runs first,
    and a signal with no Python handler keeps its default action (it ends the process).
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def stop(signum: int, frame: FrameType | None) -> None:
        handler = previous[signal.Signals(signum)]
        if callable(handler):
            handler(signum, frame)
        raise StopRequested(signal.Signals(signum).name)

    for sig, handler in previous.items():
        if callable(handler):
            signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            if callable(handler):
                signal.signal(sig, handler)
