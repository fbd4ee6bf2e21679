"""The training and models assets: definitions load; one in-memory run on generated data."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from credit_assets.definitions import defs
from credit_assets.defs.lineage import EXPERIMENTS_GROUP, PIPELINE_SINKS
from credit_assets.defs.models import assets as model_assets
from credit_assets.defs.models import champion, checks, validation
from credit_assets.defs.prediction_log import PredictionLogStore
from credit_assets.defs.raw.assets import raw_table_asset
from credit_assets.defs.resources import DataLake, HomeCreditSource
from credit_assets.defs.tracking import MlflowTracking
from credit_assets.defs.training import assets as training_assets
from credit_assets.defs.training import checks as training_checks
from credit_assets.features.feature_sets import FEATURE_SETS, application_columns
from credit_assets.kaggle import APPLICATION_TABLES
from credit_assets.launcher.state import pipeline_assets
from credit_assets.models import ScoringModel
from credit_assets.models.tracking import CHAMPION_ALIAS, REGISTERED_MODEL

TRAINING = {"training_set", "holdout_set", "balanced_training_set"}
CANDIDATE_KEYS = {
    model_assets.candidate_key(name, feature_set)
    for feature_set in FEATURE_SETS
    for name in model_assets.CANDIDATES
}
MODELS = CANDIDATE_KEYS | {
    "champion_model",
    "application_only_champion_model",
    "batch_scores",
    "evaluation_report",
    "validation_report",
}


def test_definitions_hold_the_training_and_models_groups() -> None:
    definitions = defs()
    dg.Definitions.validate_loadable(definitions)
    graph = definitions.resolve_asset_graph()
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {k for k, g in groups.items() if g == "training"} == TRAINING
    assert {k for k, g in groups.items() if g == "models"} == MODELS
    # The experiment informs the modellers; make pipeline runs it only when asked.
    assert {k for k, g in groups.items() if g == EXPERIMENTS_GROUP} == {"resampling_experiment"}
    assert "resampling_experiment" not in pipeline_assets(graph)
    assert pipeline_assets(graph, experiments=True) - pipeline_assets(graph) == {
        "resampling_experiment"
    }
    # A first run selects the sinks and their upstream assets (as the Dagster CLI reads it).
    first_run = dg.AssetSelection.from_coercible([f"*{s}" for s in PIPELINE_SINKS])
    assert {k.to_user_string() for k in first_run.resolve(graph)} == pipeline_assets(graph)
    check_names = {k.name for k in graph.asset_check_keys}
    assert {"champion_beats_dummy", "champion_auc_plausible", "holdout_stratified"} <= check_names


def test_the_champion_and_its_bundle_go_before_the_application_only_candidates() -> None:
    """Step priorities: every history candidate first, then the champions, their checks and
    the serving bundle as soon as they are ready, ahead of any application-only candidate."""
    definitions = defs()
    priority = {
        node.op.name: int(node.op.tags.get("dagster/priority", 0))
        for node in [*(definitions.assets or []), *(definitions.asset_checks or [])]
        if isinstance(node, dg.AssetsDefinition | dg.AssetChecksDefinition)
    }
    history = {priority[model_assets.candidate_key(name)] for name in model_assets.CANDIDATES}
    application_only = {
        priority[model_assets.candidate_key(name, "application_only")]
        for name in model_assets.CANDIDATES
    }
    ahead = {
        "champion_model",
        "champion_model_champion_beats_dummy",
        "champion_model_champion_auc_plausible",
        "serving_bundle",
        "application_only_champion_model",
    }
    assert max(application_only) < min(priority[name] for name in ahead)
    assert max(priority[name] for name in ahead) < min(history)
    # The report and the packaging still go before the batch scores and the drift report.
    assert priority["validation_report"] > priority["batch_scores"] == priority["drift_report"]


@pytest.fixture(scope="module")
def run(
    tiny_synthetic: Path, stand_in_features: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    root = tmp_path_factory.mktemp("pipeline")
    lake = DataLake(root=str(root / "lake"))
    # One credit-history column beside the application's, which only the history models see.
    side = stand_in_features.assign(BUREAU_CREDIT_COUNT=stand_in_features.index % 7 * 1.0)
    side.to_parquet(lake.features_path())
    tracking_uri = f"sqlite:///{root / 'mlflow' / 'mlflow.db'}"  # folder not created yet
    resources = {
        "lake": lake,
        "source": HomeCreditSource(location=str(tiny_synthetic)),
        "tracking": MlflowTracking(
            mlflow_tracking_uri=tracking_uri, artifact_location=str(root / "artifacts")
        ),
        "prediction_log": PredictionLogStore(path=str(root / "predictions.sqlite")),
    }
    quick = {"n_trials": 2, "timeout_seconds": 20, "folds": 3}
    config = {
        "ops": {
            **{key: {"config": quick} for key in CANDIDATE_KEYS},
            "resampling_experiment": {"config": {"folds": 3}},
        }
    }
    result = dg.materialize(
        [
            # Ingested in the run: the data kind flows from their metadata to the models.
            *(raw_table_asset(table) for table in APPLICATION_TABLES),
            training_assets.train_holdout_split,
            training_assets.balanced_training_set,
            *model_assets.candidates,
            model_assets.resampling_experiment,
            *champion.champions,
            champion.batch_scores,
            champion.evaluation_report,
            validation.validation_report,
            *dg.load_asset_checks_from_modules([training_checks, checks]),
        ],
        resources=resources,
        run_config=config,
    )
    mlflow.set_tracking_uri(tracking_uri)
    return {"result": result, "lake": lake, "tracking_uri": tracking_uri}


pytestmark = pytest.mark.slow


def test_the_whole_training_graph_materialises_and_passes_its_checks(run: dict) -> None:
    result: dg.ExecuteInProcessResult = run["result"]  # type: ignore[assignment]
    assert result.success
    events = result.get_asset_materialization_events()
    done = {e.asset_key.to_user_string() for e in events if e.asset_key is not None}
    assert done >= TRAINING | MODELS
    failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    assert set(failed) <= {"champion_single_row_latency"}
    training = result.asset_materializations_for_node("train_holdout_split")[0].metadata
    assert training["data_kind"].value == "synthetic"  # as the raw ingestion published it


def test_scores_every_test_client_in_kaggle_format(run: dict, tiny_synthetic: Path) -> None:
    lake: DataLake = run["lake"]  # type: ignore[assignment]
    submission = pd.read_csv(lake.path("outputs", "submission.csv"))
    decisions = pd.read_csv(lake.path("outputs", "decisions.csv"))
    test_ids = pd.read_csv(tiny_synthetic / "application_test.csv")["SK_ID_CURR"]
    assert list(submission.columns) == ["SK_ID_CURR", "TARGET"]
    assert sorted(submission["SK_ID_CURR"]) == sorted(test_ids)
    assert set(decisions["decision"]) <= {"accepted", "refused"}


def test_the_report_names_the_champion_and_the_oracle(run: dict) -> None:
    lake: DataLake = run["lake"]  # type: ignore[assignment]
    report = json.loads(lake.path("reports", "evaluation.json").read_text())
    assert checks.report_problems(report) == []
    assert report["data_kind"] == "synthetic" and report["oracle_auc"] > 0.6
    model = ScoringModel.load(lake.champion_path())
    assert model.name == report["champion"] and model.data_kind == "synthetic"
    assert report["selection"]["on"] == "out_of_fold"
    for part in report["feature_sets"].values():
        for figures in part["candidates"].values():
            low, high = figures["holdout_auc_ci"]
            assert low <= figures["holdout_auc"] <= high
            low, high = figures["business_cost_ci"]
            assert low <= figures["business_cost"] <= high


def test_the_application_only_champion_uses_application_features_and_no_protected_one(
    run: dict,
) -> None:
    lake: DataLake = run["lake"]  # type: ignore[assignment]
    history = ScoringModel.load(lake.champion_path())
    application = ScoringModel.load(lake.champion_path("application_only"))
    assert application.feature_set == "application_only"
    assert set(application.feature_names) <= application_columns()
    assert "BUREAU_CREDIT_COUNT" in history.feature_names
    assert "BUREAU_CREDIT_COUNT" not in application.feature_names
    for model in (history, application):
        assert "CODE_GENDER" not in model.feature_names


def test_mlflow_holds_a_parent_run_with_nested_runs_and_the_champion_alias(run: dict) -> None:
    client = MlflowClient(tracking_uri=run["tracking_uri"])  # type: ignore[arg-type]
    experiment = client.get_experiment_by_name("credit-scoring")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    assert parents[0].data.tags["data_kind"] == "synthetic"
    children = {r.data.tags["mlflow.runName"]: r for r in runs if r not in parents}
    assert set(model_assets.CANDIDATES) | {"resampling_experiment", "champion"} <= set(children)
    lightgbm = children["lightgbm"]
    assert {"git_commit", "data_kind", "dataset_hash"} <= set(lightgbm.data.tags)
    assert "holdout_auc" in lightgbm.data.metrics and "learning_rate" in lightgbm.data.params
    figures = {a.path for a in client.list_artifacts(lightgbm.info.run_id, "figures")}
    assert len(figures) == 4
    version = client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)
    assert (
        version.tags["candidate"]
        == json.loads(
            run["lake"].path("models", "champion", "champion.json").read_text()  # type: ignore[union-attr]
        )["champion"]
    )


def test_the_scorecard_writes_its_points_table_and_shows_it(run: dict) -> None:
    lake: DataLake = run["lake"]  # type: ignore[assignment]
    table = pd.read_csv(lake.path("models", "candidates", "scorecard_points.csv"))
    assert list(table.columns) == ["feature", "bin", "clients", "default_rate", "woe", "points"]
    assert "CODE_GENDER" not in set(table["feature"])
    result: dg.ExecuteInProcessResult = run["result"]  # type: ignore[assignment]
    events = result.get_asset_materialization_events()
    card = next(e for e in events if e.asset_key == dg.AssetKey("scorecard_candidate"))
    metadata = card.materialization.metadata
    assert metadata["card"].value.startswith("| feature | bin |")  # type: ignore[union-attr]
    assert metadata["card_features"].value == table["feature"].nunique()
