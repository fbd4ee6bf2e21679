"""Packaging: the deployment assets, what the BentoML model and the Bento hold, the sensor."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import bentoml
import dagster as dg
import pytest

from credit_assets.definitions import defs
from credit_assets.defs.deployment.assets import GROUP, credit_scorer_bento, served_model
from credit_assets.defs.deployment.sensors import package_champion, package_new_champion
from credit_assets.models import ScoringModel
from credit_assets.serving import bundle
from credit_assets.serving.packaging import SERVING_PACKAGES, use_bentoml_home


def _metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    event = result.asset_materializations_for_node(asset)[-1]
    return {k: getattr(v, "value", v) for k, v in event.metadata.items()}


def test_the_project_definitions_hold_the_deployment_group() -> None:
    definitions = defs()
    dg.Definitions.validate_loadable(definitions)
    graph = definitions.resolve_asset_graph()
    deployment = {k for k in graph.get_all_asset_keys() if graph.get(k).group_name == GROUP}
    assert deployment == {served_model.key, credit_scorer_bento.key}
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
    assert not (source / "data").exists() and not (source / "tests").exists()
    requirements = (Path(bento.path) / "env" / "python" / "requirements.txt").read_text()
    assert "lightgbm==" in requirements and "scikit-learn==" in requirements


def test_bentoml_stays_in_one_home_per_process(serving_env: Path, tmp_path: Path) -> None:
    use_bentoml_home(serving_env)
    with pytest.raises(RuntimeError, match="already uses"):
        use_bentoml_home(tmp_path)


class TestPackagingSensor:
    """The sensor's decisions on champion materialisations in a Dagster instance."""

    @pytest.fixture
    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.ephemeral()

    @staticmethod
    def champion(instance: dg.DagsterInstance, version: str, **gates: Any) -> None:
        metadata = {"version": version, "beats_dummy": True, "leakage_alarm": False, **gates}
        instance.report_runless_asset_event(
            dg.AssetMaterialization("champion_model", metadata=metadata)
        )

    @staticmethod
    def tick(instance: dg.DagsterInstance, cursor: str | None = None) -> Any:
        context = dg.build_sensor_context(instance=instance, cursor=cursor)
        return package_new_champion.evaluate_tick(context)

    def test_no_champion_yet(self, instance: dg.DagsterInstance) -> None:
        assert not self.tick(instance).run_requests

    def test_a_champion_that_passes_its_gates_is_packaged_once(
        self, instance: dg.DagsterInstance
    ) -> None:
        self.champion(instance, "lightgbm-aaa")
        first = self.tick(instance)
        assert [r.run_key for r in first.run_requests] == ["champion-lightgbm-aaa"]
        assert first.run_requests[0].tags["champion_version"] == "lightgbm-aaa"
        again = self.tick(instance, first.cursor)
        assert not again.run_requests

    @pytest.mark.parametrize(
        ("gates", "reason"),
        [
            ({"beats_dummy": False, "cost_reduction": 0.01}, "does not beat the dummy"),
            ({"leakage_alarm": True}, "leakage alarm"),
        ],
    )
    def test_a_champion_failing_a_gate_is_skipped(
        self, instance: dg.DagsterInstance, gates: dict[str, Any], reason: str
    ) -> None:
        self.champion(instance, "lightgbm-bad", **gates)
        result = self.tick(instance)
        assert not result.run_requests
        assert "lightgbm-bad" in result.skip_message and reason in result.skip_message

    def test_a_champion_already_packaged_is_skipped(self, instance: dg.DagsterInstance) -> None:
        packaged = dg.AssetMaterialization("served_model", metadata={"champion_version": "v1"})
        instance.report_runless_asset_event(packaged)
        self.champion(instance, "v1")
        result = self.tick(instance)
        assert not result.run_requests and "already packaged" in result.skip_message

    def test_a_new_version_after_a_skipped_one_is_packaged(
        self, instance: dg.DagsterInstance
    ) -> None:
        self.champion(instance, "v1", leakage_alarm=True)
        first = self.tick(instance)
        self.champion(instance, "v2")
        second = self.tick(instance, first.cursor)
        assert [r.run_key for r in second.run_requests] == ["champion-v2"]

    def test_the_sensor_launches_the_packaging_job(self) -> None:
        assert package_new_champion.job_name == package_champion.name
        selection = package_champion.selection
        assert selection is not None
        assert set(selection.resolve([served_model, credit_scorer_bento])) == {
            served_model.key,
            credit_scorer_bento.key,
        }


def test_the_bento_runtime_lists_what_the_service_imports() -> None:
    """The pinned packages are what a worker imports, and nothing of the pipeline comes along."""
    probe = (
        "import sys, importlib.metadata as m, bento.service, credit_assets.serving.scorer;"
        "names = m.packages_distributions();"
        "print(' '.join(sorted({d for mod in list(sys.modules) for d in names.get(mod, [])})))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    imported = set(done.stdout.split())
    assert set(SERVING_PACKAGES) <= imported | {"bentoml"}
    assert not imported & {"dagster", "mlflow", "optuna", "imbalanced-learn", "gradio"}
