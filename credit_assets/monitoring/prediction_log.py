"""The prediction log: every served prediction appended to a local SQLite file.

SQLite in WAL mode lets every worker process of the service append at once: writers queue on
the database lock (``busy_timeout``) instead of failing, each append is one transaction, and a
worker killed mid-request loses nothing already committed. The service calls one function::

    from credit_assets.monitoring.prediction_log import log_predictions

    ids = log_predictions(rows, proba, decisions, model.version, latency_ms)

``rows`` are the application fields as received (one mapping per applicant); they are kept as
JSON so the drift report can rebuild the applicants' features with the batch code.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credit_assets import settings

if TYPE_CHECKING:  # pandas is imported where a frame is read: the service's parent process
    import pandas as pd  # and the explainer page import this module and never read one

KEY = "SK_ID_CURR"
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS predictions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL UNIQUE,
    logged_at TEXT NOT NULL,
    client_id INTEGER,
    input_hash TEXT NOT NULL,
    probability REAL NOT NULL,
    decision TEXT NOT NULL,
    model_version TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    inputs TEXT,
    scored_on TEXT NOT NULL DEFAULT 'history',
    origin TEXT NOT NULL DEFAULT 'api'
)
"""
_ADDED_COLUMNS = {
    "scored_on": "TEXT NOT NULL DEFAULT 'history'",
    "origin": "TEXT NOT NULL DEFAULT 'api'",
}
"""Columns added since the first version; an older log file gets them on first open."""
ORIGINS = ("api", "explainer", "what_if")
"""Who asked: a client of the API, the explainer page, or a what-if (never a decision)."""


@dataclass(frozen=True)
class Prediction:
    """One served prediction, as logged."""

    request_id: str
    logged_at: str
    client_id: int | None
    input_hash: str
    probability: float
    decision: str
    model_version: str
    latency_ms: float
    inputs: str | None
    """The application fields received, as JSON (``None`` when not kept)."""
    scored_on: str = "history"
    """``history`` or ``application_only``: which champion answered."""
    origin: str = "api"
    """One of :data:`ORIGINS`."""


COLUMNS = tuple(f.name for f in fields(Prediction))


def input_hash(row: Mapping[str, Any]) -> str:
    """A stable hash of one applicant's fields (key order and missing fields ignored)."""
    present = {k: v for k, v in row.items() if v is not None and v == v}
    text = json.dumps(present, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class PredictionLog:
    """An append-only SQLite table of predictions; safe across threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._writers: list[Callable[[], object]] = []

    def written_behind(self, flush: Callable[[], object]) -> None:
        """Register a writer that appends behind the process's answers (the service's
        :class:`~credit_assets.monitoring.served.AnswerLog`): every read of this process flushes
        it first, so what the process answered is what it reads."""
        self._writers.append(flush)

    def _flush_writers(self) -> None:
        for flush in self._writers:
            flush()

    def _connect(self) -> sqlite3.Connection:
        # A connection must not cross a fork: a worker forked from a parent opens its own.
        if self._connection is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute(_SCHEMA)
            present = {row[1] for row in connection.execute("PRAGMA table_info(predictions)")}
            for column, definition in _ADDED_COLUMNS.items():
                if column not in present:
                    connection.execute(f"ALTER TABLE predictions ADD COLUMN {column} {definition}")
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def append(self, predictions: Sequence[Prediction]) -> None:
        """Append predictions in one transaction: all of them are kept, or none."""
        placeholders = ", ".join("?" for _ in COLUMNS)
        sql = f"INSERT INTO predictions ({', '.join(COLUMNS)}) VALUES ({placeholders})"
        with self._lock:
            connection = self._connect()
            with connection:
                connection.executemany(sql, [astuple(p) for p in predictions])

    def count(self, scored_on: str | None = None, origins: Sequence[str] = ORIGINS) -> int:
        """How many predictions are logged (0 when the file does not exist yet), of one
        ``scored_on`` kind and ``origins`` when given."""
        self._flush_writers()
        if not self.path.exists():
            return 0
        where, values = _filter(scored_on, origins)
        with self._lock:
            query = f"SELECT COUNT(*) FROM predictions {where}"
            return int(self._connect().execute(query, values).fetchone()[0])

    def frame(
        self,
        limit: int | None = None,
        scored_on: str | None = None,
        origins: Sequence[str] = ORIGINS,
    ) -> pd.DataFrame:
        """The logged predictions, oldest first; only the latest ``limit`` when given, only
        those of one ``scored_on`` kind and of ``origins`` when given."""
        import pandas as pd

        self._flush_writers()
        if not self.path.exists():
            return pd.DataFrame({c: [] for c in COLUMNS})
        where, values = _filter(scored_on, origins)
        query = f"SELECT {', '.join(COLUMNS)} FROM predictions {where} ORDER BY id DESC"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self._lock:
            frame = pd.read_sql_query(query, self._connect(), params=values)
        return frame.iloc[::-1].reset_index(drop=True)

    def inputs(
        self,
        limit: int | None = None,
        scored_on: str | None = None,
        origins: Sequence[str] = ORIGINS,
    ) -> list[dict[str, Any]]:
        """The application fields of the latest logged predictions that kept them."""
        texts = self.frame(limit, scored_on, origins)["inputs"].dropna()
        return [json.loads(text) for text in texts]


def _filter(scored_on: str | None, origins: Sequence[str]) -> tuple[str, list[str]]:
    """The WHERE clause (with its values) selecting one kind of answer and some origins."""
    clauses = [f"origin IN ({', '.join('?' for _ in origins)})"]
    values = list(origins)
    if scored_on is not None:
        clauses.append("scored_on = ?")
        values.append(scored_on)
    return "WHERE " + " AND ".join(clauses), values


_logs: dict[Path, PredictionLog] = {}
_logs_lock = threading.Lock()


def prediction_log(path: Path | None = None) -> PredictionLog:
    """The process-wide log at ``path`` (default: ``settings.prediction_log_path()``)."""
    target = path or settings.prediction_log_path()
    with _logs_lock:
        return _logs.setdefault(target, PredictionLog(target))


def prediction_entries(
    rows: Sequence[Mapping[str, Any]],
    probabilities: Sequence[float],
    decisions: Sequence[str],
    model_version: Sequence[str] | str,
    latency_ms: float,
    *,
    keep_inputs: bool = True,
    scored_on: Sequence[str] | str = "history",
    origin: str = "api",
) -> list[Prediction]:
    """The log entries of one request's predictions (one per applicant row), not yet written.

    Args:
        rows: The application fields received, one mapping per applicant.
        probabilities: The probability of default served for each row.
        decisions: ``accepted`` or ``refused`` for each row.
        model_version: The version of the model that answered, for all rows or one per row.
        latency_ms: The request's latency in milliseconds (shared by its rows).
        keep_inputs: Keep the fields as JSON (needed for drift on logged requests).
        scored_on: Which champion answered, for all rows or one per row.
        origin: Who asked (one of :data:`ORIGINS`).
    """
    if not len(rows) == len(probabilities) == len(decisions):
        raise ValueError("rows, probabilities and decisions must have the same length")
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}: one of {', '.join(ORIGINS)}")
    kinds = _per_row(scored_on, len(rows))
    versions = _per_row(model_version, len(rows))
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    return [
        Prediction(
            request_id=uuid.uuid4().hex,
            logged_at=now,
            client_id=_client_id(row),
            input_hash=input_hash(row),
            probability=float(p),
            decision=str(d),
            model_version=version,
            latency_ms=float(latency_ms),
            inputs=json.dumps(dict(row), default=str) if keep_inputs else None,
            scored_on=kind,
            origin=origin,
        )
        for row, p, d, kind, version in zip(
            rows, probabilities, decisions, kinds, versions, strict=True
        )
    ]


def log_predictions(
    rows: Sequence[Mapping[str, Any]],
    probabilities: Sequence[float],
    decisions: Sequence[str],
    model_version: Sequence[str] | str,
    latency_ms: float,
    *,
    keep_inputs: bool = True,
    path: Path | None = None,
    scored_on: Sequence[str] | str = "history",
    origin: str = "api",
) -> list[str]:
    """Log one request's predictions (one per applicant row, in one transaction) and return
    their request ids; the arguments are :func:`prediction_entries`' and ``path``, the SQLite
    file (default: ``settings.prediction_log_path()``)."""
    entries = prediction_entries(
        rows, probabilities, decisions, model_version, latency_ms,
        keep_inputs=keep_inputs, scored_on=scored_on, origin=origin,
    )  # fmt: skip
    prediction_log(path).append(entries)
    return [e.request_id for e in entries]


def _per_row(value: Sequence[str] | str, rows: int) -> list[str]:
    return [value] * rows if isinstance(value, str) else list(value)


def _client_id(row: Mapping[str, Any]) -> int | None:
    value = row.get(KEY)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
