"""Preprocessing fitted with each model: code categories for trees, impute/one-hot/scale for linear.

Both take a pandas frame of feature columns (strings stay strings in the feature table) and are
scikit-learn transformers, so they sit in the same pipeline as the model and are saved with it.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, OneHotEncoder


def categorical_columns(frame: pd.DataFrame) -> list[str]:
    """Columns holding text (or booleans stored as objects): the ones that need encoding."""
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]


SMALL_BATCH = 32


def columns_in_order(holder: Any, columns: pd.Index, names: Any) -> bool:
    """Whether ``columns`` are ``names``, in order. A pandas Index is immutable: ``holder``
    keeps the last one that matched (as ``_columns_in_order``, left out when it is saved), and
    the same object (the service's feature rows all share one) matches without comparing
    hundreds of names again."""
    if columns is getattr(holder, "_columns_in_order", None):
        return True
    if list(columns) != list(names):
        return False
    holder._columns_in_order = columns
    return True


class FrameEncoder(TransformerMixin, BaseEstimator):
    """Frame -> float matrix in a fixed column order; categories become integer codes.

    Columns missing from the input become missing values and unseen categories become missing,
    so a single new applicant with partial data can still be scored. Tree models split on the
    codes and on missing values directly.
    """

    def fit(self, X: pd.DataFrame, y: Any = None) -> FrameEncoder:
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        categorical = categorical_columns(X)
        self.categories_ = {
            c: {v: float(i) for i, v in enumerate(sorted(X[c].dropna().astype(str).unique()))}
            for c in categorical
        }
        names = list(X.columns)
        self.numeric_ = [c for c in names if c not in self.categories_]
        self.numeric_index_ = np.array([names.index(c) for c in self.numeric_], dtype=int)
        self.categorical_index_ = {c: names.index(c) for c in self.categories_}
        return self

    def transform(self, X: pd.DataFrame) -> NDArray[np.float64]:
        frame = X if columns_in_order(self, X.columns, self.feature_names_in_) else self._aligned(X)
        if len(frame) <= SMALL_BATCH:
            return self._transform_small(frame)
        # Filled column by column into a column-major matrix: each column is one contiguous
        # copy, where a row-major result or a frame-wide conversion strides through memory.
        out = np.empty((len(self.feature_names_in_), len(frame)), dtype=np.float64)
        for index, column in enumerate(self.feature_names_in_):
            codes = self.categories_.get(column)
            values: pd.Series = frame[column]  # pyright: ignore[reportAssignmentType]
            out[index] = _floats(values) if codes is None else _codes(values.to_numpy(), codes)
        return out.T

    def _transform_small(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        """The same result for a few rows through one object array: pandas column selection
        costs more than the data (this keeps single-client scoring well under 2 ms)."""
        values = frame.to_numpy(dtype=object)
        out = np.empty(values.shape, dtype=np.float64)
        numbers = values[:, self.numeric_index_]
        out[:, self.numeric_index_] = np.where(pd.isna(numbers), np.nan, numbers).astype(np.float64)
        for column, codes in self.categories_.items():
            index = self.categorical_index_[column]
            out[:, index] = _codes(values[:, index], codes)
        return out

    def __getstate__(self) -> dict[str, Any]:
        """Saved without the last matching columns (a cache, see :func:`columns_in_order`)."""
        state: dict[str, Any] = super().__getstate__()  # type: ignore[assignment]
        return {k: v for k, v in state.items() if k != "_columns_in_order"}

    def _aligned(self, X: pd.DataFrame) -> pd.DataFrame:
        return X.reindex(columns=list(self.feature_names_in_))

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        return self.feature_names_in_


def _floats(values: pd.Series) -> NDArray[np.float64]:
    """A numeric column as floats, missing values NaN (plain NumPy columns convert directly)."""
    if isinstance(values.dtype, np.dtype):
        return values.to_numpy(dtype=np.float64)
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def as_text(frame: pd.DataFrame) -> NDArray[np.object_]:
    """Categories as plain strings, ``"missing"`` where absent (whatever the null marker)."""
    return frame.astype(object).where(frame.notna(), "missing").astype(str).to_numpy(dtype=object)


def _codes(values: NDArray[Any], codes: dict[str, float]) -> NDArray[np.float64] | list[float]:
    """Each value's category code; NaN for a missing value, a value that is not text and a
    category the encoder never saw. A few values go through the dict; many through one hash
    lookup of the whole column (a Python loop over 246,008 rows cost 0.35 s a column)."""
    if len(values) <= SMALL_BATCH:
        return [codes.get(v, np.nan) if isinstance(v, str) else np.nan for v in values]
    # Only text equals a key (the keys are text): a missing or numeric value is not found.
    found = pd.Index(list(codes), dtype=object).get_indexer(values)
    known = np.append(np.fromiter(codes.values(), dtype=np.float64, count=len(codes)), np.nan)
    return known[found]  # -1, not found: the NaN appended last


class MedianImputer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Missing numbers -> their column's training median (0 for a column never observed).

    What ``SimpleImputer(strategy="median", keep_empty_features=True)`` does, with the medians
    taken by ``np.nanmedian`` in float64 instead of a masked-array sort in the frame's float32:
    on the demo training set, 0.49 s instead of 2.27 s a fit, the medians differing by at most
    0.0625, float32's rounding of amounts near a million (``benchmarks/imputer.py``).

    The numbers are read once, column by column, into a column-major matrix that the medians,
    the filling and the result share; ``fit_transform`` reads them once for both.
    """

    def fit(self, X: Any, y: Any = None) -> MedianImputer:
        self._fit(X, column_major_floats(X))
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> NDArray[np.float64]:
        columns = column_major_floats(X)
        self._fit(X, columns)
        return self._fill(columns)

    def transform(self, X: Any) -> NDArray[np.float64]:
        columns = column_major_floats(X)
        if len(columns) != self.n_features_in_:
            raise ValueError(f"{len(columns)} columns where {self.n_features_in_} were fitted")
        return self._fill(columns)

    def _fit(self, X: Any, columns: NDArray[np.float64]) -> None:
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = len(columns)
        medians = np.zeros(len(columns))
        if columns.shape[1]:
            with warnings.catch_warnings():  # a column never observed: "All-NaN slice"
                warnings.simplefilter("ignore", RuntimeWarning)
                medians = np.nan_to_num(np.nanmedian(columns, axis=1), nan=0.0)
        self.statistics_ = medians

    def _fill(self, columns: NDArray[np.float64]) -> NDArray[np.float64]:
        np.copyto(columns, self.statistics_[:, np.newaxis], where=np.isnan(columns))
        return columns.T


def column_major_floats(X: Any) -> NDArray[np.float64]:
    """Numbers as a new ``(columns, rows)`` float matrix, missing values NaN: each frame column
    one contiguous copy (a frame-wide conversion to a row-major matrix strides through memory).

    Raises:
        ValueError: if a value is not a number (text, say).
    """
    if not isinstance(X, pd.DataFrame) or len(X) <= SMALL_BATCH:
        return np.array(as_floats(X).T, dtype=np.float64, order="C")
    out = np.empty((X.shape[1], len(X)), dtype=np.float64)
    for index in range(X.shape[1]):
        values: pd.Series = X.iloc[:, index]  # pyright: ignore[reportAssignmentType]
        try:
            out[index] = _floats(values)
        except (TypeError, ValueError):  # numbers held as objects, with None among them
            out[index] = as_floats(values.to_frame())[:, 0]
    return out


def as_floats(X: Any) -> NDArray[np.float64]:
    """Numbers as a float matrix, missing values (NaN, ``None``, ``pd.NA``) as NaN.

    Raises:
        ValueError: if a value is not a number (text, say).
    """
    if not isinstance(X, pd.DataFrame):
        return np.asarray(X, dtype=np.float64)
    try:
        return X.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):  # object columns (``None`` among numbers): the general way
        values = X.to_numpy(dtype=object)
        return np.where(pd.isna(values), np.nan, values).astype(np.float64)


def tree_preprocessor() -> FrameEncoder:
    """Preprocessing for tree models: category codes, missing values left to the trees."""
    return FrameEncoder()


def linear_preprocessor(frame: pd.DataFrame) -> ColumnTransformer:
    """Median imputation and MinMax scaling of numbers; one-hot encoding of categories."""
    numeric = Pipeline(
        [
            ("impute", MedianImputer()),
            # Scaled in place: the imputer's output is a new matrix of this pipeline's own; a
            # copy of it cost 9 % of the full-scale logistic-regression candidate (py-spy).
            ("scale", MinMaxScaler(copy=False)),
        ]
    )
    categorical = Pipeline(
        [
            ("text", FunctionTransformer(as_text, feature_names_out="one-to-one")),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    return ColumnTransformer(
        [
            ("num", numeric, numeric_columns(frame)),
            ("cat", categorical, categorical_columns(frame)),
        ],
        remainder="drop",
    )


def linear_feature_groups(preprocessor: ColumnTransformer) -> list[str]:
    """For each output column of a fitted linear preprocessor, the input feature it came from."""
    groups: list[str] = []
    for name, transformer, columns in preprocessor.transformers_:
        if name == "num":
            groups.extend(columns)
        elif name == "cat":
            encoder: OneHotEncoder = transformer.named_steps["onehot"]
            for column, categories in zip(columns, encoder.categories_, strict=True):
                groups.extend([column] * len(categories))
    return groups
