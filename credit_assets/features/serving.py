"""Features of a new applicant, computed by the batch code and aligned to the training table.

The service receives raw application fields (a dict, a list of dicts or a pandas DataFrame with
Kaggle column names), and for some applicants the rows of their credit history. Application
features come from :func:`application.application_features`, the function the batch runs;
side-table features from the batch's own groups (:mod:`credit_assets.features.history`). Their
tables are then cleaned and placed into the client table's columns as the batch assembles it
(float32, infinities missing, LightGBM-safe names), in NumPy: on a few rows Polars pays for every
column of every operation, and moving a row's ~700 columns through joins, casts and renames cost
more than computing them. A side table an applicant has no rows in leaves its features missing,
as for a training client without such rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from credit_assets.features import online
from credit_assets.features.application import application_features
from credit_assets.features.build import safe_columns
from credit_assets.features.common import FEW_ROWS, KEY, collected
from credit_assets.features.history import (
    HistoryRows,
    has_rows,
    raw_types,
    side_features,
    typed_rows,
)
from credit_assets.frames import assembled


@dataclass(frozen=True)
class FeatureSpec:
    """The feature columns of the client table, in order, and which of them are categorical."""

    columns: tuple[str, ...]
    categorical: tuple[str, ...]

    @classmethod
    def of(cls, table: pl.DataFrame) -> FeatureSpec:
        """The spec of a client feature table (every column but SK_ID_CURR)."""
        columns = tuple(c for c in table.columns if c != KEY)
        types = table.schema  # built anew on every access: read it once, not once per column
        return cls(columns, tuple(c for c in columns if types[c] == pl.String))

    def to_json(self) -> str:
        return json.dumps({"columns": self.columns, "categorical": self.categorical}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> FeatureSpec:
        data = json.loads(text)
        return cls(tuple(data["columns"]), tuple(data["categorical"]))

    @classmethod
    def load(cls, path: Path) -> FeatureSpec:
        return cls.from_json(path.read_text())

    @cached_property
    def _layout(self) -> _Layout:
        return _Layout(self)


def raw_application(
    application: pd.DataFrame | Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> pl.DataFrame:
    """Raw application rows with every Kaggle field typed; fields not given are missing.

    Raises:
        ValueError: if a row holds a field that is not an application field.
    """
    return typed_rows("application_test", application_records(application))


def application_records(
    application: pd.DataFrame | Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """The applicants' fields as one dict each (TARGET left out, NaN made None).

    Raises:
        ValueError: if a row holds a field that is not an application field.
    """
    records = application.to_dict("records") if isinstance(application, pd.DataFrame) else None
    if records is None:
        records = [application] if isinstance(application, Mapping) else list(application)
    rows = [{k: _missing_to_none(v) for k, v in r.items() if k != "TARGET"} for r in records]
    unknown = sorted({k for r in rows for k in r} - raw_types("application_test").keys())
    if unknown:
        raise ValueError(f"not application fields: {unknown}")
    return rows


def new_client_features(
    application: pd.DataFrame | Mapping[str, Any] | Sequence[Mapping[str, Any]],
    spec: FeatureSpec,
    history: HistoryRows | Sequence[HistoryRows | None] | None = None,
) -> pd.DataFrame:
    """One feature row per applicant, with exactly ``spec.columns`` in order.

    Args:
        application: The applicants' raw application fields.
        spec: The columns to return (the served model's client table).
        history: The credit history of one applicant (with a single ``application`` mapping),
            or one per applicant (``None`` for one without), parallel to the applicants.

    Features are computed as in the batch; the side-table features of an applicant without rows
    in a table are missing, as for a training client without such rows. Up to ``FEW_ROWS``
    applicants are computed in NumPy (:mod:`online`), more with the batch's Polars queries.

    Raises:
        ValueError: naming the field, or the table and column, that the Kaggle files lack.
    """
    records = application_records(application)
    histories = _per_applicant(history, len(records))
    if len(records) <= FEW_ROWS:
        try:
            return computed_rows(records, histories, spec)
        except online.Unsupported:  # a value of another type: the raw layer's cast decides
            pass
    return queried_rows(records, histories, spec)


def computed_rows(
    records: Sequence[Mapping[str, Any]], histories: Sequence[HistoryRows | None], spec: FeatureSpec
) -> pd.DataFrame:
    """:func:`new_client_features` of a few applicants, computed in NumPy (:mod:`online`).

    Raises:
        online.Unsupported: if a value is not of its field's type.
    """
    numbers, texts = online.application_features(records)
    blocks = online.side_features(histories) if has_rows(histories) else []
    return spec._layout.rows([], len(records), numbers, texts, blocks)


def queried_rows(
    records: Sequence[Mapping[str, Any]], histories: Sequence[HistoryRows | None], spec: FeatureSpec
) -> pd.DataFrame:
    """:func:`new_client_features` computed by the batch's Polars queries."""
    tables = [collected(application_features(typed_rows("application_test", records).lazy()))]
    if has_rows(histories):
        tables += side_features(histories)
    return spec._layout.rows(tables, len(records))


@dataclass(frozen=True)
class _Placement:
    """Which columns of a computed table (by position) fill which of a spec's columns."""

    numbers: list[int]
    number_slots: np.ndarray
    texts: list[int]
    text_slots: np.ndarray


class _Layout:
    """A spec's columns as pandas wants them, and where each computed table's columns go."""

    def __init__(self, spec: FeatureSpec) -> None:
        text = set(spec.categorical)
        self.numeric = pd.Index([c for c in spec.columns if c not in text])
        self.categorical = pd.Index(spec.categorical)
        self.columns = pd.Index(spec.columns)
        self._number_at = self.columns.get_indexer(self.numeric).tolist()
        self._text_at = self.columns.get_indexer(self.categorical).tolist()
        self._placements: dict[tuple[str, ...], _Placement] = {}
        self._named: dict[
            tuple[tuple[str, ...], bool], tuple[np.ndarray, list[str], np.ndarray]
        ] = {}

    def rows(
        self,
        tables: Sequence[pl.DataFrame],
        applicants: int,
        numbers: Mapping[str, np.ndarray] | None = None,
        texts: Mapping[str, np.ndarray] | None = None,
        blocks: Sequence[online.Block] = (),
    ) -> pd.DataFrame:
        """The values of ``tables`` in the spec's columns, cleaned as :func:`build.clean` cleans
        the client table: numbers as float32 with infinities missing, names made safe; a column
        no table has is missing, a column the spec does not list is left out.

        The first table holds one row per applicant, in order; each other table one row per
        applicant with rows in its side tables, keyed by the applicant's position (``KEY``).
        ``numbers`` and ``texts`` hold columns already computed, by name, one value per applicant,
        and ``blocks`` more numbers, computed together (a name in a block and in ``numbers``
        takes the block's value).
        """
        values = np.full((applicants, self.numeric.size), np.nan, dtype=np.float32)
        words = np.full((applicants, self.categorical.size), None, dtype=object)
        for position, table in enumerate(tables):
            place = self._placement(table)
            keys = table.get_column(KEY).to_numpy() if position else np.arange(applicants)
            table_numbers, table_texts = _values(table, place)
            with np.errstate(over="ignore"):  # too large for float32: infinite, made missing
                values[np.ix_(keys, place.number_slots)] = table_numbers
            words[np.ix_(keys, place.text_slots)] = table_texts
        if numbers:
            _, names, slots = self._slots(tuple(numbers), self.numeric)
            # One concatenation of the columns (one value per applicant each): building the
            # matrix from hundreds of small arrays with np.array took twice as long.
            found = np.concatenate([numbers[n] for n in names]).reshape(len(names), applicants)
            with np.errstate(over="ignore"):
                values[:, slots] = found.T
        for block in blocks:
            kept, _, slots = self._slots(block.names, self.numeric)
            with np.errstate(over="ignore"):
                values[:, slots] = block.matrix[:, kept]
        if texts:
            _, names, slots = self._slots(tuple(texts), self.categorical)
            words[:, slots] = np.array([texts[n] for n in names], dtype=object).T
        values[~np.isfinite(values)] = np.nan
        index = pd.RangeIndex(applicants)
        return assembled(self.columns, index, values, self._number_at, words, self._text_at)

    def _slots(
        self, names: tuple[str, ...], among: pd.Index
    ) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Of ``names``, those the spec lists: their positions among ``names``, the names
        themselves, and their slots in ``among`` (its numeric or its categorical columns).
        Worked out once per list of names (a group's columns are always the same)."""
        key = (names, among is self.numeric)
        found = self._named.get(key)
        if found is None:
            slots = among.get_indexer(safe_columns(names))
            kept = np.flatnonzero(slots >= 0)
            found = self._named[key] = (kept, [names[i] for i in kept], slots[kept])
        return found

    def _placement(self, table: pl.DataFrame) -> _Placement:
        """Worked out once per list of columns (a feature group's table has always the same)."""
        columns = tuple(table.columns)
        found = self._placements.get(columns)
        if found is None:
            names = safe_columns(columns)
            numbers, texts = self.numeric.get_indexer(names), self.categorical.get_indexer(names)
            text = [t == pl.String for t in table.dtypes]
            number_at = [i for i, s in enumerate(numbers) if s >= 0 and not text[i]]
            text_at = [i for i, s in enumerate(texts) if s >= 0 and text[i]]
            found = self._placements[columns] = _Placement(
                number_at, numbers[number_at], text_at, texts[text_at]
            )
        return found


def _values(table: pl.DataFrame, place: _Placement) -> tuple[np.ndarray, np.ndarray]:
    """The placed columns of ``table``: numbers as float64 (missing NaN), texts (missing None)."""
    numbers = np.empty((table.height, len(place.numbers)))
    texts = np.empty((table.height, len(place.texts)), dtype=object)
    if table.height <= FEW_ROWS:  # as Python rows: ~20 µs a table, where to_numpy took ~100 µs
        for row, values in enumerate(table.rows()):
            numbers[row] = [values[i] for i in place.numbers]
            texts[row] = [values[i] for i in place.texts]
        return numbers, texts
    for column, position in enumerate(place.numbers):
        numbers[:, column] = table.to_series(position).cast(pl.Float64).to_numpy()
    for column, position in enumerate(place.texts):
        texts[:, column] = table.to_series(position).to_numpy()
    return numbers, texts


def _per_applicant(
    history: HistoryRows | Sequence[HistoryRows | None] | None, applicants: int
) -> list[HistoryRows | None]:
    if history is None:
        return [None] * applicants
    histories: list[HistoryRows | None] = (
        [history] if isinstance(history, Mapping) else list(history)
    )
    if len(histories) != applicants:
        raise ValueError(f"{len(histories)} histories for {applicants} applicants")
    return histories


def _missing_to_none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value
