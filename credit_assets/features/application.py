"""Application features: the client's own application, cleaned, plus business ratios.

The same function serves the batch (every training and test client) and the service (one new
applicant), so a feature is defined once. Categorical columns stay strings (``XNA`` made missing);
models choose their own encoding, fitted on their training split.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from credit_assets.features.common import KEY
from credit_assets.features.expressions import (
    Expr,
    Stage,
    col,
    div,
    max_horizontal,
    mean_horizontal,
    min_horizontal,
    ratio,
    sentinel_to_null,
    sum_horizontal,
    when,
)
from credit_assets.kaggle import DAYS_SENTINEL, schema

TARGET = "TARGET"
EXT_SOURCES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
# Weights of the widely used weighted EXT_SOURCE blend (source 3 strongest, source 2 weakest).
EXT_SOURCE_WEIGHTS = (2.0, 1.0, 3.0)
CONTACT_FLAGS = (
    "FLAG_MOBIL",
    "FLAG_EMP_PHONE",
    "FLAG_WORK_PHONE",
    "FLAG_CONT_MOBILE",
    "FLAG_PHONE",
    "FLAG_EMAIL",
)
ADDRESS_FLAGS = (
    "REG_REGION_NOT_LIVE_REGION",
    "REG_REGION_NOT_WORK_REGION",
    "LIVE_REGION_NOT_WORK_REGION",
    "REG_CITY_NOT_LIVE_CITY",
    "REG_CITY_NOT_WORK_CITY",
    "LIVE_CITY_NOT_WORK_CITY",
)
DAYS_PER_YEAR = 365.25
MISSING_CATEGORY = "XNA"
"""The text the Kaggle files hold for a category not given."""


def raw_columns() -> tuple[str, ...]:
    """The application fields a client provides (the test file's columns: no TARGET)."""
    return schema("application_test").columns


def string_columns() -> tuple[str, ...]:
    """The categorical application fields."""
    table = schema("application_test")
    return tuple(c for c, d in zip(table.columns, table.dtypes, strict=True) if d == "object")


def document_flags() -> tuple[str, ...]:
    """The FLAG_DOCUMENT_* columns."""
    return tuple(c for c in raw_columns() if c.startswith("FLAG_DOCUMENT_"))


def enquiry_columns() -> tuple[str, ...]:
    """The AMT_REQ_CREDIT_BUREAU_* enquiry counts."""
    return tuple(c for c in raw_columns() if c.startswith("AMT_REQ_CREDIT_BUREAU_"))


def applications(train: pl.LazyFrame, test: pl.LazyFrame) -> pl.LazyFrame:
    """Training and test applications in one frame, without TARGET."""
    columns = list(raw_columns())
    return pl.concat([train.select(columns), test.select(columns)], how="vertical_relaxed")


def labels(train: pl.LazyFrame) -> pl.LazyFrame:
    """``SK_ID_CURR, TARGET`` of the training clients: kept apart from every feature table."""
    return train.select(KEY, pl.col(TARGET).cast(pl.Int8))


def application_features(app: pl.LazyFrame) -> pl.LazyFrame:
    """Cleaned application fields plus ratios, EXT_SOURCE blends and flag counts.

    ``app`` holds raw application rows (a TARGET column, if present, is dropped): DAYS_EMPLOYED
    365243 becomes missing with an indicator, ``XNA`` becomes missing, and the derived columns are
    appended.
    """
    cleaned = app.select(raw_columns()).with_columns(*_polars_cleaning())
    return cleaned.with_columns(*_polars_derived())


# The expressions are built once: a new applicant's row needs a few hundred, and building one
# costs about what evaluating it on one row does.
@cache
def cleaning() -> Stage:
    """The numeric fields cleaned: day counts holding the 365243 placeholder made missing, with
    an indicator for DAYS_EMPLOYED (the placeholder marks pensioners and the unemployed)."""
    days = [c for c in raw_columns() if c.startswith("DAYS_")]
    return {
        "DAYS_EMPLOYED_SENTINEL": (col("DAYS_EMPLOYED") == DAYS_SENTINEL).cast(pl.Int8),
        **sentinel_to_null(days, DAYS_SENTINEL),
    }


@cache
def _polars_cleaning() -> tuple[pl.Expr, ...]:
    texts = [
        pl.when(pl.col(c) == MISSING_CATEGORY).then(None).otherwise(pl.col(c)).alias(c)
        for c in string_columns()
    ]
    return (*_aliased(cleaning()), *texts)


@cache
def derived() -> Stage:
    """The features computed from the cleaned fields."""
    return {**_ratios(), **_ext_sources(), **_counts()}


@cache
def _polars_derived() -> tuple[pl.Expr, ...]:
    return _aliased(derived())


def _aliased(stage: Stage) -> tuple[pl.Expr, ...]:
    return tuple(expr.polars.alias(name) for name, expr in stage.items())


def _ratios() -> Stage:
    income, credit = col("AMT_INCOME_TOTAL"), col("AMT_CREDIT")
    annuity, goods = col("AMT_ANNUITY"), col("AMT_GOODS_PRICE")
    return {
        "CREDIT_INCOME_RATIO": div(credit, income),
        "INCOME_CREDIT_PERC": div(income, credit),
        "ANNUITY_INCOME_PERC": div(annuity, income),
        "PAYMENT_RATE": div(annuity, credit),
        "GOODS_CREDIT_RATIO": div(goods, credit),
        "CREDIT_GOODS_DIFF": credit - goods,
        "INCOME_PER_PERSON": div(income, col("CNT_FAM_MEMBERS")),
        "DAYS_EMPLOYED_PERC": div(col("DAYS_EMPLOYED"), col("DAYS_BIRTH")),
        "AGE_YEARS": -col("DAYS_BIRTH") / DAYS_PER_YEAR,
        "PHONE_CHANGE_AGE_PERC": ratio(col("DAYS_LAST_PHONE_CHANGE"), col("DAYS_BIRTH")),
        "ID_PUBLISH_AGE_PERC": ratio(col("DAYS_ID_PUBLISH"), col("DAYS_BIRTH")),
    }


def _ext_sources() -> Stage:
    sources = [col(c) for c in EXT_SOURCES]
    weights = [when(s.is_not_null(), w) for s, w in zip(sources, EXT_SOURCE_WEIGHTS, strict=True)]
    weighted = sum_horizontal([s * w for s, w in zip(sources, EXT_SOURCE_WEIGHTS, strict=True)])
    mean = mean_horizontal(sources)
    variance = mean_horizontal([(s - mean) ** 2 for s in sources])
    return {
        "EXT_SOURCE_MEAN": mean,
        "EXT_SOURCE_PROD": sources[0] * sources[1] * sources[2],
        "EXT_SOURCE_STD": variance.sqrt(),
        "EXT_SOURCE_MIN": min_horizontal(sources),
        "EXT_SOURCE_MAX": max_horizontal(sources),
        "EXT_SOURCE_WEIGHTED": ratio(weighted, sum_horizontal(weights)),
        "EXT_SOURCE_MISSING": sum_horizontal([s.is_null() for s in sources]).cast(pl.Int8),
    }


def _counts() -> Stage:
    def columns(names: tuple[str, ...]) -> list[Expr]:
        return [col(c) for c in names]

    return {
        "FLAG_DOCUMENT_COUNT": sum_horizontal(columns(document_flags())),
        "CONTACT_FLAG_COUNT": sum_horizontal(columns(CONTACT_FLAGS)),
        "ADDRESS_MISMATCH_COUNT": sum_horizontal(columns(ADDRESS_FLAGS)),
        "AMT_REQ_CREDIT_BUREAU_TOTAL": sum_horizontal(
            columns(enquiry_columns()), ignore_nulls=False
        ),
    }
