"""Known clients' probabilities, computed once when a champion is packaged.

A known client's feature row is frozen in the bundle and so is the champion: their probability
cannot change while the model is served, and neither can a refused client's reason codes.
Both are computed here, in batches, by the model the service serves, and the service answers a
known id by looking them up: a few microseconds where a LightGBM champion's TreeSHAP over 600
trees took a millisecond for every refused client. A reason is kept as its position in the
model's reason groups; the file lists the code of each position, and a service whose reason
table lacks one of them computes the reasons live instead.

The probabilities carry the version of the model that computed them: a scorer whose champion
is not that model (an older bundle, a model swapped in) computes them live instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from credit_assets.features.common import KEY
from credit_assets.models import ScoringModel
from credit_assets.models.scoring_model import REFUSED
from credit_assets.serving.reasons import MAX_REASONS
from credit_assets.serving.refusals import TABLE, ModelReasons, reason_code
from credit_assets.serving.schemas import ReasonCode
from credit_assets.serving.store import ClientStore

ANSWERS_FILE = "known_answers.parquet"
CHUNK = 16_384
"""Clients scored per batch: a few tens of MB of features at a time."""
NO_REASON = -1
REASON_COLUMNS = [f"reason_{i + 1}" for i in range(MAX_REASONS)]


@dataclass(frozen=True)
class KnownAnswers:
    """Every known client's probability and, for the refused, their reasons, in the client
    store's row order."""

    model_version: str
    probability: NDArray[np.float64]
    reasons: NDArray[np.int16] | None = None
    """Clients x ``MAX_REASONS``: positions in ``reason_codes``, largest first, ``-1`` for none
    (every position of an accepted client). ``None``: computed per request (older bundles)."""
    reason_codes: tuple[str, ...] = ()
    """The reason code at each position."""

    def write(self, path: Path, ids: NDArray[np.int64]) -> None:
        columns = {KEY: pa.array(ids, pa.int64()), "probability": pa.array(self.probability)}
        metadata = {"model_version": self.model_version}
        if self.reasons is not None:
            columns |= {c: pa.array(self.reasons[:, i]) for i, c in enumerate(REASON_COLUMNS)}
            metadata["reason_codes"] = json.dumps(list(self.reason_codes))
        pq.write_table(pa.table(columns, metadata=metadata), path, compression="zstd")

    def codes(self, positions: Sequence[int]) -> list[list[ReasonCode]] | None:
        """The reason codes of the clients at ``positions`` of the store (``[]`` for an
        accepted one), or ``None`` when they were not computed at packaging or name a code
        this service's reason table does not have."""
        lookup = self._lookup
        if self.reasons is None or lookup is None:
            return None
        rows = self.reasons[positions].tolist()
        return [[lookup[g] for g in row if g != NO_REASON] for row in rows]

    @cached_property
    def _lookup(self) -> list[ReasonCode] | None:
        known = {g.code: g for g in TABLE.groups}
        if any(code not in known for code in self.reason_codes):
            return None
        return [reason_code(known[code]) for code in self.reason_codes]

    @classmethod
    def read(cls, path: Path, ids: NDArray[np.int64]) -> KnownAnswers:
        """The answers at ``path``, checked to be in the order of ``ids`` (the store's).

        Raises:
            ValueError: if the file's clients are not the store's, in the store's order.
        """
        table = pq.read_table(path)
        if not np.array_equal(table.column(KEY).to_numpy(), ids):
            raise ValueError(f"{path.name}: its clients are not the client store's, in order")
        version = (table.schema.metadata or {}).get(b"model_version")
        if version is None:
            raise ValueError(f"{path.name}: no model_version: not written by KnownAnswers.write")
        codes = (table.schema.metadata or {}).get(b"reason_codes")
        reasons, reason_codes = None, ()
        if codes is not None:
            reasons, reason_codes = _reasons(table, codes, path.name)
        return cls(
            model_version=version.decode(),
            probability=table.column("probability").to_numpy(),
            reasons=reasons,
            reason_codes=reason_codes,
        )


def _reasons(table: pa.Table, codes: bytes, name: str) -> tuple[NDArray[np.int16], tuple[str, ...]]:
    """The reasons block of an answers file, checked: every column present, every position
    one of the listed codes (or none).

    Raises:
        ValueError: naming the file and what is wrong.
    """
    missing = [c for c in REASON_COLUMNS if c not in table.column_names]
    if missing:
        raise ValueError(f"{name}: reason codes listed but no column {', '.join(missing)}")
    listed = tuple(json.loads(codes))
    reasons = np.column_stack([table.column(c).to_numpy() for c in REASON_COLUMNS])
    if reasons.size and (reasons.min() < NO_REASON or reasons.max() >= len(listed)):
        raise ValueError(f"{name}: a reason position outside the {len(listed)} codes listed")
    return reasons.astype(np.int16), listed


def compute_answers(model: ScoringModel, store: ClientStore, chunk: int = CHUNK) -> KnownAnswers:
    """Every client's probability from ``model``, and a refused client's reasons, as the
    service would compute them live (contributions for the refused only)."""
    explainer = ModelReasons(model)
    probability = np.empty(len(store), dtype=np.float64)
    reasons = np.full((len(store), MAX_REASONS), NO_REASON, dtype=np.int16)
    for start in range(0, len(store), chunk):
        frame = store.features.iloc[start : start + chunk]
        proba = model.predict_proba(frame)
        probability[start : start + len(frame)] = proba
        refused = np.flatnonzero(model.decide(proba) == REFUSED)
        if len(refused):
            chosen = explainer.refusal_reasons(frame.iloc[refused])
            for row, picked in zip(refused.tolist(), chosen, strict=True):
                reasons[start + row, : len(picked)] = picked
    codes = tuple(g.code for g in explainer.refusal_grouping.groups)
    return KnownAnswers(model.version, probability, reasons, codes)


def write_answers(folder: Path, model: ScoringModel, clients_file: Path) -> KnownAnswers:
    """Compute the answers of the clients in ``clients_file`` and write them beside it."""
    store = ClientStore.read(clients_file, model.feature_names)
    answers = compute_answers(model, store)
    answers.write(folder / ANSWERS_FILE, store.ids)
    return answers
