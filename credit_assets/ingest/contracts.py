"""Data contracts on the raw Parquet tables, measured with DuckDB straight from the files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb


@dataclass(frozen=True)
class KeyCoverage:
    """How many rows of a child table point to a key the parent tables do not hold."""

    rows: int
    orphan_rows: int
    orphan_keys: int
    examples: list[tuple[int, ...]]

    @property
    def orphan_share(self) -> float:
        return self.orphan_rows / self.rows if self.rows else 0.0


@dataclass(frozen=True)
class TargetSummary:
    """The TARGET column of application_train."""

    rows: int
    defaults: int
    missing: int
    not_binary: int

    @property
    def default_rate(self) -> float:
        labelled = self.rows - self.missing
        return self.defaults / labelled if labelled else 0.0


def row_count(path: Path) -> int:
    """Rows in one Parquet file."""
    return _one(f"SELECT count(*) FROM {_scan(path)}")


def duplicate_keys(paths: Sequence[Path], column: str) -> int:
    """Rows whose ``column`` value already appeared, counted over all the files together."""
    union = " UNION ALL ".join(f"SELECT {column} AS k FROM {_scan(p)}" for p in paths)
    return _one(f"SELECT count(k) - count(DISTINCT k) FROM ({union})")


def key_coverage(child: Path, parents: Sequence[Path], columns: Sequence[str]) -> KeyCoverage:
    """Rows of ``child`` whose ``columns`` tuple is not found in any of the ``parents``."""
    keys = ", ".join(columns)
    known = " UNION ".join(f"SELECT {keys} FROM {_scan(p)}" for p in parents)
    query = f"""
        WITH orphans AS (
            SELECT {keys} FROM {_scan(child)} ANTI JOIN ({known}) USING ({keys})
        )
        SELECT
            (SELECT count(*) FROM {_scan(child)}),
            (SELECT count(*) FROM orphans),
            (SELECT count(*) FROM (SELECT DISTINCT {keys} FROM orphans)),
            (SELECT list(k) FROM (
                SELECT DISTINCT ({keys}) AS k FROM orphans ORDER BY ALL LIMIT 5
            ))
    """
    row = _row(query)
    examples = [tuple(k) if isinstance(k, tuple) else (k,) for k in row[3] or []]
    return KeyCoverage(int(row[0]), int(row[1]), int(row[2]), examples)


def target_summary(path: Path) -> TargetSummary:
    """Counts of defaults, missing and non-binary values in TARGET."""
    query = f"""
        SELECT count(*), count(*) FILTER (TARGET = 1), count(*) FILTER (TARGET IS NULL),
               count(*) FILTER (TARGET NOT IN (0, 1))
        FROM {_scan(path)}
    """
    return TargetSummary(*(int(v) for v in _row(query)))


def _scan(path: Path) -> str:
    return "read_parquet('" + str(path).replace("'", "''") + "')"


def _one(query: str) -> int:
    return int(_row(query)[0])


def _row(query: str) -> tuple[Any, ...]:
    with duckdb.connect() as con:
        row = con.execute(query).fetchone()
    if row is None:
        raise RuntimeError(f"no result from {query}")
    return row
