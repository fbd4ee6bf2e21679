"""Logging what the scoring service answered: one prediction-log entry per client scored.

The service writes behind its answers (:class:`AnswerLog`): a request only queues what it
answered and gets its answer back unchanged::

    started = time.perf_counter()
    return self.answers.log(request, self.scorer.predict(request), started)

One thread of the worker turns the queue into entries and appends them, all that queued
meanwhile in one transaction: the JSON of an application, its hash and the SQLite commit leave
the request's path, and the workers' commits no longer queue on the database's write lock one
request at a time. Every entry is written a few milliseconds after its answer, before the worker
stops, and before any read of the log in the same process. Other callers log synchronously,
the entries written before the call returns: :func:`log_answer` (returns the answer) and
:func:`record_answer` (returns the entries' request ids).

A failure to write the log is reported in the service's log and does not fail the request: the
client gets the decision, and the error says which entry is missing.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from credit_assets.monitoring.prediction_log import (
    KEY,
    prediction_entries,
    prediction_log,
)
from credit_assets.monitoring.prediction_log import (
    Prediction as Entry,
)
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
    answered = Answered(request, answer, (time.perf_counter() - started) * 1000, origin)
    return [e.request_id for e in _write([answered], path)]


@dataclass(frozen=True)
class Answered:
    """One served answer, as queued for the log."""

    request: PredictRequest | BatchRequest | WhatIfRequest
    answer: Prediction | BatchPrediction
    latency_ms: float
    origin: str

    def entries(self) -> list[Entry]:
        scores = [self.answer] if isinstance(self.answer, Prediction) else self.answer.predictions
        return prediction_entries(
            request_rows(self.request),
            [s.probability for s in scores],
            [s.decision for s in scores],
            [s.model_version for s in scores],
            self.latency_ms,
            scored_on=[s.scored_on for s in scores],
            origin=self.origin,
        )


def _write(answers: Sequence[Answered], path: Path | None) -> list[Entry]:
    """Append the entries of ``answers`` in one transaction; none if the log cannot be written
    (reported in the service's log)."""
    entries = [entry for answered in answers for entry in answered.entries()]
    try:
        prediction_log(path).append(entries)
    except (sqlite3.Error, OSError):
        logger.exception("prediction log not written for %d client(s)", len(entries))
        return []
    return entries


class AnswerLog:
    """The prediction log written behind the answers: :meth:`log` queues an answer and returns
    it, one thread appends what queued (see the module's docstring).

    :meth:`flush` waits until everything queued so far is written; it runs before every read of
    the same log in this process, and :meth:`close` (the service's shutdown, or the
    interpreter's exit) flushes and stops the thread.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.log_file = prediction_log(path)
        self._queue: queue.SimpleQueue[Answered | None] = queue.SimpleQueue()
        self._written = threading.Condition()
        self._queued = self._done = 0
        self._thread: threading.Thread | None = None
        self.transactions = 0
        """How many transactions the writer has made (each writes what had queued)."""
        self.log_file.written_behind(self.flush)

    def log(
        self,
        request: PredictRequest | BatchRequest | WhatIfRequest,
        answer: A,
        started: float,
        origin: str = "api",
    ) -> A:
        """Queue the answer for the log and return it (``started``, ``origin``: as for
        :func:`log_answer`)."""
        answered = Answered(request, answer, (time.perf_counter() - started) * 1000, origin)
        with self._written:  # queued in order with close's stop: none is left behind it
            self._queued += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="answer-log", daemon=True)
                self._thread.start()
                atexit.register(self.close)
            self._queue.put(answered)
        return answer

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every answer queued so far is written (or failed and reported); whether
        that happened within ``timeout`` seconds."""
        with self._written:
            target = self._queued
            return self._written.wait_for(lambda: self._done >= target, timeout)

    def close(self) -> None:
        """Write what is queued and stop the writer thread (it starts again if needed)."""
        with self._written:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            batch = [] if first is None else [first]
            stopping = first is None
            while not stopping:
                try:
                    queued = self._queue.get_nowait()
                except queue.Empty:
                    break
                stopping = queued is None
                if queued is not None:
                    batch.append(queued)
            if batch:
                try:
                    _write(batch, self.log_file.path)
                except Exception:  # the writer outlives an answer it cannot log: reported
                    logger.exception("prediction log not written for %d answer(s)", len(batch))
                self.transactions += 1
            with self._written:
                self._done += len(batch)
                self._written.notify_all()
