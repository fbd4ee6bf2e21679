"""What the service logs per answer: one entry per client, with the fields it was given."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from credit_assets.monitoring.prediction_log import PredictionLog, prediction_log
from credit_assets.monitoring.served import AnswerLog, log_answer, record_answer, request_rows
from credit_assets.serving.schemas import BatchPrediction, BatchRequest, Prediction, PredictRequest

APPLICATION = {
    "AMT_INCOME_TOTAL": 202_500.0,
    "AMT_CREDIT": 406_597.5,
    "AMT_ANNUITY": 24_700.5,
    "DAYS_BIRTH": -9_461,
    "NAME_CONTRACT_TYPE": "Cash loans",
}


def prediction(client: int | None, probability: float) -> Prediction:
    decision = "refused" if probability >= 0.5 else "accepted"
    return Prediction(
        sk_id_curr=client,
        probability=probability,
        threshold=0.5,
        decision=decision,
        scored_on="history" if client else "application_only",
        model_version="lgbm-1",
        data_kind="synthetic",
    )


def test_a_new_application_is_logged_with_its_fields_only(tmp_path: Path) -> None:
    request = PredictRequest.model_validate({"application": APPLICATION})
    assert request_rows(request) == [APPLICATION]
    ids = record_answer(request, prediction(None, 0.61), started=0.0, path=tmp_path / "log.sqlite")
    entry = PredictionLog(tmp_path / "log.sqlite").frame().iloc[0]
    assert entry["request_id"] == ids[0]
    assert (entry["decision"], entry["model_version"]) == ("refused", "lgbm-1")
    assert entry["client_id"] is None and entry["latency_ms"] > 0


SCORE = {"threshold": 0.5, "model_version": "lgbm-1", "scored_on": "history"}


def test_a_batch_of_known_clients_gives_one_entry_each(tmp_path: Path) -> None:
    request = BatchRequest.model_validate({"sk_id_curr": [100_001, 100_005]})
    answer = BatchPrediction.model_validate(
        {
            "data_kind": "synthetic",
            "predictions": [
                {**SCORE, "sk_id_curr": 100_001, "probability": 0.1, "decision": "accepted"},
                {**SCORE, "sk_id_curr": 100_005, "probability": 0.7, "decision": "refused"},
            ],
        }
    )
    record_answer(request, answer, started=0.0, path=tmp_path / "log.sqlite")
    frame = PredictionLog(tmp_path / "log.sqlite").frame()
    assert frame["client_id"].tolist() == [100_001, 100_005]
    assert frame["decision"].tolist() == ["accepted", "refused"]


def test_an_unwritable_log_does_not_fail_the_answer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    request = PredictRequest.model_validate({"sk_id_curr": 100_001})
    with caplog.at_level(logging.ERROR):
        ids = record_answer(request, prediction(100_001, 0.2), 0.0, path=blocked / "log.sqlite")
    assert ids == []
    assert "prediction log not written for 1 client" in caplog.text


def test_the_answer_passes_through_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDIT_PREDICTION_LOG", str(tmp_path / "default.sqlite"))
    answer = prediction(100_001, 0.3)
    request = PredictRequest.model_validate({"sk_id_curr": 100_001})
    assert log_answer(request, answer, 0.0) is answer
    assert PredictionLog(tmp_path / "default.sqlite").count() == 1


def test_the_service_writes_behind_its_answers_and_a_read_sees_them(tmp_path: Path) -> None:
    path = tmp_path / "behind.sqlite"
    answers = AnswerLog(path)
    requests = [PredictRequest.model_validate({"sk_id_curr": 100_001 + i}) for i in range(50)]
    given = [prediction(100_001 + i, i / 50) for i in range(50)]
    threads = [
        threading.Thread(target=lambda part=part: [answers.log(r, a, 0.0) for r, a in part])
        for part in (list(zip(requests, given, strict=True))[k::4] for k in range(4))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A read of the same log in this process flushes the writer first: every answer is there.
    frame = prediction_log(path).frame()
    assert sorted(frame["client_id"]) == [100_001 + i for i in range(50)]
    assert dict(zip(frame["client_id"], frame["probability"], strict=True)) == {
        a.sk_id_curr: a.probability for a in given
    }
    assert frame["request_id"].is_unique and (frame["latency_ms"] > 0).all()


def test_closing_writes_what_is_queued_and_the_log_goes_on_after(tmp_path: Path) -> None:
    path = tmp_path / "closed.sqlite"
    answers = AnswerLog(path)
    answer = prediction(100_001, 0.3)
    request = PredictRequest.model_validate({"sk_id_curr": 100_001})
    assert answers.log(request, answer, 0.0) is answer
    answers.close()
    assert PredictionLog(path).count() == 1  # another reader: nothing left to flush
    answers.log(request, answer, 0.0)
    assert answers.flush(timeout=10) and PredictionLog(path).count() == 2
    answers.close()


def test_an_unwritable_log_behind_the_answers_is_reported_and_fails_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    answers = AnswerLog(blocked / "log.sqlite")
    answer = prediction(100_001, 0.2)
    with caplog.at_level(logging.ERROR):
        assert answers.log(PredictRequest(sk_id_curr=100_001), answer, 0.0) is answer
        assert answers.flush(timeout=10)
    assert "prediction log not written for 1 client" in caplog.text
    answers.close()


def test_an_answer_the_writer_cannot_log_is_reported_and_the_next_ones_are_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "after.sqlite"
    answers = AnswerLog(path)
    request = PredictRequest.model_validate({"sk_id_curr": 100_001})
    with caplog.at_level(logging.ERROR):
        answers.log(request, prediction(100_001, 0.2), 0.0, origin="nobody")
        assert answers.flush(timeout=10)
    assert "prediction log not written for 1 answer" in caplog.text
    assert "unknown origin 'nobody'" in caplog.text
    answers.log(request, prediction(100_001, 0.4), 0.0)
    assert answers.flush(timeout=10)
    assert PredictionLog(path).frame()["probability"].tolist() == [0.4]
    answers.close()
