"""The drift report: training clients against test clients and against served requests."""

import json
import time
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import pandas as pd
import polars as pl

from credit_assets.code_version import code_version
from credit_assets.defs.lineage import data_kind
from credit_assets.defs.prediction_log import PredictionLogStore
from credit_assets.defs.resources import DataLake
from credit_assets.features.common import KEY
from credit_assets.features.serving import FeatureSpec
from credit_assets.models.scoring_model import ScoringModel
from credit_assets.monitoring import drift, report
from credit_assets.monitoring.requests import (
    application_columns,
    request_features,
    split_requests,
)

GROUP = "monitoring"
CODE_VERSION = code_version(__name__)
TEST_CLIENTS = "application_test clients"
REQUESTS = "logged requests scored on history"
APPLICATION_REQUESTS = "logged requests scored on the application only"
LIVE = ("api",)
"""Only the API's clients are live traffic: the explainer's lookups and what-ifs are not."""


class DriftConfig(dg.Config):
    """How populations are sampled and when logged requests are judged."""

    min_logged_predictions: int = 500
    """Logged requests are judged only once at least this many predictions are logged."""
    max_rows: int = 50_000
    """Rows sampled from each population (the latest logged requests): enough for PSI."""
    bins: int = drift.DEFAULT_BINS
    """Quantile bins of a numeric feature, fixed on the training clients."""
    main_features: int = 10
    """The top features by the champion's importance whose drift raises the warning."""
    seed: int = 42


JSON = "drift.json"
HTML = "drift.html"


def population(lake: DataLake, table: str, max_rows: int, seed: int) -> pd.DataFrame:
    """Client features of the clients of one application table, at most ``max_rows``."""
    ids = pl.read_parquet(lake.raw_table(table), columns=[KEY]).lazy()
    frame = pl.scan_parquet(lake.features_path()).join(ids, on=KEY, how="semi").collect()
    if frame.height > max_rows:
        frame = frame.sample(max_rows, seed=seed)
    return frame.drop(KEY).to_pandas()


def champion_importance(lake: DataLake) -> tuple[dict[str, float] | None, str | None]:
    """The champion's feature importance as shares of its total, and which model gave it."""
    path = lake.champion_path()
    if not path.exists():
        return None, None
    model = ScoringModel.load(path)
    importance = model.feature_importance()
    total = float(importance.sum())
    if total <= 0:
        return None, f"{model.name} {model.version} (no importance: default main features)"
    return (importance / total).to_dict(), f"{model.name} {model.version}"


def known_clients(lake: DataLake, ids: list[int], columns: list[str]) -> pd.DataFrame:
    """The features of known clients, one row per request (a client asked twice counts twice)."""
    table = pl.read_parquet(lake.features_path(), columns=[KEY, *columns])
    requested = pl.DataFrame({KEY: ids}, schema={KEY: table.schema[KEY]})
    return requested.join(table, on=KEY, how="inner").drop(KEY).to_pandas()


def compare_requests(
    lake: DataLake,
    log: PredictionLogStore,
    reference: pd.DataFrame,
    importance: dict[str, float] | None,
    config: DriftConfig,
    scored_on: str = "history",
) -> dict[str, Any]:
    """Training clients against the latest live requests one champion answered (``scored_on``),
    once there are enough of them."""
    logged = log.log().count(scored_on, LIVE)
    if logged < config.min_logged_predictions:
        return report.not_judged(
            f"{logged} logged predictions, fewer than the {config.min_logged_predictions} needed",
            logged=logged,
            required=config.min_logged_predictions,
        )
    records = log.log().inputs(config.max_rows, scored_on, LIVE)
    if not records:
        return report.not_judged("the logged predictions kept no inputs", logged=logged)
    spec = FeatureSpec.load(lake.spec_path())
    columns = application_columns(spec)
    applications, known = split_requests(records)
    parts = [request_features(applications, spec)] if applications else []
    parts += [known_clients(lake, known, columns)] if known else []
    current = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if current.empty:
        return report.not_judged("no logged request matched a client or an application")
    results = drift.compare(reference, current, importance, config.bins, columns)
    main = drift.main_features(columns, importance, config.main_features)
    return report.judged(results, main, len(reference), len(current)) | {"logged": logged}


@dg.asset(
    code_version=CODE_VERSION,
    group_name=GROUP,
    deps=["client_features", "application_train", "application_test", "champion_model"],
    kinds={"html", "json"},
)
def drift_report(
    context: dg.AssetExecutionContext,
    config: DriftConfig,
    lake: DataLake,
    prediction_log: PredictionLogStore,
) -> dg.MaterializeResult:
    """How far the population being scored has moved from the clients the model learnt from:
    per feature, the population stability index (PSI over bins fixed on training clients, missing
    values as their own bin) and a two-sample test (KS for numbers, chi-square for categories),
    most important features first. Training clients against application_test clients, and
    against the latest logged requests once enough are logged. ``reports/drift.html`` and
    ``reports/drift.json``. PSI above 0.2 on a main feature is a significant shift."""
    started = time.perf_counter()
    reference = population(lake, "application_train", config.max_rows, config.seed)
    importance, importance_source = champion_importance(lake)
    test = population(lake, "application_test", config.max_rows, config.seed)
    results = drift.compare(reference, test, importance, config.bins)
    main = drift.main_features(reference.columns, importance, config.main_features)
    comparisons = {
        TEST_CLIENTS: report.judged(results, main, len(reference), len(test)),
        REQUESTS: compare_requests(lake, prediction_log, reference, importance, config),
        APPLICATION_REQUESTS: compare_requests(
            lake, prediction_log, reference, importance, config, "application_only"
        ),
    }
    summary = {
        "reference": "training clients",
        "data_kind": data_kind(context.instance),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "importance_source": importance_source,
        "psi_threshold": drift.PSI_SIGNIFICANT,
        "comparisons": comparisons,
    }
    json_path, html_path = lake.report_path(JSON), lake.report_path(HTML)
    json_path.write_text(json.dumps(summary, indent=1))
    html_path.write_text(report.report_html(summary), encoding="utf-8")
    drifting = {n: c["drifted_main_features"] for n, c in comparisons.items() if c["judged"]}
    return dg.MaterializeResult(
        metadata={
            "data_kind": summary["data_kind"],
            "features_compared": len(results),
            "main_features": main,
            "main_features_drifting": dg.MetadataValue.json(drifting),
            "logged_predictions": comparisons[REQUESTS].get("logged", 0),
            "requests_judged": comparisons[REQUESTS]["judged"],
            "application_only_logged_predictions": comparisons[APPLICATION_REQUESTS].get(
                "logged", 0
            ),
            "application_only_requests_judged": comparisons[APPLICATION_REQUESTS]["judged"],
            "seconds": round(time.perf_counter() - started, 2),
            "report": dg.MetadataValue.md(report.report_markdown(summary)),
            "html": dg.MetadataValue.path(str(html_path)),
            "json": dg.MetadataValue.path(str(json_path)),
        }
    )
