"""``credit_scorer``: the champion's probability of default, decision and reasons over HTTP.

POST /predict        {"sk_id_curr": 100002} or {"application": {...raw Kaggle fields...}}, the
                     latter optionally with {"history": {"bureau": [...], ...side-table rows}}
POST /predict_batch  {"sk_id_curr": [...]} or {"applications": [...]} (10,000 ids, 1,000 apps),
                     the latter optionally with {"histories": [...]}: one history or null each
POST /explain        {"sk_id_curr": 100002, "top_k": 10}: exact contributions with descriptions
GET  /model_info     name, version, metrics, threshold, dates, feature count, data kind
GET  /docs.json      the OpenAPI document: request, answer and error bodies as served
GET  /ui             the explainer for credit officers (Gradio, on this service's own scorer)
GET  /livez /readyz /metrics  BentoML's health and Prometheus endpoints

Serve with ``bentoml serve credit_scorer:latest`` (a packaged Bento) or ``bentoml serve
bento.service:CreditScorer`` (from the source tree); both load the latest
``credit_scoring_champion`` model from ``BENTOML_HOME``. When ``CREDIT_API_KEY`` is set, every
call but the health and metrics endpoints needs it (``X-API-Key`` or ``Authorization: Bearer``),
and the explainer asks for it on its sign-in form.
One worker process by default; ``BENTOML_CONFIG_OPTIONS="services.credit_scorer.workers=2"``
changes it, like any other setting below.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import bentoml
from fastapi import FastAPI

with bentoml.importing():
    from credit_assets import settings
    from credit_assets.monitoring.served import log_answer
    from credit_assets.serving.batching import MicroBatcher, ThreadBatcher
    from credit_assets.serving.contract import document
    from credit_assets.serving.errors import UnknownClientError
    from credit_assets.serving.guard import RequestGuard
    from credit_assets.serving.packaging import MODEL_NAME, serving_requirements
    from credit_assets.serving.schemas import (
        BatchPrediction,
        BatchRequest,
        ExplainRequest,
        Explanation,
        ModelInfo,
        Prediction,
        PredictRequest,
    )

if TYPE_CHECKING:
    from credit_assets.serving.scorer import Scorer

IMAGE = bentoml.images.Image(python_version="3.11", lock_python_packages=False).python_packages(
    *serving_requirements()
)

HOT_ROUTES = ("/predict", "/predict_batch", "/explain")
logger = logging.getLogger(__name__)
web = FastAPI(title="credit_scorer pages", docs_url=None, redoc_url=None, openapi_url=None)
"""Plain HTTP routes beside the API (GET /model_info) and the explainer at /ui."""


@bentoml.service(
    name="credit_scorer",
    image=IMAGE,
    http={"port": settings.SERVICE_PORT},
    traffic={"timeout": 30, "max_concurrency": 256},
    # One worker: adaptive batching on its event loop already serves over 900 requests/s here,
    # a second one adds nothing on two cores, and the explainer UI needs its sessions in one
    # process.
    workers=1,
    metrics={"enabled": True},
    # Per-request access lines and (unexported) trace spans cost more than scoring a client.
    logging={"access": {"enabled": False}},
    tracing={"excluded_urls": list(HOT_ROUTES)},
)
@bentoml.asgi_app(web, path="/")
class CreditScorer:
    """Probability of default, accept / refuse decision and reasons for one or many clients."""

    champion = bentoml.models.BentoModel(f"{MODEL_NAME}:latest")

    def __init__(self) -> None:
        # The scorer brings pandas, scikit-learn, LightGBM and Polars: imported by each worker
        # that serves, not by the `bentoml serve` parent process, which only reads the settings.
        from credit_assets.serving.scorer import Scorer
        from ui.mount import import_explainer, mount_explainer

        # The explainer's imports (Gradio, matplotlib) overlap with loading the model.
        importing = threading.Thread(target=import_explainer, name="import-explainer")
        importing.start()
        self.scorer: Scorer = Scorer.load(
            Path(self.champion.path), bento_model=str(self.champion.tag)
        )
        self.known_clients = MicroBatcher(self.scorer.predict_ids)
        # A new applicant's request travels whole, so its credit history stays with it.
        self.new_applicants = ThreadBatcher(self.scorer.predict_new)
        # The explainer at /ui: built here, where the scorer exists, and mounted on `web` before
        # BentoML starts the mounted apps (ui/mount.py). The API must not go down with it.
        importing.join()
        try:
            mount_explainer(web, self.scorer)
        except Exception:
            logger.exception("the explainer could not be built: serving the API without /ui")
        # Everything loaded so far lives as long as the process: out of the garbage collector's
        # sight, a full collection no longer walks the client store's text columns (cost 0.2-0.3 s
        # a time at full scale, paid by whichever request triggered it).
        gc.freeze()

    @bentoml.api
    async def predict(self, request: PredictRequest, /) -> Prediction:
        """Calibrated probability of default and decision for a known id or a new application.

        Known clients are scored on the event loop, in adaptive batches with the requests that
        arrive meanwhile (a millisecond or two, less than a thread hop); new applications'
        features take longer: they are computed in a worker thread, the applications that
        arrive meanwhile together in the next batch.
        """
        started = time.perf_counter()
        with _as_http_errors():
            if request.application is not None:
                answer = await self.new_applicants.submit(request)
            else:  # the request holds exactly one of the two
                answer = await self.known_clients.submit(cast(int, request.sk_id_curr))
            return log_answer(request, answer, started)

    @bentoml.api(route="/predict_batch")
    def predict_batch(self, request: BatchRequest, /) -> BatchPrediction:
        """Scores of a list of known ids or of new applications, in the order given."""
        started = time.perf_counter()
        with _as_http_errors():
            return log_answer(request, self.scorer.predict_batch(request), started)

    @bentoml.api
    def explain(self, request: ExplainRequest, /) -> Explanation:
        """The top-k exact contributions to the client's log-odds of default, with values."""
        started = time.perf_counter()
        with _as_http_errors():
            return log_answer(request, self.scorer.explain(request), started)

    @bentoml.api(route="/model_info")
    def model_info(self) -> ModelInfo:
        """What is served: name, version, metrics, threshold, dates, feature count, data kind."""
        return self.scorer.info()

    @web.get("/model_info", response_model=ModelInfo)
    def model_info_page(self) -> ModelInfo:
        """``GET /model_info``: the same answer for browsers and probes."""
        return self.scorer.info()

    # Served by `web`, whose routes match before BentoML's own /docs.json.
    @web.get("/docs.json", include_in_schema=False)
    def published_contract(self) -> dict[str, Any]:
        """``GET /docs.json``: the OpenAPI document, with the bodies and errors as served."""
        generated = CreditScorer.openapi_spec.asdict()
        return document(generated, self.scorer.categories, api_key=settings.api_key() is not None)


# BentoML types the argument as a middleware factory protocol; a middleware class is what it calls.
CreditScorer.add_asgi_middleware(RequestGuard)  # pyright: ignore[reportArgumentType]


@contextmanager
def _as_http_errors() -> Iterator[None]:
    """Domain errors become HTTP answers: an unknown client is a 404 naming the id."""
    try:
        yield
    except UnknownClientError as error:
        raise bentoml.exceptions.NotFound(str(error)) from error
