"""Known clients' probabilities computed at packaging: the same answers the live path gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from credit_assets.serving.known import ANSWERS_FILE, KnownAnswers, compute_answers
from credit_assets.serving.scorer import Scorer


def test_every_known_answer_is_the_live_answer(scorer: Scorer) -> None:
    assert scorer.known is not None and scorer.known.model_version == scorer.model.version
    ids = [int(i) for i in scorer.clients.ids]
    looked_up = scorer.predict_ids(ids)
    live = scorer._predictions(scorer.known_features(ids), ids, "history")
    assert [a.decision for a in looked_up] == [b.decision for b in live]
    assert [a.reason_codes for a in looked_up] == [b.reason_codes for b in live]
    np.testing.assert_allclose(
        [a.probability for a in looked_up], [b.probability for b in live], rtol=0, atol=1e-12
    )
    refused = [a for a in looked_up if a.decision == "refused"]
    assert refused and all(1 <= len(a.reason_codes) <= 4 for a in refused)


def test_answers_of_another_model_are_not_used(scorer: Scorer) -> None:
    assert scorer.known is not None
    ids = [int(i) for i in scorer.clients.ids[:20]]
    wrong = dataclasses.replace(scorer.known, probability=1 - scorer.known.probability)
    stale = dataclasses.replace(wrong, model_version="an-older-champion")
    live = [p.probability for p in scorer._predictions(scorer.known_features(ids), ids, "history")]
    original = scorer.known
    try:
        scorer.known = stale
        assert [p.probability for p in scorer.predict_ids(ids)] == live
        scorer.known = wrong  # proves the lookup is used when the versions agree
        assert [p.probability for p in scorer.predict_ids(ids)] != live
    finally:
        scorer.known = original


def test_answers_in_another_order_than_the_store_are_refused(
    scorer: Scorer, tmp_path: Path
) -> None:
    answers = compute_answers(scorer.model, scorer.clients, chunk=64)
    np.testing.assert_array_equal(
        answers.probability, scorer.known.probability if scorer.known else []
    )
    ids = scorer.clients.ids
    answers.write(tmp_path / ANSWERS_FILE, ids[::-1].copy())
    with pytest.raises(ValueError, match="not the client store's"):
        KnownAnswers.read(tmp_path / ANSWERS_FILE, ids)
    answers.write(tmp_path / ANSWERS_FILE, ids)
    read = KnownAnswers.read(tmp_path / ANSWERS_FILE, ids)
    assert read.model_version == scorer.model.version
    np.testing.assert_array_equal(read.probability, answers.probability)


def test_an_answers_file_without_its_model_version_is_refused(
    scorer: Scorer, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = scorer.clients.ids
    table = pa.table({"SK_ID_CURR": ids, "probability": np.zeros(len(ids))})
    pq.write_table(table, tmp_path / ANSWERS_FILE)
    with pytest.raises(ValueError, match="no model_version"):
        KnownAnswers.read(tmp_path / ANSWERS_FILE, ids)
