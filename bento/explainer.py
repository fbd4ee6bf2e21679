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
import time

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
        from ui.client import ScorerApi

        api = ScorerApi.connect(url, settings.api_key())
        deadline = time.monotonic() + API_WAIT_SECONDS
        # Gradio and matplotlib (seconds of one core) are imported once the API answers, so
        # they do not compete with the scorer's workers for the cores while those start.
        while not api.live():
            if time.monotonic() > deadline:
                logger.error("the scoring API at %s did not answer: serving no page", url)
                return
            time.sleep(0.2)
        from ui.mount import mount_explainer

        try:
            mount_explainer(page, api)
        except Exception:
            logger.exception("the explainer could not be built: serving no page")
