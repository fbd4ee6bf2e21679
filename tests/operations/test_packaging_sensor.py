"""The packaging sensor: a champion is packaged once, only if it passes its gates and costs no
more than the served model on the same holdout. Evaluated with Dagster's sensor helpers on a
real instance, with real ScoringModel artefacts in a temporary lake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import FunctionTransformer

from credit_assets.defs.deployment.assets import credit_scorer_bento, served_model, serving_bundle
from credit_assets.defs.deployment.sensors import package_champion, package_new_champion
from credit_assets.defs.resources import DataLake
from credit_assets.models.calibration import uncalibrated
from credit_assets.models.data import KEY, TARGET, dataset_hash
from credit_assets.models.scoring_model import ScoringModel
from credit_assets.monitoring.gates import judge_redeploy
from credit_assets.serving.bundle import MODEL_FILE

# Five holdout clients; the first feature is the probability itself. At threshold 0.5 every
# decision is right (cost 0); at 0.95 the three defaulters are accepted (cost 3 x 10 / 5 = 6).
HOLDOUT = pd.DataFrame(
    {"p": [0.9, 0.1, 0.8, 0.2, 0.7] * 40, TARGET: [1, 0, 1, 0, 1] * 40},
    index=pd.Index(range(100_002, 100_202), name=KEY),
)
GOOD, POOR = 0.5, 0.95


class _Identity:
    """A model whose probability of default is the first feature."""

    def predict_proba(self, x: pd.DataFrame) -> np.ndarray:
        p = x.iloc[:, 0].to_numpy(dtype=float)
        return np.column_stack([1 - p, p])


def model(version: str, threshold: float, feature: str = "p") -> ScoringModel:
    return ScoringModel(
        name="identity",
        prep=FunctionTransformer(),
        model=_Identity(),
        calibration=uncalibrated("probability"),
        threshold=threshold,
        feature_names=[feature],
        version=version,
    )


@pytest.fixture
def lake(tmp_path: Path) -> DataLake:
    lake = DataLake(root=str(tmp_path / "lake"))
    lake.write_frame("holdout_set", HOLDOUT, dataset_hash(HOLDOUT))
    return lake


@pytest.fixture
def instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.ephemeral()


def champion(
    instance: dg.DagsterInstance,
    lake: DataLake,
    version: str,
    threshold: float = GOOD,
    **gates: Any,
) -> None:
    """``champion_model`` materialised: its artefact in the lake, its event in the instance."""
    model(version, threshold).save(lake.champion_path())
    metadata = {"version": version, "beats_dummy": True, "leakage_alarm": False, **gates}
    instance.report_runless_asset_event(
        dg.AssetMaterialization("champion_model", metadata=metadata)
    )


def serve(instance: dg.DagsterInstance, folder: Path, served: ScoringModel) -> None:
    """What the packaging run leaves: the model's folder and a ``served_model`` event."""
    served.save(folder / MODEL_FILE)
    metadata = {"champion_version": served.version, "path": dg.MetadataValue.path(str(folder))}
    instance.report_runless_asset_event(dg.AssetMaterialization("served_model", metadata=metadata))


def tick(instance: dg.DagsterInstance, lake: DataLake, cursor: str | None = None) -> Any:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"lake": lake})
    return package_new_champion.evaluate_tick(context)


def run_keys(result: Any) -> list[str]:
    return [request.run_key for request in result.run_requests or []]


def test_no_champion_yet(instance: dg.DagsterInstance, lake: DataLake) -> None:
    assert not tick(instance, lake).run_requests


def test_the_first_champion_is_packaged_when_nothing_is_served(
    instance: dg.DagsterInstance, lake: DataLake
) -> None:
    champion(instance, lake, "v1")
    result = tick(instance, lake)
    assert run_keys(result) == ["champion-v1"]
    assert result.run_requests[0].tags["champion_version"] == "v1"
    assert "served_business_cost" not in result.run_requests[0].tags


def test_a_better_champion_is_packaged_with_a_run_key_per_version(
    instance: dg.DagsterInstance, lake: DataLake, tmp_path: Path
) -> None:
    serve(instance, tmp_path / "served", model("v1", POOR))
    champion(instance, lake, "v2", GOOD)
    first = tick(instance, lake)
    assert run_keys(first) == ["champion-v2"]
    tags = first.run_requests[0].tags
    assert (tags["holdout_business_cost"], tags["served_business_cost"]) == ("0.00000", "6.00000")

    serve(instance, tmp_path / "served-v2", model("v2", GOOD))
    champion(instance, lake, "v3", GOOD)  # as good as the served one: not worse, so it goes out
    assert run_keys(tick(instance, lake, first.cursor)) == ["champion-v3"]


def test_a_worse_champion_is_skipped_with_the_reason(
    instance: dg.DagsterInstance, lake: DataLake, tmp_path: Path
) -> None:
    serve(instance, tmp_path / "served", model("v1", GOOD))
    champion(instance, lake, "v2", POOR)
    result = tick(instance, lake)
    assert not result.run_requests
    message = result.skip_message
    assert "champion v2 is not packaged" in message and "worse than the served model" in message
    assert "6.0000 against 0.0000 for the served model v1" in message
    assert "same 200 holdout clients" in message


@pytest.mark.parametrize(
    ("gates", "reason"),
    [
        ({"beats_dummy": False, "cost_reduction": 0.01}, "does not beat the dummy"),
        ({"leakage_alarm": True}, "leakage alarm"),
    ],
)
def test_a_champion_failing_a_gate_is_skipped(
    instance: dg.DagsterInstance, lake: DataLake, gates: dict[str, Any], reason: str
) -> None:
    champion(instance, lake, "v-bad", **gates)
    result = tick(instance, lake)
    assert not result.run_requests
    assert "v-bad" in result.skip_message and reason in result.skip_message


def test_the_same_version_twice_is_built_once(
    instance: dg.DagsterInstance, lake: DataLake, tmp_path: Path
) -> None:
    champion(instance, lake, "v1")
    first = tick(instance, lake)
    champion(instance, lake, "v1")  # materialised again before its packaging run finished
    again = tick(instance, lake, first.cursor)
    assert run_keys(first) == run_keys(again) == ["champion-v1"], "one run key: one run"

    serve(instance, tmp_path / "served", model("v1", GOOD))
    champion(instance, lake, "v1")  # and again once it is served
    result = tick(instance, lake, again.cursor)
    assert not result.run_requests and "already packaged" in result.skip_message


def test_a_new_version_after_a_skipped_one_is_packaged(
    instance: dg.DagsterInstance, lake: DataLake
) -> None:
    champion(instance, lake, "v1", leakage_alarm=True)
    first = tick(instance, lake)
    champion(instance, lake, "v2")
    assert run_keys(tick(instance, lake, first.cursor)) == ["champion-v2"]


def test_an_event_of_a_superseded_artefact_is_skipped(
    instance: dg.DagsterInstance, lake: DataLake
) -> None:
    champion(instance, lake, "v1")
    model("v2", GOOD).save(lake.champion_path())  # a later run already replaced the artefact
    result = tick(instance, lake)
    assert not result.run_requests and "now holds v2" in result.skip_message


def test_a_served_model_the_holdout_cannot_score_is_not_replaced_blindly() -> None:
    verdict = judge_redeploy(model("v2", GOOD), model("v1", GOOD, "gone"), HOLDOUT)
    assert not verdict.allowed and "lacks 1 feature(s) of the served model v1" in verdict.reason


def test_the_comparison_leaves_out_the_clients_the_served_model_learnt_from() -> None:
    served = model("v1", GOOD)
    served.training_ids = HOLDOUT.index.to_numpy()[:150]
    verdict = judge_redeploy(model("v2", GOOD), served, HOLDOUT)
    assert not verdict.allowed and "only 50 holdout clients are unseen" in verdict.reason
    served.training_ids = HOLDOUT.index.to_numpy()[:50]
    verdict = judge_redeploy(model("v2", GOOD), served, HOLDOUT)
    assert verdict.allowed and "same 150 holdout clients, which neither model" in verdict.reason
    assert "margin 0.0050" in verdict.reason


def test_the_sensor_launches_the_packaging_job() -> None:
    assert package_new_champion.job_name == package_champion.name
    selection = package_champion.selection
    assert selection is not None
    assets = [serving_bundle, served_model, credit_scorer_bento]
    assert set(selection.resolve(assets)) == {a.key for a in assets}
