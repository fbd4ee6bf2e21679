"""Fixtures for ingestion tests: tiny, linked Kaggle-format tables written into tmp_path."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from credit_assets import kaggle

Row = dict[str, object]
WriteTable = Callable[..., Path]

TRAIN_IDS = range(100_002, 100_022)  # 20 clients, 2 of them defaulters: a 10 % default rate
TEST_IDS = range(100_100, 100_105)
_DEFAULTS = {"int64": 0, "float64": 0.5, "object": "XNA"}


def _blank(table: str) -> Row:
    spec = kaggle.schema(table)
    return {c: _DEFAULTS[d] for c, d in zip(spec.columns, spec.dtypes, strict=True)}


def rows_of(table: str) -> list[Row]:
    """Rows of one table in the tiny source; every key links to a row of its parent table."""
    clients = [*TRAIN_IDS, *TEST_IDS]
    previous = [(2_000_000 + i, client) for i, client in enumerate(clients)]
    bureau = [(5_000_000 + i, client) for i, client in enumerate(TRAIN_IDS)]
    if table in kaggle.APPLICATION_TABLES:
        ids = TRAIN_IDS if table == "application_train" else TEST_IDS
        rows = [_blank(table) | _application(client, i) for i, client in enumerate(ids)]
        if table == "application_test":
            for row in rows:
                del row["TARGET"]
        return rows
    if table == "bureau":
        return [_blank(table) | {"SK_ID_BUREAU": b, "SK_ID_CURR": c} for b, c in bureau]
    if table == "bureau_balance":
        return [
            _blank(table) | {"SK_ID_BUREAU": b, "MONTHS_BALANCE": -m, "STATUS": "C0X"[m]}
            for b, _ in bureau
            for m in range(3)
        ]
    if table == "previous_application":
        return [
            _blank(table) | {"SK_ID_PREV": p, "SK_ID_CURR": c, "NAME_CASH_LOAN_PURPOSE": "XAP"}
            for p, c in previous
        ]
    return [
        _blank(table) | {"SK_ID_PREV": p, "SK_ID_CURR": c, "MONTHS_BALANCE": -m}
        if "MONTHS_BALANCE" in kaggle.schema(table).columns
        else _blank(table) | {"SK_ID_PREV": p, "SK_ID_CURR": c, "NUM_INSTALMENT_NUMBER": m}
        for p, c in previous
        for m in range(1, 3)
    ]


def _application(client: int, index: int) -> Row:
    return {
        "SK_ID_CURR": client,
        "TARGET": int(index % 10 == 3),
        "NAME_CONTRACT_TYPE": "Cash loans",
        "CODE_GENDER": "FM"[index % 2],
        "AMT_CREDIT": 100_000.0 + 4_500.0 * index,
        "DAYS_EMPLOYED": kaggle.DAYS_SENTINEL if index % 5 == 0 else -100 * index,
        "EXT_SOURCE_1": None if index % 2 else 0.25,
        "WALLSMATERIAL_MODE": "Stone, brick",
    }


def write_csv(
    folder: Path, table: str, rows: list[Row] | None = None, name: str | None = None
) -> Path:
    """Write rows in Kaggle column order as ``folder/<table>.csv``; ``None`` is an empty field."""
    columns = kaggle.schema(table).columns
    path = folder / (name or f"{table}.csv")
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows_of(table) if rows is None else rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return path


@pytest.fixture
def tiny_source(tmp_path: Path) -> Path:
    """A folder holding all eight tables, small and fully linked."""
    folder = tmp_path / "source"
    for table in kaggle.TABLES:
        write_csv(folder, table)
    return folder


@pytest.fixture
def tiny_rows() -> Callable[[str], list[Row]]:
    """``tiny_rows(table)``: fresh rows of one table of the tiny source."""
    return rows_of


@pytest.fixture
def write_table() -> WriteTable:
    """``write_table(folder, table, rows=None, name=None)``: write a Kaggle-format CSV."""
    return write_csv


@pytest.fixture
def real_dir() -> Path:
    """The folder of real Kaggle rows, from HOME_CREDIT_REAL_DIR."""
    configured = os.environ.get("HOME_CREDIT_REAL_DIR")
    if not configured:
        pytest.skip("HOME_CREDIT_REAL_DIR is not set: no real Kaggle rows to test against")
    return Path(configured)
