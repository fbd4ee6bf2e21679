"""A credit history as plain data, and a validated one: types without Polars or NumPy.

The service's request models (``serving.history``) build on these, and the ``bentoml serve``
parent process imports the request models without ever computing a feature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

HistoryRows = Mapping[str, Sequence[Mapping[str, Any]]]
"""A credit history as plain data: rows (Kaggle column -> value) by Kaggle side-table name."""


class CheckedHistory(dict[str, Sequence[Mapping[str, Any]]]):
    """A history whose every row holds every column of its table (None where not given), each
    value of its column's type: a validated request's (``HistoryRules.checked``). The NumPy path
    reads its rows as they are, without checking their columns and types again."""
