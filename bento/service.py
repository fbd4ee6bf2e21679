"""``credit_scorer``: the champion's probability of default, decision and reasons over HTTP.

POST /predict        {"sk_id_curr": 100002} or {"application": {...raw Kaggle fields...}}, the
                     latter optionally with {"history": {"bureau": [...], ...side-table rows}}
POST /predict_batch  {"sk_id_curr": [...]} or {"applications": [...]} (10,000 ids, 1,000 apps),
                     the latter optionally with {"histories": [...]}: one history or null each
POST /explain        {"sk_id_curr": 100002, "top_k": 10}: exact contributions with descriptions
                     (and a scorecard's points per feature, total and cut-off)
POST /what_if        {"sk_id_curr": 100002, "changes": {"EXT_SOURCE_3": 0.2}}: score before/after
POST /application    {"sk_id_curr": 100002}: the raw application fields the client's row keeps
POST /client_features  {"sk_id_curr": [...], "features": [...]}: known clients' feature values
POST /population     {"features": [...], "size": 3000, "seed": 0}: a sample of known clients
GET  /features       the model's features (description, importance) and the known categories
GET  /model_info     name, version, metrics, threshold, dates, feature count, data kind
GET  /reason_codes   every reason code a refusal can carry, with its title and sentence
GET  /validation     the champion's validation report (HTML; /validation.json its figures)
GET  /docs.json      the OpenAPI document: request, answer and error bodies as served
GET  /ui             the explainer for credit officers (the ``explainer`` service, forwarded)
GET  /livez /readyz /metrics  BentoML's health and Prometheus endpoints

Every scored answer is written to the prediction log (by a thread of the worker, a few
milliseconds behind the answer) with its origin: ``api``, or
``explainer`` when the request says ``X-Credit-Origin: explainer`` (the explainer's lookups),
or ``what_if`` for ``/what_if``; the drift report counts only ``api`` as live traffic.

Serve with ``bentoml serve credit_scorer:latest`` (a packaged Bento) or ``bentoml serve
bento.service:CreditScorer`` (from the source tree); both load the latest
``credit_scoring_champion`` model from ``BENTOML_HOME``. When ``CREDIT_API_KEY`` is set, every
call but the health and metrics endpoints needs it (``X-API-Key`` or ``Authorization: Bearer``),
and the explainer asks for it on its sign-in form.
Two worker processes by default; ``BENTOML_CONFIG_OPTIONS="services.credit_scorer.workers=1"``
changes it, like any other setting below. The explainer is a second service of the Bento
(``bento/explainer.py``, one worker), which this one depends on and forwards ``/ui`` to.
"""

from __future__ import annotations

import os

# One Polars thread per worker, unless the environment says otherwise: the features of more than
# FEW_ROWS new applicants in one call are small Polars queries (a few applicants' are computed in
# NumPy), and each handed to a pool of threads that the other worker and the clients also want
# waits for a core. Two workers on two cores, full scale, one thread against two in three runs
# (benchmarks/serving.py --polars-threads 1,2), when every new applicant took the queries:
# 927-1,247 against 621-1,040 requests/s flat out, /explain p99 25-41 against 31-518 ms.
os.environ.setdefault("POLARS_MAX_THREADS", "1")

import gc
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import bentoml
from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response

from bento.explainer import Explainer, served_address

with bentoml.importing():
    from credit_assets import settings
    from credit_assets.monitoring.served import AnswerLog
    from credit_assets.serving import lookups
    from credit_assets.serving.batching import MicroBatcher
    from credit_assets.serving.contract import HEADER_ORIGINS, ORIGIN_HEADER, document
    from credit_assets.serving.errors import UnknownClientError
    from credit_assets.serving.guard import RequestGuard
    from credit_assets.serving.packaging import (
        MODEL_NAME,
        REPORT_TYPES,
        VALIDATION_DATA,
        VALIDATION_REPORT,
        carried_report,
        serving_requirements,
    )
    from credit_assets.serving.schemas import (
        BatchPrediction,
        BatchRequest,
        ExplainRequest,
        Explanation,
        ModelInfo,
        Prediction,
        PredictRequest,
        ReasonCodeInfo,
    )
    from ui.proxy import ExplainerProxy, client_for

if TYPE_CHECKING:
    from _bentoml_impl.client.proxy import RemoteProxy

    from credit_assets.serving.scorer import Scorer

IMAGE = bentoml.images.Image(python_version="3.11", lock_python_packages=False).python_packages(
    *serving_requirements()
)

HOT_ROUTES = ("/predict", "/predict_batch", "/explain")
logger = logging.getLogger(__name__)
web = FastAPI(title="credit_scorer pages", docs_url=None, redoc_url=None, openapi_url=None)
"""Plain HTTP routes beside the API (GET /model_info, GET /features) and /ui."""
explainer_page = ExplainerProxy()
web.mount("/ui", explainer_page)


@bentoml.service(
    name="credit_scorer",
    image=IMAGE,
    http={"port": settings.SERVICE_PORT},
    traffic={"timeout": 30, "max_concurrency": 256},
    # Two workers: the explainer, which needs its sessions in one process, is a service of its
    # own, and a second worker keeps the API answering while the other is busy (a large batch,
    # a garbage collection). Each worker holds its own client store (memory: README).
    workers=2,
    metrics={"enabled": True},
    # /readyz says whether the API can score: the explainer page, a dependency, has its own
    # probe (/ui/ answers once it is built) and a page still building does not hold the API back.
    runner_probe={"enabled": False},
    # Per-request access lines and (unexported) trace spans cost more than scoring a client.
    logging={"access": {"enabled": False}},
    tracing={"excluded_urls": list(HOT_ROUTES)},
)
@bentoml.asgi_app(web, path="/")
class CreditScorer:
    """Probability of default, accept / refuse decision and reasons for one or many clients."""

    champion = bentoml.models.BentoModel(f"{MODEL_NAME}:latest")
    explainer = bentoml.depends(Explainer)

    def __init__(self) -> None:
        # The scorer brings pandas, scikit-learn, LightGBM and Polars: imported by each worker
        # that serves, not by the `bentoml serve` parent process, which only reads the settings.
        from credit_assets.serving.scorer import Scorer

        self.scorer: Scorer = Scorer.load(
            Path(self.champion.path), bento_model=str(self.champion.tag)
        )
        # Every answer is logged behind it: a thread of this worker writes the prediction log.
        self.answers = AnswerLog()
        self.known_clients = MicroBatcher(self.scorer.predict_ids)
        # A new applicant's request travels whole, so its credit history stays with it.
        self.new_applicants = MicroBatcher(self.scorer.predict_new)
        # /ui goes to the explainer service where `bentoml serve` runs it beside this one; run
        # in-process (tests through `to_asgi()`), there is none and /ui answers 503.
        if served_address(Explainer.name) is not None:
            # Under `bentoml serve` the dependency is a remote proxy of the explainer service.
            remote = cast("RemoteProxy[Any]", self.explainer)
            explainer_page.connect(client_for(remote.to_async.url))
        # Everything loaded so far lives as long as the process: out of the garbage collector's
        # sight, a full collection no longer walks the client store's text columns (cost 0.2-0.3 s
        # a time at full scale, paid by whichever request triggered it).
        gc.freeze()

    @bentoml.on_shutdown
    def write_the_log(self) -> None:
        """The answers still queued for the prediction log written before the worker stops."""
        self.answers.close()

    @bentoml.api
    async def predict(self, request: PredictRequest, /, ctx: bentoml.Context) -> Prediction:
        """Calibrated probability of default and decision for a known id or a new application.

        Both kinds are scored on the event loop, each in adaptive batches with the requests of
        its kind that arrived meanwhile: a known client's answer is looked up, a new
        applicant's features computed (milliseconds of Python that hold the GIL, which a worker
        thread would only contend for: ``credit_assets.serving.batching``).
        """
        started = time.perf_counter()
        origin = _origin(ctx)
        with _as_http_errors():
            if request.application is not None:
                answer = await self.new_applicants.submit(request)
            else:  # the request holds exactly one of the two
                answer = await self.known_clients.submit(cast(int, request.sk_id_curr))
            return self.answers.log(request, answer, started, origin)

    @bentoml.api(route="/predict_batch")
    def predict_batch(self, request: BatchRequest, /, ctx: bentoml.Context) -> BatchPrediction:
        """Scores of a list of known ids or of new applications, in the order given."""
        started = time.perf_counter()
        origin = _origin(ctx)
        with _as_http_errors():
            return self.answers.log(request, self.scorer.predict_batch(request), started, origin)

    @bentoml.api
    def explain(self, request: ExplainRequest, /, ctx: bentoml.Context) -> Explanation:
        """The top-k exact contributions to the client's log-odds of default, with values."""
        started = time.perf_counter()
        origin = _origin(ctx)
        with _as_http_errors():
            return self.answers.log(request, self.scorer.explain(request), started, origin)

    @bentoml.api(route="/what_if")
    def what_if(self, request: lookups.WhatIfRequest, /) -> lookups.WhatIf:
        """A known client's score before and after changes to raw application fields (their
        credit history kept). Logged as a ``what_if``: never a decision, never live traffic."""
        started = time.perf_counter()
        with _as_http_errors():
            answer = lookups.what_if(self.scorer, request)
            self.answers.log(request, answer.after, started, origin="what_if")
            return answer

    @bentoml.api(route="/application")
    def application(self, request: lookups.ApplicationRequest, /) -> lookups.ClientApplication:
        """The raw application fields a known client's feature row keeps (what a what-if edits)."""
        with _as_http_errors():
            return lookups.application(self.scorer, request)

    @bentoml.api(route="/client_features")
    def client_features(self, request: lookups.ClientFeaturesRequest, /) -> lookups.ClientFeatures:
        """Some model feature values of known clients (up to 1,000 clients, 200 features)."""
        with _as_http_errors():
            return lookups.client_features(self.scorer, request)

    @bentoml.api(route="/population")
    def population(self, request: lookups.PopulationRequest, /) -> lookups.PopulationSample:
        """A fixed random sample of known clients (the same for the same seed) with some
        feature values and their probabilities of default: what a client is compared with."""
        return lookups.population(self.scorer, request)

    @web.get("/features", response_model=lookups.FeatureFacts)
    def features(self) -> lookups.FeatureFacts:
        """``GET /features``: the model's features, most important first, and the categories."""
        return lookups.feature_facts(self.scorer)

    @bentoml.api(route="/model_info")
    def model_info(self) -> ModelInfo:
        """What is served: name, version, metrics, threshold, dates, feature count, data kind."""
        return self.scorer.info()

    @web.get("/model_info", response_model=ModelInfo)
    def model_info_page(self) -> ModelInfo:
        """``GET /model_info``: the same answer for browsers and probes."""
        return self.scorer.info()

    @web.get("/reason_codes", response_model=list[ReasonCodeInfo])
    def reason_codes_page(self) -> list[ReasonCodeInfo]:
        """``GET /reason_codes``: the codes refusals carry, with their titles and sentences."""
        return self.scorer.reason_codes()

    @web.get("/validation", response_class=FileResponse)
    def validation_report(self) -> Response:
        """``GET /validation``: the champion's validation report, a self-contained HTML page
        (404 in words when the model was packaged without it)."""
        return self._report(VALIDATION_REPORT)

    @web.get("/validation.json", response_class=FileResponse)
    def validation_data(self) -> Response:
        """``GET /validation.json``: the figures of the validation report."""
        return self._report(VALIDATION_DATA)

    def _report(self, name: str) -> Response:
        try:
            path = carried_report(Path(self.champion.path), name)
        except FileNotFoundError as missing:
            return JSONResponse({"error": f"{missing} ({self.champion.tag})"}, status_code=404)
        return FileResponse(path, media_type=REPORT_TYPES[name])

    # Served by `web`, whose routes match before BentoML's own /docs.json.
    @web.get("/docs.json", include_in_schema=False)
    def published_contract(self) -> dict[str, Any]:
        """``GET /docs.json``: the OpenAPI document, with the bodies and errors as served."""
        generated = CreditScorer.openapi_spec.asdict()
        return document(
            generated,
            self.scorer.categories,
            self.scorer.model.feature_names,
            api_key=settings.api_key() is not None,
        )


# BentoML types the argument as a middleware factory protocol; a middleware class is what it calls.
CreditScorer.add_asgi_middleware(RequestGuard)  # pyright: ignore[reportArgumentType]


def _origin(ctx: bentoml.Context) -> str:
    """Who asks, as the request's ``X-Credit-Origin`` says (``api`` when it says nothing)."""
    origin = ctx.request.headers.get(ORIGIN_HEADER, "api")
    if origin not in HEADER_ORIGINS:
        raise bentoml.exceptions.InvalidArgument(
            f"X-Credit-Origin {origin!r} is not one of {', '.join(HEADER_ORIGINS)}"
        )
    return origin


@contextmanager
def _as_http_errors() -> Iterator[None]:
    """Domain errors become HTTP answers: an unknown client is a 404 naming the id."""
    try:
        yield
    except UnknownClientError as error:
        raise bentoml.exceptions.NotFound(str(error)) from error
