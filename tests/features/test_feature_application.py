"""Application features on hand-made applications with hand-computed values."""

from __future__ import annotations

import polars as pl
import pytest

from credit_assets.features.application import application_features, applications, labels

CLIENT = {
    "SK_ID_CURR": 1,
    "CODE_GENDER": "XNA",
    "ORGANIZATION_TYPE": "XNA",
    "NAME_CONTRACT_TYPE": "Cash loans",
    "AMT_INCOME_TOTAL": 100_000.0,
    "AMT_CREDIT": 400_000.0,
    "AMT_ANNUITY": 20_000.0,
    "AMT_GOODS_PRICE": 360_000.0,
    "CNT_FAM_MEMBERS": 2.0,
    "DAYS_BIRTH": -14_610,
    "DAYS_EMPLOYED": 365_243,
    "DAYS_LAST_PHONE_CHANGE": -1_461.0,
    "EXT_SOURCE_1": 0.2,
    "EXT_SOURCE_2": None,
    "EXT_SOURCE_3": 0.6,
    "FLAG_DOCUMENT_3": 1,
    "FLAG_DOCUMENT_8": 1,
    "FLAG_MOBIL": 1,
    "FLAG_PHONE": 1,
    "FLAG_EMAIL": 0,
    "REG_CITY_NOT_WORK_CITY": 1,
    **{f"AMT_REQ_CREDIT_BUREAU_{p}": 1.0 for p in ("HOUR", "DAY", "WEEK", "MON", "QRT", "YEAR")},
}


def test_application_features_by_hand(make_raw) -> None:
    row = application_features(make_raw("application_test", [CLIENT])).collect().row(0, named=True)
    assert row["DAYS_EMPLOYED"] is None and row["DAYS_EMPLOYED_SENTINEL"] == 1
    assert row["CODE_GENDER"] is None and row["ORGANIZATION_TYPE"] is None
    assert row["NAME_CONTRACT_TYPE"] == "Cash loans"
    assert row["CREDIT_INCOME_RATIO"] == 4.0
    assert row["INCOME_CREDIT_PERC"] == 0.25
    assert row["ANNUITY_INCOME_PERC"] == 0.2
    assert row["PAYMENT_RATE"] == 0.05
    assert row["GOODS_CREDIT_RATIO"] == 0.9
    assert row["CREDIT_GOODS_DIFF"] == 40_000.0
    assert row["INCOME_PER_PERSON"] == 50_000.0
    assert row["DAYS_EMPLOYED_PERC"] is None  # employment unknown for the sentinel
    assert row["AGE_YEARS"] == pytest.approx(40.0)
    assert row["PHONE_CHANGE_AGE_PERC"] == pytest.approx(0.1)
    assert row["EXT_SOURCE_MEAN"] == pytest.approx(0.4)
    assert row["EXT_SOURCE_PROD"] is None
    assert row["EXT_SOURCE_STD"] == pytest.approx(0.2)  # population spread of 0.2 and 0.6
    assert (row["EXT_SOURCE_MIN"], row["EXT_SOURCE_MAX"]) == (0.2, 0.6)
    assert row["EXT_SOURCE_WEIGHTED"] == pytest.approx((2 * 0.2 + 3 * 0.6) / 5)
    assert row["EXT_SOURCE_MISSING"] == 1
    assert row["FLAG_DOCUMENT_COUNT"] == 2
    assert row["CONTACT_FLAG_COUNT"] == 2
    assert row["ADDRESS_MISMATCH_COUNT"] == 1
    assert row["AMT_REQ_CREDIT_BUREAU_TOTAL"] == 6.0


def test_employed_client_keeps_days_employed(make_raw) -> None:
    client = CLIENT | {"DAYS_EMPLOYED": -1_461, "EXT_SOURCE_2": 0.4}
    row = application_features(make_raw("application_test", [client])).collect().row(0, named=True)
    assert row["DAYS_EMPLOYED_SENTINEL"] == 0
    assert row["DAYS_EMPLOYED_PERC"] == pytest.approx(0.1)
    assert row["EXT_SOURCE_PROD"] == pytest.approx(0.2 * 0.4 * 0.6)


def test_training_and_test_clients_are_stacked_without_target(make_raw) -> None:
    train = make_raw("application_train", [CLIENT | {"TARGET": 1}])
    test = make_raw("application_test", [CLIENT | {"SK_ID_CURR": 2}])
    features = application_features(applications(train, test)).collect()
    assert features["SK_ID_CURR"].to_list() == [1, 2]
    assert "TARGET" not in features.columns
    assert labels(train).collect().rows() == [(1, 1)]


def test_a_target_column_in_the_input_is_ignored(make_raw) -> None:
    frame = make_raw("application_train", [CLIENT | {"TARGET": 1}])
    assert "TARGET" not in application_features(frame).collect_schema().names()
    assert isinstance(labels(frame), pl.LazyFrame)
