"""The prediction log keeps every entry, whatever the number of threads and processes writing."""

from __future__ import annotations

import multiprocessing
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from credit_assets.monitoring.prediction_log import (
    PredictionLog,
    input_hash,
    log_predictions,
)

ROW = {"SK_ID_CURR": 100_002, "AMT_CREDIT": 406_597.5, "NAME_CONTRACT_TYPE": "Cash loans"}


def _log_many(path: str, writer: int, calls: int) -> None:
    for call in range(calls):
        rows = [ROW | {"SK_ID_CURR": writer * 1_000_000 + call * 2 + i} for i in range(2)]
        log_predictions(rows, [0.1, 0.7], ["accepted", "refused"], "v1", 3.5, path=Path(path))


def test_an_entry_holds_what_a_person_looks_for(tmp_path: Path) -> None:
    path = tmp_path / "predictions.sqlite"
    ids = log_predictions([ROW], [0.42], ["refused"], "lightgbm-abc", 12.5, path=path)
    frame = PredictionLog(path).frame()
    entry = frame.iloc[0]
    assert entry["request_id"] == ids[0]
    assert entry["client_id"] == 100_002
    assert (entry["probability"], entry["decision"]) == (0.42, "refused")
    assert (entry["model_version"], entry["latency_ms"]) == ("lightgbm-abc", 12.5)
    assert entry["input_hash"] == input_hash(ROW)
    assert PredictionLog(path).inputs() == [ROW]
    assert entry["logged_at"].endswith("+00:00")


def test_the_input_hash_ignores_key_order_and_missing_fields() -> None:
    shuffled = dict(reversed(list(ROW.items()))) | {
        "EXT_SOURCE_1": None,
        "EXT_SOURCE_2": float("nan"),
    }
    assert input_hash(shuffled) == input_hash(ROW)
    assert input_hash(ROW | {"AMT_CREDIT": 1.0}) != input_hash(ROW)


def test_an_applicant_without_client_id_and_without_kept_inputs(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    log_predictions(
        [{"AMT_CREDIT": 1.0}], [0.2], ["accepted"], "v", 1.0, keep_inputs=False, path=path
    )
    entry = PredictionLog(path).frame().iloc[0]
    assert entry["client_id"] is None and entry["inputs"] is None


def test_mismatched_lengths_log_nothing(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    with pytest.raises(ValueError, match="same length"):
        log_predictions([ROW, ROW], [0.1], ["accepted"], "v", 1.0, path=path)
    assert PredictionLog(path).count() == 0


def test_latest_entries_come_last(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    for i in range(5):
        log_predictions([ROW | {"SK_ID_CURR": i}], [0.1], ["accepted"], "v", 1.0, path=path)
    assert PredictionLog(path).frame(limit=2)["client_id"].tolist() == [3, 4]


def test_no_entry_is_lost_under_concurrent_threads(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda w: _log_many(str(path), w, 100), range(8)))
    frame = PredictionLog(path).frame()
    assert len(frame) == 8 * 100 * 2
    assert frame["request_id"].is_unique and frame["client_id"].is_unique


@pytest.mark.slow
def test_no_entry_is_lost_under_concurrent_processes(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_log_many, args=(str(path), w, 100)) for w in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    frame = PredictionLog(path).frame()
    assert len(frame) == 3 * 100 * 2
    assert frame["request_id"].is_unique and frame["client_id"].is_unique
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
