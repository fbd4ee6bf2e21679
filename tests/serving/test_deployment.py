"""Packaging: the deployment assets, and what the BentoML model and the Bento hold (the sensor
that launches packaging is tested in tests/operations/test_packaging_sensor.py)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import bentoml
import dagster as dg
import polars as pl
import pytest

from credit_assets.definitions import defs
from credit_assets.defs.deployment.assets import (
    GROUP,
    credit_scorer_bento,
    served_model,
    serving_bundle,
)
from credit_assets.defs.deployment.resources import BentoStore, ModelRegistry
from credit_assets.defs.resources import DataLake
from credit_assets.models import ScoringModel
from credit_assets.serving import bundle, known
from credit_assets.serving.packaging import (
    BENTO_INCLUDE,
    SERVING_PACKAGES,
    save_staged_model,
    stage_bundle,
    use_bentoml_home,
)


def _metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    event = result.asset_materializations_for_node(asset)[-1]
    return {k: getattr(v, "value", v) for k, v in event.metadata.items()}


def test_the_project_definitions_hold_the_deployment_group() -> None:
    definitions = defs()
    dg.Definitions.validate_loadable(definitions)
    graph = definitions.resolve_asset_graph()
    deployment = {k for k in graph.get_all_asset_keys() if graph.get(k).group_name == GROUP}
    assert deployment == {serving_bundle.key, served_model.key, credit_scorer_bento.key}
    sensor = definitions.resolve_sensor_def("package_new_champion")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert definitions.resolve_job_def("package_champion") is not None
    assert {"bento_store", "registry"} <= set(definitions.resources or {})


def test_the_served_model_carries_the_champion(
    deployment: dg.ExecuteInProcessResult, champion: ScoringModel, ids: list[int]
) -> None:
    assert deployment.success
    metadata = _metadata(deployment, "served_model")
    assert metadata["champion_version"] == champion.version
    assert metadata["data_kind"] == "synthetic" and metadata["features"] == len(
        champion.feature_names
    )
    stored = bentoml.models.get(metadata["bentoml_model"])
    labels, facts = stored.info.labels, stored.info.metadata
    assert labels["champion_version"] == champion.version and labels["candidate"] == "lightgbm"
    assert labels["data_kind"] == "synthetic" and labels["trained_at"] == champion.trained_at
    assert facts["holdout_auc"] == pytest.approx(champion.metrics["holdout_auc"])
    assert facts["business_cost"] == pytest.approx(champion.metrics["business_cost"])
    assert facts["threshold"] == pytest.approx(champion.threshold)
    folder = Path(stored.path)
    for name in (
        bundle.MODEL_FILE,
        bundle.CLIENTS_FILE,
        bundle.DESCRIPTIONS_FILE,
        bundle.CARD_FILE,
    ):
        assert (folder / name).is_file(), name
    assert ScoringModel.load(folder / bundle.MODEL_FILE).version == champion.version


def test_the_served_model_is_the_staged_bundle(
    deployment: dg.ExecuteInProcessResult, lake: DataLake
) -> None:
    """The long part of packaging (the known clients' answers) is the bundle, staged ahead."""
    staged = lake.bundle_path()
    stored = Path(bentoml.models.get(_metadata(deployment, "served_model")["bentoml_model"]).path)
    for name in (bundle.MODEL_FILE, bundle.CLIENTS_FILE, known.ANSWERS_FILE):
        assert (stored / name).read_bytes() == (staged / name).read_bytes(), name
    assert (
        _metadata(deployment, "serving_bundle")["champion_version"]
        == (_metadata(deployment, "served_model")["champion_version"])
    )
    # The application-only champion joins at packaging: the bundle is made before it is chosen.
    application = lake.champion_path("application_only")
    assert not (staged / bundle.APPLICATION_MODEL_FILE).exists()
    assert (stored / bundle.APPLICATION_MODEL_FILE).read_bytes() == application.read_bytes()
    card = bundle.ModelCard.load(stored / bundle.APPLICATION_CARD_FILE)
    assert card.version == ScoringModel.load(application).version
    assert card.feature_set == "application_only"


def test_packaging_writes_the_application_champion_anew_beside_the_bundle_files(
    serving_env: Path, lake: DataLake, tmp_path: Path
) -> None:
    """A bundle staged by an earlier version held the application-only champion itself; the
    packaged model's copy (hard-linked) is replaced, never written through to the bundle."""
    folder = tmp_path / "bundle"
    stage_bundle(folder, lake.champion_path(), lake.features_path())
    (folder / bundle.APPLICATION_MODEL_FILE).write_bytes(b"an earlier champion")
    application = lake.champion_path("application_only")
    tag, _, _ = save_staged_model(folder, labels={}, application_champion=application)
    try:
        stored = Path(bentoml.models.get(tag).path)
        assert (stored / bundle.APPLICATION_MODEL_FILE).read_bytes() == application.read_bytes()
        assert (folder / bundle.APPLICATION_MODEL_FILE).read_bytes() == b"an earlier champion"
    finally:
        bentoml.models.delete(tag)


def test_packaging_refuses_an_application_champion_outside_the_bundles_features(
    serving_env: Path, lake: DataLake, tmp_path: Path
) -> None:
    folder = tmp_path / "bundle"
    stage_bundle(folder, lake.champion_path(), lake.features_path())
    spec = json.loads((folder / bundle.SPEC_FILE).read_text())
    kept = [c for c in spec["columns"] if c != "EXT_SOURCE_2"]
    (folder / bundle.SPEC_FILE).write_text(json.dumps({**spec, "columns": kept}))
    with pytest.raises(ValueError, match="uses features the client table of the champion lacks"):
        save_staged_model(
            folder, labels={}, application_champion=lake.champion_path("application_only")
        )


def test_a_new_bundle_leaves_a_packaged_model_its_files(
    serving_env: Path, lake: DataLake, champion: ScoringModel, tmp_path: Path
) -> None:
    folder = tmp_path / "bundle"
    stage_bundle(folder, lake.champion_path(), lake.features_path())
    tag, card, _ = save_staged_model(folder, labels={})
    try:  # the session's other tests serve the deployment's model, the latest
        packaged = Path(bentoml.models.get(tag).path) / bundle.CARD_FILE
        before = packaged.read_text()
        stage_bundle(folder, lake.champion_path(), lake.features_path())
        assert card.version == champion.version and packaged.read_text() == before
    finally:
        bentoml.models.delete(tag)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"], "no staging folder left"


def test_a_failed_bundle_leaves_the_previous_one(lake: DataLake, tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    stage_bundle(folder, lake.champion_path(), lake.features_path())
    card = (folder / bundle.CARD_FILE).read_text()
    broken = tmp_path / "broken.parquet"
    pl.read_parquet(lake.features_path()).drop("EXT_SOURCE_2").write_parquet(broken)
    with pytest.raises(ValueError, match="lacks 1 feature"):
        stage_bundle(folder, lake.champion_path(), broken)
    assert (folder / bundle.CARD_FILE).read_text() == card
    assert (folder / bundle.CLIENTS_FILE).is_file()


def test_packaging_refuses_a_bundle_of_another_champion(
    serving_env: Path, lake: DataLake, tmp_path: Path
) -> None:
    """A champion retrained since the bundle was staged is not packaged with the old bundle."""
    resources = {
        "lake": lake,
        "bento_store": BentoStore(home=str(serving_env)),
        "registry": ModelRegistry(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db"),
    }
    stale = lake.bundle_path() / bundle.CARD_FILE
    saved = stale.read_text() if stale.is_file() else None
    try:
        stale.parent.mkdir(parents=True, exist_ok=True)
        stale.write_text(json.dumps({**json.loads(saved or "{}"), "version": "lightgbm-older"}))
        with pytest.raises(ValueError, match="holds champion lightgbm-older"):
            dg.materialize([served_model], resources=resources, raise_on_error=True)
        with pytest.raises(FileNotFoundError, match="materialise serving_bundle first"):
            save_staged_model(tmp_path / "nothing", labels={})
    finally:
        if saved is not None:
            stale.write_text(saved)


def test_the_bento_holds_the_service_its_code_and_the_model(
    deployment: dg.ExecuteInProcessResult, champion: ScoringModel
) -> None:
    metadata = _metadata(deployment, "credit_scorer_bento")
    bento = bentoml.bentos.get(metadata["bento"])
    assert bento.tag.name == "credit_scorer"
    assert [str(m.tag) for m in bento.info.all_models] == [metadata["bentoml_model"]]
    assert bento.info.labels["champion_version"] == champion.version
    source = Path(bento.path) / "src"
    assert (source / "bento" / "service.py").is_file()
    assert (source / "credit_assets" / "serving" / "scorer.py").is_file()
    assert (source / "credit_assets" / "reference" / "schema.json").is_file()
    assert (source / "ui" / "app.py").is_file() and (source / "ui" / "mount.py").is_file()
    assert not (source / "data").exists() and not (source / "tests").exists()
    requirements = (Path(bento.path) / "env" / "python" / "requirements.txt").read_text()
    assert "lightgbm==" in requirements and "scikit-learn==" in requirements
    assert "gradio==" in requirements and "matplotlib==" in requirements


def test_bentoml_stays_in_one_home_per_process(serving_env: Path, tmp_path: Path) -> None:
    use_bentoml_home(serving_env)
    with pytest.raises(RuntimeError, match="already uses"):
        use_bentoml_home(tmp_path)


def test_the_bento_runtime_lists_what_the_service_imports() -> None:
    """The pinned packages are what a worker imports (the service, its scorer and explainer),
    and nothing of the pipeline comes along; the `bentoml serve` parent, which imports the
    service module only to read its settings, loads neither the scorer's nor the explainer's."""
    probe = (
        "import sys, importlib.metadata as m;"
        "names = m.packages_distributions();"
        "seen = lambda: ' '.join(sorted({d for o in list(sys.modules) for d in names.get(o, [])}));"
        "import bento.service; print(seen());"
        "import credit_assets.serving.scorer, ui.app, ui.mount; print(seen())"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    parent, worker = (set(line.split()) for line in done.stdout.splitlines())
    # Nor the data libraries (seconds of a start that the parent spends before any worker):
    # the request models need none of them.
    assert not parent & {"gradio", "matplotlib", "lightgbm", "scikit-learn"}
    assert not parent & {"pandas", "polars", "pyarrow"}
    assert set(SERVING_PACKAGES) <= worker | {"bentoml"}
    assert not worker & {"dagster", "mlflow", "optuna", "imbalanced-learn"}


def test_the_bento_ships_every_project_module_the_service_imports() -> None:
    """Every project module the service and the explainer reach through their imports, at the
    top or inside a function, is shipped (with its packages' ``__init__``): a module left out
    fails only once the Bento serves."""
    root = Path(__file__).parents[2]
    shipped = {p for pattern in BENTO_INCLUDE for p in root.glob(pattern) if p.suffix == ".py"}
    reached: set[Path] = set()
    todo = [root / "bento" / "service.py", root / "bento" / "explainer.py"]
    while todo:
        path = todo.pop()
        if path in reached:
            continue
        reached.add(path)
        package = path.relative_to(root).parent.parts
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                todo += [m for a in node.names for m in _modules(root, a.name.split("."))]
            elif isinstance(node, ast.ImportFrom):
                base = list(package[: len(package) - node.level + 1]) if node.level else []
                parts = base + (node.module.split(".") if node.module else [])
                todo += _modules(root, parts)
                for alias in node.names:  # `from package import module`
                    todo += _modules(root, [*parts, alias.name], optional=True)
    assert len(reached) > 20
    assert sorted(str(p.relative_to(root)) for p in reached - shipped) == []


def _modules(root: Path, parts: list[str], optional: bool = False) -> list[Path]:
    """The project files importing ``parts`` (a dotted name) loads: the module and the
    ``__init__`` of each package above it; none for a third-party name."""
    if parts[0] not in {"credit_assets", "bento", "ui"}:
        return []
    found = []
    for depth in range(1, len(parts) + 1):
        folder = root.joinpath(*parts[:depth])
        if (folder / "__init__.py").is_file():
            found.append(folder / "__init__.py")
        elif folder.with_suffix(".py").is_file():
            found.append(folder.with_suffix(".py"))
        elif not optional and depth == len(parts):
            raise AssertionError(f"{'.'.join(parts)} is no project module")
    return found


@pytest.mark.parametrize(("given", "expected"), [(None, 1), ("2", 2)])
def test_a_service_worker_runs_polars_on_one_thread_unless_told(
    given: str | None, expected: int
) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "POLARS_MAX_THREADS"}
    if given is not None:
        env["POLARS_MAX_THREADS"] = given
    code = "import bento.service, polars; print(polars.thread_pool_size())"
    found = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert found.stdout.split()[-1] == str(expected)
