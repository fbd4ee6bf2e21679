"""The validation report of the champions, for a model-risk review."""

import json

import dagster as dg
import numpy as np
import pandas as pd

from credit_assets.code_version import code_version
from credit_assets.defs.lineage import PACKAGING_PRIORITY
from credit_assets.defs.models.assets import GROUP
from credit_assets.defs.models.champion import champion_key
from credit_assets.defs.prediction_log import PredictionLogStore
from credit_assets.defs.resources import DataLake
from credit_assets.defs.tracking import MlflowTracking
from credit_assets.features.feature_sets import FEATURE_SETS, FeatureSet
from credit_assets.models import ScoringModel
from credit_assets.models.fairness import GROUP_SOURCE_COLUMNS, group_labels
from credit_assets.models.validation_checks import report_problems
from credit_assets.models.validation_html import report_html, report_markdown
from credit_assets.models.validation_report import (
    ChampionInputs,
    ValidationSettings,
    build_validation,
    scorecard_section,
)
from credit_assets.serving.packaging import VALIDATION_DATA, VALIDATION_REPORT

CHAMPIONS: tuple[FeatureSet, ...] = FEATURE_SETS
"""Each champion validated, by feature set: ``DataLake.champion_path`` and
``DataLake.champion_record`` give its ``ScoringModel`` and its record."""
_DEFAULTS = ValidationSettings()


class ValidationConfig(dg.Config):
    """How the validation figures are computed (defaults: ``ValidationSettings``)."""

    resamples: int = _DEFAULTS.resamples
    """Stratified bootstrap resamples of the holdout behind the AUC and Gini intervals."""
    seed: int = _DEFAULTS.seed
    deciles: int = _DEFAULTS.deciles
    min_logged_predictions: int = _DEFAULTS.min_logged_predictions
    """Served scores of the champion's version needed before their PSI is judged."""
    top_features: int = _DEFAULTS.top_features
    min_group_clients: int = _DEFAULTS.min_group_clients
    min_group_defaulters: int = _DEFAULTS.min_group_defaulters

    def settings(self) -> ValidationSettings:
        return ValidationSettings(**self.model_dump())


JSON, HTML = VALIDATION_DATA, VALIDATION_REPORT
"""The report's files, named as the served model carries them."""


def logged_scores(log: PredictionLogStore, version: str) -> np.ndarray:
    """The probabilities served by one model version (another version's scores would measure
    that model, not this one)."""
    frame = log.log().frame()
    return frame.loc[frame["model_version"] == version, "probability"].to_numpy(dtype=float)


@dg.asset(
    code_version=code_version(__name__),
    group_name=GROUP,
    deps=[
        *(champion_key(kind) for kind in CHAMPIONS),
        "holdout_set",
        "training_set",
        "application_test",
    ],
    kinds={"html", "json", "mlflow"},
    op_tags=PACKAGING_PRIORITY,
)
def validation_report(
    config: ValidationConfig,
    lake: DataLake,
    prediction_log: PredictionLogStore,
    tracking: MlflowTracking,
) -> dg.MaterializeResult:
    """The champion's validation for a model-risk review, on the holdout clients: AUC and Gini
    with bootstrap intervals, KS; calibration by score decile with binomial intervals, Brier,
    Hosmer-Lemeshow, business cost around the threshold; PSI of the score and main features
    (training vs application_test clients and logged requests); approval, false-negative and
    false-positive rates by gender, age band and family status; the model card.
    ``reports/validation.json`` and a self-contained ``reports/validation.html``, attached to
    the champion's MLflow run (the tracking resource opens the pipeline's parent run, which
    ``evaluation_report``, downstream, closes)."""
    holdout = lake.read_frame("holdout_set")
    training = lake.read_frame("training_set")
    test_clients = lake.clients_to_score()
    raw = pd.read_parquet(lake.raw_table("application_train"), columns=list(GROUP_SOURCE_COLUMNS))
    groups = group_labels(raw, holdout.index)
    models = {kind: ScoringModel.load(lake.champion_path(kind)) for kind in CHAMPIONS}
    inputs = {
        kind: ChampionInputs(
            model,
            holdout,
            training,
            test_clients,
            groups,
            logged_scores(prediction_log, model.version),
        )
        for kind, model in models.items()
    }
    data_kind = next(iter(models.values())).data_kind
    report = build_validation(inputs, data_kind, config.settings())
    report["scorecards"] = {
        kind: scorecard_section(ScoringModel.load(path))
        for kind in CHAMPIONS
        if (path := lake.candidate_path("scorecard", feature_set=kind)).exists()
    }
    problems = report_problems(report)
    if problems:
        raise ValueError(f"the validation report does not add up: {problems}")
    json_path, html_path = lake.report_path(JSON), lake.report_path(HTML)
    json_path.write_text(json.dumps(report, indent=1, allow_nan=False))
    html_path.write_text(report_html(report), encoding="utf-8")
    runs = {
        kind: tracking.attach_to_champion(
            [json_path, html_path], lake.champion_record(kind).get("registered_version"), kind
        )
        for kind in CHAMPIONS
    }
    aucs = {
        f"{kind}_auc": round(s["discrimination"]["auc"]["estimate"], 4)
        for kind, s in report["champions"].items()
    }
    return dg.MaterializeResult(
        metadata={
            "data_kind": data_kind,
            **aucs,
            "report": dg.MetadataValue.md(report_markdown(report)),
            "mlflow_runs": dg.MetadataValue.json(runs),
            "html": dg.MetadataValue.path(str(html_path)),
            "json": dg.MetadataValue.path(str(json_path)),
        }
    )
