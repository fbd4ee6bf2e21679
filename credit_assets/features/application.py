"""Application features: the client's own application, cleaned, plus business ratios.

The same function serves the batch (every training and test client) and the service (one new
applicant), so a feature is defined once. Categorical columns stay strings (``XNA`` made missing);
models choose their own encoding, fitted on their training split.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from credit_assets.features.common import KEY, div, ratio, sentinel_to_null
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
    cleaned = app.select(raw_columns()).with_columns(*_cleaning())
    return cleaned.with_columns(*_derived())


# The expressions are built once: a new applicant's row needs a few hundred, and building one
# costs about what evaluating it on one row does.
@cache
def _cleaning() -> tuple[pl.Expr, ...]:
    days = [c for c in raw_columns() if c.startswith("DAYS_")]
    return (
        (pl.col("DAYS_EMPLOYED") == DAYS_SENTINEL).cast(pl.Int8).alias("DAYS_EMPLOYED_SENTINEL"),
        *sentinel_to_null(days),
        *[
            pl.when(pl.col(c) == "XNA").then(None).otherwise(pl.col(c)).alias(c)
            for c in string_columns()
        ],
    )


@cache
def _derived() -> tuple[pl.Expr, ...]:
    return (*_ratios(), *_ext_sources(), *_counts())


def _ratios() -> list[pl.Expr]:
    income, credit = pl.col("AMT_INCOME_TOTAL"), pl.col("AMT_CREDIT")
    annuity, goods = pl.col("AMT_ANNUITY"), pl.col("AMT_GOODS_PRICE")
    return [
        div(credit, income).alias("CREDIT_INCOME_RATIO"),
        div(income, credit).alias("INCOME_CREDIT_PERC"),
        div(annuity, income).alias("ANNUITY_INCOME_PERC"),
        div(annuity, credit).alias("PAYMENT_RATE"),
        div(goods, credit).alias("GOODS_CREDIT_RATIO"),
        (credit - goods).alias("CREDIT_GOODS_DIFF"),
        div(income, pl.col("CNT_FAM_MEMBERS")).alias("INCOME_PER_PERSON"),
        div(pl.col("DAYS_EMPLOYED"), pl.col("DAYS_BIRTH")).alias("DAYS_EMPLOYED_PERC"),
        (-pl.col("DAYS_BIRTH") / DAYS_PER_YEAR).alias("AGE_YEARS"),
        ratio(pl.col("DAYS_LAST_PHONE_CHANGE"), pl.col("DAYS_BIRTH")).alias(
            "PHONE_CHANGE_AGE_PERC"
        ),
        ratio(pl.col("DAYS_ID_PUBLISH"), pl.col("DAYS_BIRTH")).alias("ID_PUBLISH_AGE_PERC"),
    ]


def _ext_sources() -> list[pl.Expr]:
    sources = [pl.col(c) for c in EXT_SOURCES]
    weights = [
        pl.when(s.is_not_null()).then(pl.lit(w))
        for s, w in zip(sources, EXT_SOURCE_WEIGHTS, strict=True)
    ]
    weighted = pl.sum_horizontal([s * w for s, w in zip(sources, EXT_SOURCE_WEIGHTS, strict=True)])
    mean = pl.mean_horizontal(sources)
    variance = pl.mean_horizontal([(s - mean) ** 2 for s in sources])
    return [
        mean.alias("EXT_SOURCE_MEAN"),
        (sources[0] * sources[1] * sources[2]).alias("EXT_SOURCE_PROD"),
        variance.sqrt().alias("EXT_SOURCE_STD"),
        pl.min_horizontal(sources).alias("EXT_SOURCE_MIN"),
        pl.max_horizontal(sources).alias("EXT_SOURCE_MAX"),
        ratio(weighted, pl.sum_horizontal(weights)).alias("EXT_SOURCE_WEIGHTED"),
        pl.sum_horizontal([s.is_null() for s in sources]).cast(pl.Int8).alias("EXT_SOURCE_MISSING"),
    ]


def _counts() -> list[pl.Expr]:
    return [
        pl.sum_horizontal(document_flags()).alias("FLAG_DOCUMENT_COUNT"),
        pl.sum_horizontal(CONTACT_FLAGS).alias("CONTACT_FLAG_COUNT"),
        pl.sum_horizontal(ADDRESS_FLAGS).alias("ADDRESS_MISMATCH_COUNT"),
        pl.sum_horizontal(enquiry_columns(), ignore_nulls=False).alias(
            "AMT_REQ_CREDIT_BUREAU_TOTAL"
        ),
    ]
