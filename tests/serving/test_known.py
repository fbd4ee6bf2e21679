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


def test_refused_clients_reasons_are_looked_up_not_computed(
    scorer: Scorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert scorer.known is not None and scorer.known.reasons is not None
    ids = [int(i) for i in scorer.clients.ids]
    live = scorer._predictions(scorer.known_features(ids), ids, "history")

    def computed(*args: object, **kwargs: object) -> None:
        raise AssertionError("a known client's reasons were computed per request")

    monkeypatch.setattr(type(scorer.model), "feature_contributions", computed)
    looked_up = scorer.predict_ids(ids)
    assert [a.reason_codes for a in looked_up] == [b.reason_codes for b in live]


def test_answers_packaged_without_reasons_compute_them_live(scorer: Scorer, tmp_path: Path) -> None:
    assert scorer.known is not None
    ids = [int(i) for i in scorer.clients.ids]
    expected = scorer.predict_ids(ids)
    older = dataclasses.replace(scorer.known, reasons=None, reason_codes=())
    older.write(tmp_path / ANSWERS_FILE, scorer.clients.ids)
    read = KnownAnswers.read(tmp_path / ANSWERS_FILE, scorer.clients.ids)
    assert read.reasons is None and read.codes([0]) is None
    renamed = dataclasses.replace(
        scorer.known, reason_codes=tuple(f"X{c}" for c in scorer.known.reason_codes)
    )
    assert renamed.codes([0]) is None  # codes this service's table lacks: not trusted
    original = scorer.known
    try:
        for answers in (read, renamed):
            scorer.known = answers
            assert scorer.predict_ids(ids) == expected
    finally:
        scorer.known = original


def test_reasons_survive_the_file(scorer: Scorer, tmp_path: Path) -> None:
    answers = compute_answers(scorer.model, scorer.clients, chunk=50)
    assert answers.reasons is not None
    refused = scorer.model.decide(answers.probability) == "refused"
    assert (answers.reasons[~refused] == -1).all()
    assert (answers.reasons[refused, 0] >= 0).all()
    answers.write(tmp_path / ANSWERS_FILE, scorer.clients.ids)
    read = KnownAnswers.read(tmp_path / ANSWERS_FILE, scorer.clients.ids)
    assert read.reason_codes == answers.reason_codes
    np.testing.assert_array_equal(read.reasons, answers.reasons)
    positions = list(range(len(scorer.clients.ids)))
    assert read.codes(positions) == answers.codes(positions)


def test_explain_gives_the_reasons_predict_gives(scorer: Scorer) -> None:
    from credit_assets.serving.schemas import ExplainRequest

    ids = [int(i) for i in scorer.clients.ids[:40]]
    predicted = scorer.predict_ids(ids)
    refused = [p for p in predicted if p.decision == "refused"]
    assert refused
    for p in predicted[:10] + refused[:5]:
        explained = scorer.explain(ExplainRequest(sk_id_curr=p.sk_id_curr))
        assert (explained.decision, explained.reason_codes) == (p.decision, p.reason_codes)


def test_a_malformed_reasons_block_is_refused_by_name(scorer: Scorer, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    assert scorer.known is not None
    ids = scorer.clients.ids
    path = tmp_path / ANSWERS_FILE
    scorer.known.write(path, ids)
    table = pq.read_table(path)
    pq.write_table(table.drop_columns(["reason_4"]), path)
    with pytest.raises(ValueError, match=f"{ANSWERS_FILE}: .*no column reason_4"):
        KnownAnswers.read(path, ids)
    shifted = dataclasses.replace(scorer.known, reason_codes=scorer.known.reason_codes[:1])
    shifted.write(path, ids)
    with pytest.raises(ValueError, match="a reason position outside the 1 codes listed"):
        KnownAnswers.read(path, ids)
