"""Typed resources shared by every stage: the Kaggle source and the lake.

``DataLake`` owns the lake's layout: each stage asks it where an artefact lives (or for the
artefact itself) by name, so no stage needs another stage's module to find what that stage wrote.
The layout is the one existing lakes were written with; changing a path here orphans their files.

Every asset's code version covers the project modules it imports (``code_version``), this one
included: it imports no pipeline logic, so a change to the models does not re-ingest the data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.feather as feather

from credit_assets import settings

KEY = "SK_ID_CURR"
TARGET = "TARGET"
CLIENT_FEATURES = "client_features"


def name_prefix(feature_set: str) -> str:
    """What the names of a feature set's assets and files start with: nothing for ``history``,
    ``application_only_`` for ``application_only``."""
    return "" if feature_set == "history" else f"{feature_set}_"


class HomeCreditSource(dg.ConfigurableResource):
    """The Kaggle data to ingest: ``home-credit-default-risk.zip`` or a folder of its CSVs."""

    location: str

    @property
    def path(self) -> Path:
        return Path(self.location)


class DataLake(dg.ConfigurableResource):
    """The local folder (or mounted bucket) holding every pipeline output, by stage:
    ``raw/``, ``features/``, ``training/``, ``models/``, ``reports/`` and ``outputs/``."""

    root: str

    def path(self, *parts: str) -> Path:
        """A path under the lake root; parent folders are created."""
        target = Path(self.root).joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def raw_table(self, table: str) -> Path:
        """The Parquet copy of one ingested Kaggle table."""
        return self.path("raw", f"{table}.parquet")

    def labels(self) -> pd.DataFrame:
        """``SK_ID_CURR, TARGET`` of the training clients, straight from the raw application."""
        return pd.read_parquet(self.raw_table("application_train"), columns=[KEY, TARGET])

    def features_path(self, name: str = CLIENT_FEATURES) -> Path:
        """A feature table: one feature group's, or the client table (the default)."""
        return self.path("features", f"{name}.parquet")

    def spec_path(self) -> Path:
        """The client table's feature column list, for aligning a new applicant's row."""
        return self.path("features", "feature_columns.json")

    def frame_path(self, name: str) -> Path:
        """A modelling frame: ``training_set``, ``holdout_set`` or ``balanced_training_set``.

        Arrow IPC files (LZ4): every candidate, check and report step reads them again. On the
        full-scale training set (246,008 x 740) a write took 2.3 s instead of Parquet's 8.2 s and a
        read 1.6 s instead of 2.2 s, for 327 MB instead of 243 (``benchmarks/frame_files.py``).
        """
        return self.path("training", f"{name}.arrow")

    def read_frame(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A modelling frame (client features and TARGET), indexed by ``SK_ID_CURR``; only
        ``columns`` when given (a check of keys and labels reads a few MB, not the full-scale
        table's 700 MB)."""
        read = None if columns is None else [KEY, *(c for c in columns if c != KEY)]
        return feather.read_table(self.frame_path(name), columns=read).to_pandas()

    def frame_columns(self, name: str) -> list[str]:
        """A modelling frame's columns (its index, ``SK_ID_CURR``, aside), read from the file's
        schema without its data."""
        with pa.memory_map(str(self.frame_path(name))) as source:
            schema = pa.ipc.open_file(source).schema
        return [c for c in schema.names if c != KEY]

    def write_frame(self, name: str, frame: pd.DataFrame, digest: str) -> Path:
        """Write a modelling frame, indexed by ``SK_ID_CURR``, with its content hash
        (``models.data.dataset_hash``) beside; the file is replaced whole or not at all."""
        path = self.frame_path(name)
        if frame.index.name != KEY:
            raise ValueError(f"a modelling frame is indexed by {KEY}, not {frame.index.name!r}")
        partial = path.with_name(f".{path.name}.partial")
        feather.write_feather(frame, partial, compression="lz4")
        partial.replace(path)
        path.with_suffix(".sha256").write_text(digest)
        path.with_suffix(".parquet").unlink(missing_ok=True)  # a lake's frames before Arrow
        return path

    def frame_hash(self, name: str) -> str | None:
        """The content hash written with a modelling frame (``None`` for a frame written before
        hashes were kept): hashing the full-scale training set again costs seconds a step."""
        hashed = self.frame_path(name).with_suffix(".sha256")
        return hashed.read_text() if hashed.exists() else None

    def clients_to_score(self) -> pd.DataFrame:
        """Client features of every ``application_test`` client, indexed by ``SK_ID_CURR``."""
        ids = pl.read_parquet(self.raw_table("application_test"), columns=[KEY])
        # Joined in Polars: only the test clients' rows become pandas, not the whole table.
        features = ids.join(
            pl.read_parquet(self.features_path()), on=KEY, how="left", maintain_order="left"
        )
        return features.to_pandas().set_index(KEY)

    def candidate_path(
        self, name: str, suffix: str = ".joblib", feature_set: str = "history"
    ) -> Path:
        """A candidate's artefact (``.joblib``) or record of figures (``.json``)."""
        return self.path("models", "candidates", f"{name_prefix(feature_set)}{name}{suffix}")

    def candidate_record(self, name: str, feature_set: str = "history") -> dict[str, Any]:
        """The metrics and hyperparameters a candidate asset wrote."""
        return json.loads(self.candidate_path(name, ".json", feature_set).read_text())

    def study_path(self, study: str) -> Path:
        """The Optuna study storage of one candidate (``lightgbm``, ``application_only_...``)."""
        return self.path("models", "optuna", f"{study}.db")

    def champion_path(self, feature_set: str = "history") -> Path:
        """A champion's ``ScoringModel``: what the scoring service loads."""
        return self.path("models", "champion", f"{name_prefix(feature_set)}scoring_model.joblib")

    def champion_record_path(self, feature_set: str = "history") -> Path:
        """How a champion was chosen: its gates, selection rule, latency, registered version."""
        return self.path("models", "champion", f"{name_prefix(feature_set)}champion.json")

    def champion_record(self, feature_set: str = "history") -> dict[str, Any]:
        """The record the champion asset wrote (see :meth:`champion_record_path`)."""
        return json.loads(self.champion_record_path(feature_set).read_text())

    def bundle_path(self) -> Path:
        """The champions' serving bundle, staged for packaging as the BentoML model."""
        return self.path("models", "serving_bundle")

    def report_path(self, name: str) -> Path:
        """A report file: ``evaluation.json``, ``drift.html``, ``failures.jsonl``, ..."""
        return self.path("reports", name)

    def output_path(self, name: str) -> Path:
        """A deliverable of the batch scoring: ``submission.csv``, ``decisions.csv``."""
        return self.path("outputs", name)


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "source": HomeCreditSource(location=str(settings.home_credit_source())),
            "lake": DataLake(root=str(settings.data_dir())),
        }
    )
