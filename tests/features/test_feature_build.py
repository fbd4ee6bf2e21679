"""Assembling the client table, aligning a new applicant, and the table's data contracts."""

from __future__ import annotations

import math

import polars as pl
import pytest

from credit_assets.features import contracts
from credit_assets.features.build import assemble, build_client_features, clean
from credit_assets.features.serving import FeatureSpec, new_client_features, raw_application


def test_clean_makes_names_safe_infinities_missing_and_numbers_float32() -> None:
    frame = pl.DataFrame(
        {"SK_ID_CURR": [1, 2], "A: b": [math.inf, 1.0], "N": [3, 4], "S": ["x", None]}
    )
    out = clean(frame)
    assert out.columns == ["SK_ID_CURR", "A_b", "N", "S"]
    assert out["A_b"].to_list() == [None, 1.0]
    assert out.schema["N"] == pl.Float32 and out.schema["SK_ID_CURR"] == pl.Int64
    assert out.schema["S"] == pl.String


def test_clean_refuses_names_that_clash() -> None:
    with pytest.raises(ValueError, match="clash"):
        clean(pl.DataFrame({"A B": [1], "A_B": [2]}))


def test_every_client_keeps_one_row_and_clients_without_side_rows_get_missing() -> None:
    application = pl.DataFrame({"SK_ID_CURR": [1, 2, 3], "X": [1.0, 2.0, 3.0]})
    bureau = pl.DataFrame({"SK_ID_CURR": [3, 1], "BURO_COUNT": [5, 6]})
    table = assemble(application, [bureau])
    assert table["SK_ID_CURR"].to_list() == [1, 2, 3]
    assert table["BURO_COUNT"].to_list() == [6, None, 5]


def test_sparse_and_constant_columns_are_judged_on_training_clients_only() -> None:
    application = pl.DataFrame(
        {
            "SK_ID_CURR": [1, 2, 3, 4],
            "KEEP": [1.0, 2.0, None, 4.0],
            "SPARSE": [None, None, 1.0, 2.0],  # present for test clients only
            "CONSTANT": [1.0, 1.0, 1.0, 7.0],  # varies on a test client only
        }
    )
    training = pl.Series("SK_ID_CURR", [1, 2, 3])
    table, report = build_client_features(application, [], training, max_missing_share=0.5)
    assert table.columns == ["SK_ID_CURR", "KEEP"]
    assert report.dropped_missing == {"SPARSE": pytest.approx(2 / 3)}
    assert report.dropped_constant == ["CONSTANT"]


def test_a_new_client_gets_the_batch_values_and_the_table_columns() -> None:
    fields = {"SK_ID_CURR": 9, "AMT_INCOME_TOTAL": 100.0, "AMT_CREDIT": 300.0, "CODE_GENDER": "F"}
    spec = FeatureSpec(("CREDIT_INCOME_RATIO", "CODE_GENDER", "BURO_COUNT"), ("CODE_GENDER",))
    row = new_client_features(fields, spec)
    assert row.columns.tolist() == list(spec.columns)
    assert row.loc[0, "CREDIT_INCOME_RATIO"] == 3.0
    assert row.loc[0, "CODE_GENDER"] == "F"
    assert math.isnan(row.loc[0, "BURO_COUNT"])
    assert FeatureSpec.from_json(spec.to_json()) == spec


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="not application fields"):
        raw_application({"AMT_CREDIT": 1.0, "INCOME": 2.0})


def test_a_value_a_field_cannot_hold_is_missing() -> None:
    # As a column built on its own converts it (the rows are typed in one pass when they can be).
    fields = {"AMT_CREDIT": "a lot", "CNT_CHILDREN": 2**70, "CODE_GENDER": 3, "AMT_ANNUITY": 5}
    row = raw_application([fields, {"AMT_CREDIT": 1}]).rows(named=True)
    assert (row[0]["AMT_CREDIT"], row[0]["CNT_CHILDREN"], row[0]["CODE_GENDER"]) == (
        None,
        None,
        "3",
    )
    assert (row[0]["AMT_ANNUITY"], row[1]["AMT_CREDIT"]) == (5.0, 1.0)


def test_contracts_find_duplicates_missing_clients_and_infinities() -> None:
    table = pl.DataFrame({"SK_ID_CURR": [1, 1, 2], "X": [1.0, math.inf, 0.0]})
    assert contracts.duplicate_keys(table) == 1
    assert contracts.missing_clients(table, pl.Series([1, 2, 3])) == [3]
    assert contracts.infinite_columns(table) == {"X": 1}


def test_a_feature_that_gives_the_label_away_is_flagged() -> None:
    target = [0, 1] * 50
    features = pl.DataFrame(
        {
            "SK_ID_CURR": range(100),
            "LEAK": [t + 0.01 * i for i, t in enumerate(target)],
            "MISSING_LEAK": [None if t else 1.0 for t in target],
            "NOISE": [float(i % 7) for i in range(100)],
        }
    )
    labels = pl.DataFrame({"SK_ID_CURR": range(100), "TARGET": target})
    aucs = contracts.single_feature_aucs(features, labels)
    assert aucs["LEAK"] > 0.95 and aucs["MISSING_LEAK"] == 1.0 and aucs["NOISE"] < 0.7
    assert set(contracts.suspicious_features(aucs)) == {"MISSING_LEAK", "LEAK"}
