"""Which assets a run materialises: what is missing, stale or fed by changed source data, and
everything downstream of them."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from credit_assets.ingest import TableFile, read_table
from credit_assets.launcher.selection import (
    AssetState,
    changed_sources,
    reasons,
    source_digest,
    to_materialise,
)

# raw -> features -> model -> bento, and raw -> report
GRAPH = {"raw": {"features", "report"}, "features": {"model"}, "model": {"bento"}}


def downstream(keys: set[str]) -> set[str]:
    found, pending = set(keys), list(keys)
    while pending:
        for child in GRAPH.get(pending.pop(), set()):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def states(**status: str) -> list[AssetState]:
    keys = ["raw", "features", "model", "bento", "report"]
    return [AssetState(k, status.get(k, "FRESH")) for k in keys]


@pytest.mark.parametrize(
    ("status", "changed", "expected"),
    [
        ({}, [], []),
        ({"bento": "STALE"}, [], ["bento"]),
        ({"model": "MISSING"}, [], ["bento", "model"]),
        ({"features": "STALE", "report": "MISSING"}, [], ["bento", "features", "model", "report"]),
        ({}, ["raw"], ["bento", "features", "model", "raw", "report"]),
    ],
    ids=["all-fresh", "stale-leaf", "missing-middle", "stale-and-missing", "source-changed"],
)
def test_the_selection_is_what_is_missing_or_stale_and_its_downstream(
    status: dict[str, str], changed: list[str], expected: list[str]
) -> None:
    assert to_materialise(states(**status), changed, downstream) == expected


def test_a_source_changes_when_its_digest_differs_or_cannot_be_read() -> None:
    recorded = {"bureau": "a", "application_train": "b", "bureau_balance": "c"}
    current = {"bureau": "a", "application_train": "B", "bureau_balance": None}
    assert changed_sources(recorded, current) == ["application_train", "bureau_balance"]


CSV = b"SK_ID_BUREAU,MONTHS_BALANCE,STATUS\n5000001,0,C\n5000001,-1,0\n5000002,0,X\n"


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


@pytest.mark.parametrize("name", ["bureau_balance.csv", "bureau_balance.csv.gz"])
def test_the_digest_is_the_data_version_ingestion_records(tmp_path: Path, name: str) -> None:
    file = TableFile("bureau_balance", tmp_path / name)
    _write(file.path, CSV)
    before = source_digest(file)
    # The raw assets record read_table's hash as their data version; were the two to differ,
    # every `make run` would re-ingest and retrain.
    assert before == read_table(file).sha256
    _write(file.path, CSV.replace(b",X", b",C"))
    assert source_digest(file) == read_table(file).sha256 != before


def test_the_reasons_name_missing_assets_root_causes_and_changed_sources() -> None:
    found = [
        AssetState("model", "MISSING"),
        AssetState("features", "STALE", ("features has a new code version",)),
        AssetState("bento", "STALE", ("features has a new code version",)),
        AssetState("report", "FRESH"),
    ]
    assert reasons(found, ["raw"]) == [
        "missing: model",
        "stale: features has a new code version",
        "source data changed: raw",
    ]
    many = [AssetState(f"a{i}", "MISSING") for i in range(8)]
    assert reasons(many, [], limit=3) == ["missing: a0, a1, a2 and 5 more"]
