"""Logging what the scoring service answered: one prediction-log entry per client scored.

The service passes each answer through :func:`log_answer`, which returns it unchanged::

    started = time.perf_counter()
    return log_answer(request, self.scorer.predict(request), started)

A failure to write the log is reported in the service's log and does not fail the request: the
client gets the decision, and the error says which entry is missing.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from credit_assets.monitoring.prediction_log import KEY, log_predictions
from credit_assets.serving.schemas import BatchPrediction, BatchRequest, Prediction, PredictRequest

if TYPE_CHECKING:
    from credit_assets.serving.lookups import WhatIfRequest

logger = logging.getLogger(__name__)
A = TypeVar("A", bound=Prediction | BatchPrediction)


def request_rows(request: PredictRequest | BatchRequest | WhatIfRequest) -> list[dict[str, Any]]:
    """The fields of each client in a request: the application given, or the known id (with
    the changed fields, for a what-if)."""
    if not isinstance(request, PredictRequest | BatchRequest):
        return [{KEY: request.sk_id_curr, **request.changes}]
    if isinstance(request, PredictRequest):
        if request.application is not None:
            return [request.application.model_dump(exclude_none=True)]
        return [{KEY: request.sk_id_curr}]
    if request.applications is not None:
        return [a.model_dump(exclude_none=True) for a in request.applications]
    return [{KEY: i} for i in request.sk_id_curr or []]


def log_answer(
    request: PredictRequest | BatchRequest | WhatIfRequest,
    answer: A,
    started: float,
    origin: str = "api",
) -> A:
    """Log every client of a served answer and return the answer; ``started`` is the
    ``time.perf_counter()`` taken when the request arrived; ``origin`` is who asked (one of
    :data:`credit_assets.monitoring.prediction_log.ORIGINS`)."""
    record_answer(request, answer, started, origin=origin)
    return answer


def record_answer(
    request: PredictRequest | BatchRequest | WhatIfRequest,
    answer: Prediction | BatchPrediction,
    started: float,
    path: Path | None = None,
    origin: str = "api",
) -> list[str]:
    """Log every client of a served answer; the entries' request ids (none if the log could not
    be written)."""
    latency_ms = (time.perf_counter() - started) * 1000
    scores = [answer] if isinstance(answer, Prediction) else answer.predictions
    try:
        return log_predictions(
            request_rows(request),
            [s.probability for s in scores],
            [s.decision for s in scores],
            [s.model_version for s in scores],
            latency_ms,
            path=path,
            scored_on=[s.scored_on for s in scores],
            origin=origin,
        )
    except (sqlite3.Error, OSError):
        logger.exception("prediction log not written for %d client(s)", len(scores))
        return []
