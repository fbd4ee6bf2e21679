"""The lake's layout: where each artefact lives, as existing lakes were written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from credit_assets.defs.resources import DataLake


@pytest.mark.parametrize(
    ("where", "relative"),
    [
        (lambda lake: lake.raw_table("POS_CASH_balance"), "raw/POS_CASH_balance.parquet"),
        (lambda lake: lake.features_path(), "features/client_features.parquet"),
        (lambda lake: lake.features_path("bureau_features"), "features/bureau_features.parquet"),
        (lambda lake: lake.spec_path(), "features/feature_columns.json"),
        (lambda lake: lake.frame_path("holdout_set"), "training/holdout_set.arrow"),
        (lambda lake: lake.candidate_path("lightgbm"), "models/candidates/lightgbm.joblib"),
        (
            lambda lake: lake.candidate_path("dummy", ".json", "application_only"),
            "models/candidates/application_only_dummy.json",
        ),
        (lambda lake: lake.study_path("scorecard"), "models/optuna/scorecard.db"),
        (lambda lake: lake.champion_path(), "models/champion/scoring_model.joblib"),
        (
            lambda lake: lake.champion_path("application_only"),
            "models/champion/application_only_scoring_model.joblib",
        ),
        (lambda lake: lake.champion_record_path(), "models/champion/champion.json"),
        (lambda lake: lake.report_path("drift.html"), "reports/drift.html"),
        (lambda lake: lake.output_path("submission.csv"), "outputs/submission.csv"),
    ],
)
def test_each_artefact_keeps_its_place_in_the_lake(
    tmp_path: Path, where: Callable[[DataLake], Path], relative: str
) -> None:
    path = where(DataLake(root=str(tmp_path)))
    assert path == tmp_path / relative
    assert path.parent.is_dir()  # a writer needs no mkdir of its own


def test_the_test_clients_come_in_application_order_with_their_features(tmp_path: Path) -> None:
    lake = DataLake(root=str(tmp_path))
    pd.DataFrame({"SK_ID_CURR": [7, 3, 9]}).to_parquet(lake.raw_table("application_test"))
    features = pd.DataFrame({"SK_ID_CURR": [1, 3, 7], "AMT_CREDIT": [10.0, 30.0, 70.0]})
    features.to_parquet(lake.features_path())
    clients = lake.clients_to_score()
    assert clients.index.tolist() == [7, 3, 9]
    # A test client without a feature row is still scored, on missing features.
    assert clients["AMT_CREDIT"].tolist()[:2] == [70.0, 30.0]
    assert clients["AMT_CREDIT"].isna().tolist() == [False, False, True]


def test_records_are_read_back_as_written(tmp_path: Path) -> None:
    lake = DataLake(root=str(tmp_path))
    record = {"champion": "lightgbm", "registered_version": "3"}
    lake.champion_record_path("application_only").write_text(json.dumps(record))
    assert lake.champion_record("application_only") == record
    with pytest.raises(FileNotFoundError, match=r"champion\.json"):
        lake.champion_record()
