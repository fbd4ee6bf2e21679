"""The served champion: a BentoML model holding everything the service needs, and the Bento."""

from pathlib import Path

import dagster as dg

from credit_assets import settings
from credit_assets.code_version import code_version
from credit_assets.defs.deployment.resources import BentoStore, ModelRegistry
from credit_assets.defs.lineage import CHAMPION_PRIORITY, PACKAGING_PRIORITY
from credit_assets.defs.resources import DataLake
from credit_assets.models import ScoringModel
from credit_assets.serving.packaging import (
    BENTO_INCLUDE,
    BENTO_NAME,
    MODEL_NAME,
    VALIDATION_DATA,
    VALIDATION_REPORT,
    ValidationFiles,
    build_bento,
    save_staged_model,
    stage_bundle,
    staged_champion,
)

GROUP = "deployment"
CODE_VERSION = code_version(__name__)
BENTO_CODE_VERSION = code_version(__name__, *BENTO_INCLUDE)
"""The Bento is rebuilt when the code it ships changes (the service, the UI), not only the model."""


def _megabytes(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6, 2)


@dg.asset(
    group_name=GROUP,
    code_version=CODE_VERSION,
    deps=["champion_model", "client_features"],
    kinds={"parquet", "numpy"},
    op_tags=CHAMPION_PRIORITY,
)
def serving_bundle(lake: DataLake, registry: ModelRegistry) -> dg.MaterializeResult:
    """What the service needs of the champion, written ahead of packaging
    (``models/serving_bundle/``): its ScoringModel, the known clients' feature rows (exactly
    the champion's columns) with their probability and, for the refused, their reason codes,
    computed once by the champion; readable feature descriptions, the categories of the
    application fields and the model card. It is made as soon as the champion is chosen, while
    the application-only candidates train; ``served_model`` packages it with the
    application-only champion and the validation report."""
    registered = lake.champion_record().get("registered_version")
    folder = lake.bundle_path()
    card = stage_bundle(
        folder,
        lake.champion_path(),
        lake.features_path(),
        mlflow_run_id=registry.run_id(registered),
        registered_version=registered,
    )
    return dg.MaterializeResult(
        metadata={
            "champion_version": card.version,
            "candidate": card.name,
            "features": card.feature_count,
            "known_clients": card.known_clients,
            "size_mb": _megabytes(folder),
            "path": dg.MetadataValue.path(str(folder)),
        }
    )


@dg.asset(
    group_name=GROUP,
    code_version=CODE_VERSION,
    deps=[serving_bundle, "application_only_champion_model", "validation_report"],
    kinds={"bentoml"},
    op_tags=PACKAGING_PRIORITY,
)
def served_model(
    context: dg.AssetExecutionContext, lake: DataLake, bento_store: BentoStore
) -> dg.MaterializeResult:
    """Both champions as the BentoML model ``credit_scoring_champion``: the serving bundle
    (``serving_bundle``) and the application-only champion, labelled with the champion
    version, candidate, data kind, training date and MLflow run. The validation report
    (``reports/validation.html`` and ``.json``) travels with it when it validates this champion
    version: the service serves it at ``/validation`` and the explainer's Model tab offers it.

    Raises:
        FileNotFoundError: if no bundle is staged.
        ValueError: if the staged bundle is of another champion than ``champion_model``'s
            (materialise ``serving_bundle`` again).
    """
    bundle = lake.bundle_path()
    champion = ScoringModel.load(lake.champion_path()).version
    staged = staged_champion(bundle)
    if staged is None:
        raise FileNotFoundError(f"no serving bundle at {bundle}: materialise serving_bundle first")
    if staged != champion:
        raise ValueError(
            f"the serving bundle holds champion {staged}, champion_model holds {champion}:"
            " materialise serving_bundle first"
        )
    tag, card, validation = save_staged_model(
        bundle,
        labels={"dagster_run_id": context.run_id},
        validation=ValidationFiles(
            lake.report_path(VALIDATION_REPORT), lake.report_path(VALIDATION_DATA)
        ),
        application_champion=lake.champion_path("application_only"),
    )
    folder = Path(bento_store.home) / "models" / tag.replace(":", "/")
    return dg.MaterializeResult(
        metadata={
            "bentoml_model": tag,
            "champion_version": card.version,
            "candidate": card.name,
            "data_kind": card.data_kind,
            "holdout_auc": round(card.metrics.get("holdout_auc", float("nan")), 4),
            "business_cost": round(card.metrics.get("business_cost", float("nan")), 4),
            "threshold": round(card.threshold, 5),
            "trained_at": card.trained_at,
            "features": card.feature_count,
            "known_clients": card.known_clients,
            "mlflow_run_id": card.mlflow_run_id or "not registered",
            "validation_report": validation,
            "size_mb": _megabytes(folder),
            "path": dg.MetadataValue.path(str(folder)),
        }
    )


@dg.asset(
    group_name=GROUP,
    code_version=BENTO_CODE_VERSION,
    deps=[served_model],
    kinds={"bentoml"},
    op_tags=PACKAGING_PRIORITY,
)
def credit_scorer_bento(
    context: dg.AssetExecutionContext, bento_store: BentoStore
) -> dg.MaterializeResult:
    """The versioned Bento ``credit_scorer``: the BentoML service (bento/service.py), the code
    it imports, its pinned Python requirements and the latest ``credit_scoring_champion``
    model. ``bentoml serve credit_scorer:latest`` runs it; ``bentoml export`` ships it."""
    import bentoml

    model_tag = str(bentoml.models.get(f"{MODEL_NAME}:latest").tag)
    bento = build_bento(model_tag)
    command = f"bentoml serve {BENTO_NAME}:latest --port {settings.SERVICE_PORT}"
    context.log.info(f"built {bento.tag}; serve it with: {command}")
    return dg.MaterializeResult(
        metadata={
            "bento": str(bento.tag),
            "bentoml_model": model_tag,
            "champion_version": bento.info.labels.get("champion_version", ""),
            "data_kind": bento.info.labels.get("data_kind", ""),
            "size_mb": _megabytes(Path(bento.path)),
            "serve": dg.MetadataValue.md(f"`BENTOML_HOME={bento_store.home} {command}`"),
            "path": dg.MetadataValue.path(str(bento.path)),
        }
    )
