"""A new applicant's credit history: the service's feature row equals the batch's.

Clients of the small generated dataset are sent as new applicants with exactly the rows the raw
tables hold for them, through the request schema (``History``) as the service receives them;
their feature rows must be the rows ``build_all`` computed for their ids.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

from credit_assets.defs.resources import DataLake
from credit_assets.features import online, serving
from credit_assets.features.common import KEY
from credit_assets.features.history import given, history_of
from credit_assets.features.serving import FeatureSpec, new_client_features
from credit_assets.kaggle import MISSING_TEXT, SIDE_TABLES, schema
from credit_assets.serving.history import ROW_MODELS, History

SAMPLE = 50
POLARS_TYPES = {"int64": pl.Int64, "float64": pl.Float64, "object": pl.String}


class Raw:
    """The raw tables of the lake, and each client's application and history as JSON holds them."""

    def __init__(self, lake: DataLake) -> None:
        tables = ("application_train", "application_test", *SIDE_TABLES)
        self.tables = {t: pl.read_parquet(lake.raw_table(t)) for t in tables}
        self.features = pl.read_parquet(lake.features_path())

    def application(self, sk_id: int) -> dict[str, Any]:
        for table in ("application_train", "application_test"):
            rows = self.tables[table].filter(pl.col(KEY) == sk_id).drop("TARGET", strict=False)
            if rows.height:
                return given(rows.row(0, named=True))
        raise KeyError(sk_id)

    def history(self, sk_id: int) -> dict[str, list[dict[str, Any]]]:
        return history_of(self.tables, sk_id)

    def clients_without(self, table: str) -> set[int]:
        return set(self.features[KEY]) - set(self.tables[table][KEY])


@pytest.fixture(scope="module")
def raw(lake: DataLake) -> Raw:
    return Raw(lake)


@pytest.fixture(scope="module")
def sample(raw: Raw) -> list[int]:
    """About 50 clients: drawn at random, plus some without bureau, previous or card rows."""
    everyone = sorted(raw.features[KEY])
    picked = random.Random(3).sample(everyone, SAMPLE - 6)
    for table in ("bureau", "previous_application", "credit_card_balance"):
        picked += sorted(raw.clients_without(table) - set(picked))[:2]
    return picked


def test_history_gives_the_batch_feature_rows(raw: Raw, sample: list[int]) -> None:
    spec = FeatureSpec.of(raw.features)
    histories = [History.model_validate(raw.history(i)).tables() for i in sample]
    for table in ("bureau", "previous_application", "credit_card_balance"):
        assert any(h[table] for h in histories) and any(not h[table] for h in histories), table

    computed = new_client_features([raw.application(i) for i in sample], spec, histories)

    expected = _rows_of(raw.features, sample, spec)
    assert_same_rows(computed, expected, spec)


def test_an_applicant_alone_gets_the_same_row_as_in_a_batch(raw: Raw, sample: list[int]) -> None:
    spec = FeatureSpec.of(raw.features)
    sk_id = sample[0]
    alone = new_client_features(raw.application(sk_id), spec, raw.history(sk_id))
    assert_same_rows(alone, _rows_of(raw.features, [sk_id], spec), spec)


def test_row_order_and_sk_id_curr_in_rows_change_nothing(raw: Raw, sample: list[int]) -> None:
    spec = FeatureSpec.of(raw.features)
    busy = max(sample, key=lambda i: sum(len(rows) for rows in raw.history(i).values()))
    application, history = raw.application(busy), raw.history(busy)
    reordered = {t: list(reversed(rows)) for t, rows in history.items()}
    without_id = {t: [_without(r, KEY) for r in rows] for t, rows in history.items()}
    other_id = {t: [{**r, KEY: 7} if KEY in r else r for r in rows] for t, rows in history.items()}
    variants = [history, reordered, without_id, other_id]
    for variant in variants:
        History.model_validate(variant)
    applications = [application, application, _without(application, KEY), {**application, KEY: 7}]

    rows = new_client_features(applications, spec, variants)

    for position in range(1, len(variants)):
        assert_same_rows(rows.iloc[[position]], rows.iloc[[0]], spec)


def test_an_empty_history_is_no_history(raw: Raw, sample: list[int]) -> None:
    spec = FeatureSpec.of(raw.features)
    application = raw.application(sample[0])
    empty = new_client_features(application, spec, {t: [] for t in SIDE_TABLES})
    assert_same_rows(empty, new_client_features(application, spec), spec)


def test_only_the_tables_given_fill_their_groups(raw: Raw, sample: list[int]) -> None:
    spec = FeatureSpec.of(raw.features)
    given_tables = ("POS_CASH_balance", "installments_payments")
    wanted = (*given_tables, "bureau", "previous_application")
    sk_id = next(i for i in sample if all(raw.history(i)[t] for t in wanted))
    history = {t: rows for t, rows in raw.history(sk_id).items() if t in given_tables}

    row = new_client_features(raw.application(sk_id), spec, history)

    batch = _rows_of(raw.features, [sk_id], spec)
    filled = [c for c in spec.columns if not c.startswith(("BURO_", "ACTIVE_", "CLOSED_"))]
    filled = [c for c in filled if not c.startswith(("PREV_", "APPROVED_", "REFUSED_", "CC_"))]
    assert any(c.startswith("POS_") for c in filled) and any(
        c.startswith("INSTAL_") for c in filled
    )
    filled_spec = FeatureSpec(tuple(filled), spec.categorical)
    assert_same_rows(row.loc[:, filled], batch.loc[:, filled], filled_spec)
    missing = [c for c in spec.columns if c not in filled]
    assert missing and bool(row.loc[:, missing].isna().to_numpy().all())


def test_monthly_rows_of_a_credit_not_in_bureau_count_for_nothing(
    raw: Raw, sample: list[int]
) -> None:
    # As in the batch, where a bureau_balance row reaches a client through their bureau credit.
    spec = FeatureSpec.of(raw.features)
    sk_id = next(i for i in sample if raw.history(i)["bureau_balance"])
    history = raw.history(sk_id)
    stray = [{**r, "SK_ID_BUREAU": -1, "STATUS": "5"} for r in history["bureau_balance"][:3]]
    with_stray = {**history, "bureau_balance": history["bureau_balance"] + stray}
    only_stray = {"bureau": [], "bureau_balance": stray}

    rows = new_client_features(
        [raw.application(sk_id)] * 3, spec, [history, with_stray, only_stray]
    )

    assert_same_rows(rows.iloc[[1]].reset_index(drop=True), rows.iloc[[0]], spec)
    alone = new_client_features(raw.application(sk_id), spec)
    assert_same_rows(rows.iloc[[2]].reset_index(drop=True), alone, spec)


def test_applicants_of_one_call_get_the_rows_they_get_alone(raw: Raw, sample: list[int]) -> None:
    spec = FeatureSpec.of(raw.features)
    ids = sample[:4]
    histories = [raw.history(ids[0]), None, raw.history(ids[2]), {}]

    together = new_client_features([raw.application(i) for i in ids], spec, histories)

    assert list(together.index) == [0, 1, 2, 3]
    for position, (sk_id, history) in enumerate(zip(ids, histories, strict=True)):
        alone = new_client_features(raw.application(sk_id), spec, history)
        assert_same_rows(together.iloc[[position]].reset_index(drop=True), alone, spec)


def test_a_validated_history_read_in_place_gives_the_batch_rows(
    raw: Raw, sample: list[int]
) -> None:
    # The service reads a validated history's row models as they are (History.checked: every
    # column, None where not given, no second type check): in NumPy and in Polars (the path of
    # more than FEW_ROWS applicants), each applicant gets the batch's row.
    spec = FeatureSpec.of(raw.features)
    histories = [History.model_validate(raw.history(i)).checked() for i in sample]
    records = serving.application_records([raw.application(i) for i in sample])
    expected = _rows_of(raw.features, sample, spec)

    assert_same_rows(serving.computed_rows(records, histories, spec), expected, spec)
    assert_same_rows(serving.queried_rows(records, histories, spec), expected, spec)


def test_text_read_as_missing_is_missing(raw: Raw, sample: list[int]) -> None:
    spec = FeatureSpec.of(raw.features)
    sk_id = next(i for i in sample if raw.history(i)["previous_application"])
    application, history = raw.application(sk_id), raw.history(sk_id)
    first = history["previous_application"][0]
    # "NA" and "" are what the CSV reader takes for missing; "XNA" is the data's own placeholder
    # for a missing category, which the application features make missing too.
    texts = {"AMT_ANNUITY": "NA", "NAME_TYPE_SUITE": "", "AMT_DOWN_PAYMENT": "nan"}
    written = {
        **history,
        "previous_application": [{**first, **texts}, *history["previous_application"][1:]],
    }
    left_out = {k: v for k, v in first.items() if k not in texts}
    omitted = {**history, "previous_application": [left_out, *history["previous_application"][1:]]}
    xna = {**application, "CODE_GENDER": "XNA"}
    no_gender = {k: v for k, v in application.items() if k != "CODE_GENDER"}

    applications = [application, application, xna, no_gender]
    rows = new_client_features(applications, spec, [written, omitted, omitted, omitted])

    def row(position: int) -> pd.DataFrame:
        return rows.iloc[[position]].reset_index(drop=True)

    assert_same_rows(row(0), row(1), spec)
    assert_same_rows(row(2), row(3), spec)
    assert rows.loc[2, "CODE_GENDER"] is None and rows.loc[1, "CODE_GENDER"] is not None


def test_a_few_applicants_are_computed_without_a_query(
    raw: Raw, sample: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The service's path: NumPy on the batch's definitions, never the Polars queries.
    spec = FeatureSpec.of(raw.features)
    ids = sample[:3]
    histories = [raw.history(ids[0]), None, raw.history(ids[2])]
    expected = serving.queried_rows([raw.application(i) for i in ids], histories, spec)

    def no_query(*_: Any) -> None:
        raise AssertionError("a few applicants went through the Polars queries")

    monkeypatch.setattr(serving, "queried_rows", no_query)
    monkeypatch.setattr(pl.LazyFrame, "collect", no_query)
    rows = new_client_features([raw.application(i) for i in ids], spec, histories)
    assert_same_rows(rows, expected, spec)


def test_a_value_of_another_type_is_cast_as_the_raw_layer_casts_it(
    raw: Raw, sample: list[int]
) -> None:
    spec = FeatureSpec.of(raw.features)
    sk_id = next(i for i in sample if raw.history(i)["bureau"])
    history = raw.history(sk_id)
    odd_credit = {**history["bureau"][0], "CNT_CREDIT_PROLONG": 0.5, "DAYS_CREDIT": "soon"}
    odd_history = {**history, "bureau": [odd_credit, *history["bureau"][1:]]}
    odd_application = {**raw.application(sk_id), "CNT_CHILDREN": 1.5, "FLAG_MOBIL": True}
    cases = [
        ([raw.application(sk_id)], [odd_history]),
        ([odd_application], [history]),
        ([odd_application], [None]),
    ]
    for applications, histories in cases:
        with pytest.raises(online.Unsupported):
            serving.computed_rows(applications, histories, spec)
        rows = new_client_features(applications, spec, histories)
        assert_same_rows(rows, serving.queried_rows(applications, histories, spec), spec)


def test_a_column_a_table_does_not_have_is_refused_by_table(raw: Raw, sample: list[int]) -> None:
    spec = FeatureSpec.of(raw.features)
    history = {"POS_CASH_balance": [{"SK_ID_PREV": 1, "MONTHS_BALANCE": -1, "SK_DPD_LATE": 3}]}
    with pytest.raises(ValueError, match=r"POS_CASH_balance.*SK_DPD_LATE"):
        new_client_features(raw.application(sample[0]), spec, history)
    with pytest.raises(ValueError, match="not application fields"):
        new_client_features({**raw.application(sample[0]), "INCOME": 1.0}, spec)


def test_many_applicants_take_the_table_path_to_the_same_rows(
    raw: Raw, sample: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Up to FEW_ROWS applicants, computed tables are read row by row; more, column by column.
    spec = FeatureSpec.of(raw.features)
    ids = sample[:6]
    applications = [raw.application(i) for i in ids]
    histories = [raw.history(i) for i in ids]
    few = new_client_features(applications, spec, histories)
    monkeypatch.setattr(serving, "FEW_ROWS", 0)
    many = new_client_features(applications, spec, histories)
    assert_same_rows(many, few, spec)
    numeric = [c for c in spec.columns if c not in spec.categorical]
    assert set(few.loc[:, numeric].dtypes.tolist()) == {np.dtype(np.float32)}
    assert set(few.loc[:, list(spec.categorical)].dtypes.tolist()) == {np.dtype(object)}
    assert new_client_features([], spec).columns.tolist() == list(spec.columns)


def test_every_real_side_table_row_validates(real_dir: Path) -> None:
    files = {
        "bureau": ["heads/bureau.csv", "samples/bureau_random20k.csv.gz"],
        "bureau_balance": ["heads/bureau_balance.csv", "samples/bureau_balance_random20k.csv.gz"],
        "previous_application": [
            "heads/previous_application.csv",
            "samples/previous_application_head10k.csv.gz",
            "linked/previous_application_ids_100002-100998.csv",
        ],
        "POS_CASH_balance": [
            "heads/POS_CASH_balance.csv",
            "samples/POS_CASH_balance_random20k.csv.gz",
        ],
        "credit_card_balance": [
            "heads/credit_card_balance.csv",
            "samples/credit_card_balance_random20k.csv.gz",
        ],
        "installments_payments": [
            "heads/installments_payments.csv",
            "samples/installments_payments_random20k.csv.gz",
        ],
    }
    for table, names in files.items():
        spec = schema(table)
        types = {c: POLARS_TYPES[d] for c, d in zip(spec.columns, spec.dtypes, strict=True)}
        for name in names:
            path = real_dir / name
            if not path.exists():
                continue
            frame = pl.read_csv(path, schema_overrides=types, null_values=list(MISSING_TEXT))
            for position, row in enumerate(frame.rows(named=True)):
                try:
                    ROW_MODELS[table].model_validate(given(row))
                except ValueError as error:
                    pytest.fail(f"{name} row {position} does not validate: {error}")


def assert_same_rows(computed: pd.DataFrame, expected: pd.DataFrame, spec: FeatureSpec) -> None:
    """Equal column by column: text exactly, numbers to 1e-6 (missing where missing)."""
    assert list(computed.columns) == list(spec.columns)
    for column in spec.columns:
        got, want = computed[column], expected[column]
        if column in spec.categorical:
            assert got.fillna("<missing>").tolist() == want.fillna("<missing>").tolist(), column
            continue
        got_values = got.to_numpy(np.float64, na_value=np.nan)
        want_values = want.to_numpy(np.float64, na_value=np.nan)
        np.testing.assert_allclose(
            got_values, want_values, rtol=1e-6, atol=1e-6, equal_nan=True, err_msg=column
        )


def _rows_of(features: pl.DataFrame, ids: list[int], spec: FeatureSpec) -> pd.DataFrame:
    order = pl.DataFrame({KEY: ids})
    rows = order.join(features, on=KEY, how="left", maintain_order="left")
    return rows.select(spec.columns).to_pandas()


def _without(row: Mapping[str, Any], column: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != column}
