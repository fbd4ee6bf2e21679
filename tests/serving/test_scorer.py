"""The serving logic without HTTP: new applicants, explanations, the bundle, the store."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from pydantic import ValidationError

from credit_assets.defs.resources import DataLake
from credit_assets.kaggle import schema
from credit_assets.models import ScoringModel
from credit_assets.serving.bundle import write_bundle
from credit_assets.serving.descriptions import describe_feature
from credit_assets.serving.history import History
from credit_assets.serving.schemas import (
    REQUIRED_FIELDS,
    Application,
    ExplainRequest,
    PredictRequest,
)
from credit_assets.serving.scorer import Scorer
from credit_assets.serving.store import ClientStore, UnknownClientError

Trainer = Callable[[DataLake, str], ScoringModel]


def test_a_new_applicants_features_are_the_pipelines(
    scorer: Scorer, application: dict[str, Any], features: pd.DataFrame
) -> None:
    computed = scorer.new_features([Application.model_validate(application)])
    stored = features.loc[application["SK_ID_CURR"], list(computed.columns)]
    assert len(computed.columns) > 100
    for column in computed.columns:
        new, old = computed.at[0, column], stored[column]
        if isinstance(old, str) or old is None:
            assert new == old, column
        elif pd.isna(old):
            assert pd.isna(new), column
        else:
            assert float(new) == pytest.approx(float(old), rel=1e-6), column


def test_side_table_features_of_a_new_applicant_are_missing(
    scorer: Scorer, application: dict[str, Any]
) -> None:
    computed = scorer.new_features([application])
    aligned = computed.reindex(columns=scorer.model.feature_names)
    assert bool(aligned.filter(like="BURO_").isna().to_numpy().all())
    assert not any(c.startswith(("BURO_", "PREV_", "INSTAL_")) for c in computed.columns)


def _history_of(lake: DataLake, sk_id: int) -> dict[str, list[dict[str, Any]]]:
    tables = ("bureau", "previous_application", "POS_CASH_balance", "installments_payments")
    history = {}
    for table in tables:
        rows = pl.read_parquet(lake.raw_table(table)).filter(pl.col("SK_ID_CURR") == sk_id)
        history[table] = [
            {k: v for k, v in r.items() if v is not None} for r in rows.rows(named=True)
        ]
    return history


def test_concurrent_new_applicants_keep_their_own_histories(
    scorer: Scorer, lake: DataLake, features: pd.DataFrame
) -> None:
    train = pl.read_parquet(lake.raw_table("application_train")).drop("TARGET").head(40)
    bureau = set(pl.read_parquet(lake.raw_table("bureau"))["SK_ID_CURR"])
    chosen = [r for r in train.rows(named=True) if r["SK_ID_CURR"] in bureau][:2]
    requests = [
        PredictRequest.model_validate(
            {"application": {k: v for k, v in row.items() if v is not None}}
            | ({"history": _history_of(lake, row["SK_ID_CURR"])} if with_history else {})
        )
        for row in chosen
        for with_history in (True, False)
    ]
    together = [p.probability for p in scorer.predict_new(requests)]
    alone = [scorer.predict(r).probability for r in requests]
    assert together == pytest.approx(alone, abs=1e-9)
    assert len(set(together)) == len(requests)  # each request scored on its own history


def test_monthly_rows_of_a_loan_not_among_previous_applications_are_accepted() -> None:
    # The Kaggle files hold many POS, instalment and card rows whose SK_ID_PREV has no row in
    # previous_application: the features read them through SK_ID_CURR, so they count.
    history = History.model_validate(
        {"POS_CASH_balance": [{"SK_ID_PREV": 3, "MONTHS_BALANCE": -2, "SK_DPD": 0}]}
    )
    assert history.tables()["POS_CASH_balance"] == [
        {"SK_ID_PREV": 3, "MONTHS_BALANCE": -2, "SK_DPD": 0}
    ]


def test_explanations_are_exact(scorer: Scorer, ids: list[int]) -> None:
    for sk_id in ids[:10]:
        found = scorer.explain(ExplainRequest(sk_id_curr=sk_id, top_k=7))
        total = found.base + sum(r.contribution for r in found.reasons) + found.other
        assert total == pytest.approx(math.log(found.probability / (1 - found.probability)))


def test_a_linear_champion_explains_by_original_field(
    lake: DataLake, features: pd.DataFrame, ids: list[int], tmp_path: Path, train: Trainer
) -> None:
    model = train(lake, "logistic_regression")
    write_bundle(tmp_path, model.save(tmp_path / "linear.joblib"), lake.features_path())
    linear = Scorer.load(tmp_path)
    found = linear.explain(ExplainRequest(sk_id_curr=ids[0], top_k=50))
    names = [r.feature for r in found.reasons]
    assert set(names) <= set(features.columns) and len(set(names)) == len(names)
    text_fields = [r for r in found.reasons if isinstance(r.value, str)]
    assert text_fields, "one-hot columns come back as the field they encode, with its text value"
    total = found.base + sum(r.contribution for r in found.reasons) + found.other
    assert total == pytest.approx(math.log(found.probability / (1 - found.probability)))


def test_unknown_category_names_the_field(scorer: Scorer, application: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as raised:
        scorer.new_features([{**application, "OCCUPATION_TYPE": "Wizards"}])
    error = raised.value.errors()[0]
    assert error["loc"] == ("application", "OCCUPATION_TYPE") and "Wizards" in error["msg"]


def test_the_placeholder_category_is_accepted(scorer: Scorer, application: dict[str, Any]) -> None:
    computed = scorer.new_features([{**application, "ORGANIZATION_TYPE": "XNA"}])
    assert computed.at[0, "ORGANIZATION_TYPE"] is None


def test_the_bundle_refuses_a_table_without_the_champions_features(
    lake: DataLake, champion: ScoringModel, tmp_path: Path
) -> None:
    table = pl.read_parquet(lake.features_path()).drop(champion.feature_names[3])
    table.write_parquet(tmp_path / "older.parquet")
    with pytest.raises(ValueError, match="retrain"):
        write_bundle(tmp_path / "bundle", lake.champion_path(), tmp_path / "older.parquet")


def test_the_card_and_importance(scorer: Scorer, champion: ScoringModel) -> None:
    info = scorer.info()
    assert info.version == champion.version and info.feature_count == len(champion.feature_names)
    top = scorer.importance(5)
    assert len(top) == 5 and top[0][2] >= top[-1][2] and top[0][1] != top[0][0]


def test_the_store_takes_rows_in_order_and_names_unknown_ids() -> None:
    frame = pd.DataFrame(
        {"SK_ID_CURR": [10, 11, 12], "A": [1.0, 2.0, np.nan], "B": ["x", "y", None]}
    )
    store = ClientStore(frame.set_index("SK_ID_CURR"))
    assert store.rows([11, 10, 11])["A"].tolist() == [2.0, 1.0, 2.0]
    assert 10 in store and 99 not in store and len(store) == 3
    with pytest.raises(UnknownClientError) as raised:
        store.rows([10, *range(100, 115)])
    assert raised.value.ids == list(range(100, 115))
    assert "100, 101" in str(raised.value) and "and 5 more" in str(raised.value)


@pytest.mark.parametrize(
    ("feature", "words"),
    [
        ("AMT_CREDIT", "Credit amount of the loan"),
        ("PAYMENT_RATE", "annuity as a share of the credit amount"),
        ("BURO_DAYS_CREDIT_MEAN", "Average"),
        ("ACTIVE_AMT_CREDIT_SUM_DEBT_SUM", "Current debt on Credit Bureau credit"),
        ("PREV_NAME_CONTRACT_STATUS_Refused_MEAN", "Share of earlier Home Credit applications"),
        ("INSTAL_1Y_DPD_MAX", "days past due over instalments due in the last year"),
        ("CC_COUNT", "Number of monthly records of Home Credit credit cards"),
        ("CLOSED_MONTHS_BALANCE_MAX_MAX", 'Highest "Month of balance'),
        ("BURO_MONTHS_BALANCE_SIZE_MEAN", 'Average number of "Month of balance'),
        ("UNHEARD_OF", "UNHEARD_OF"),
    ],
)
def test_feature_descriptions(feature: str, words: str) -> None:
    assert words in describe_feature(feature)


def test_every_feature_of_the_table_is_described(features: pd.DataFrame) -> None:
    undescribed = [c for c in features.columns if describe_feature(c) == c]
    assert undescribed == []


def test_the_application_model_is_the_kaggle_application() -> None:
    fields = Application.model_fields
    assert list(fields) == list(schema("application_test").columns)
    assert {name for name, f in fields.items() if f.is_required()} == set(REQUIRED_FIELDS)
