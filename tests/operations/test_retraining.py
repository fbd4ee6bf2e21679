"""The retraining job, its schedule and the failure sensor, evaluated with Dagster's helpers."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from credit_assets import settings
from credit_assets.definitions import defs
from credit_assets.defs.operations.jobs import retrain_champion
from credit_assets.defs.operations.schedules import retraining_schedule, weekly_retraining
from credit_assets.defs.operations.sensors import report_failed_runs
from credit_assets.defs.resources import DataLake


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    return defs()


def test_schedule_and_sensor_are_loaded_and_on_by_default(definitions: dg.Definitions) -> None:
    schedule = definitions.resolve_schedule_def("weekly_retraining")
    sensor = definitions.resolve_sensor_def("report_failed_runs")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert schedule.job_name == retrain_champion.name


def test_the_job_runs_from_raw_tables_to_the_champion_and_its_reports(
    definitions: dg.Definitions,
) -> None:
    keys = {
        k.to_user_string()
        for k in definitions.resolve_job_def(
            retrain_champion.name
        ).asset_layer.executable_asset_keys
    }
    assert {"application_train", "bureau", "client_features", "training_set"} <= keys
    assert {"champion_model", "batch_scores", "evaluation_report", "drift_report"} <= keys


def test_weekly_by_default_and_the_cron_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CREDIT_RETRAIN_CRON", raising=False)
    assert settings.retraining_cron() == "0 3 * * 1"
    monkeypatch.setenv("CREDIT_RETRAIN_CRON", "30 1 * * *")
    monkeypatch.setenv("CREDIT_RETRAIN_TIMEZONE", "Europe/Paris")
    schedule = retraining_schedule(settings.retraining_cron(), settings.retraining_timezone())
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 1 * * *", "Europe/Paris")


def test_a_bad_cron_is_refused_when_the_definitions_load() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="cron"):
        retraining_schedule("every monday", "UTC")


def test_a_tick_requests_a_retraining_run() -> None:
    context = dg.build_schedule_context(scheduled_execution_time=None)
    requests = list(weekly_retraining.evaluate_tick(context).run_requests or [])
    assert len(requests) == 1
    assert requests[0].job_name in (None, retrain_champion.name)


@dg.op
def write_scores() -> None:
    raise RuntimeError("disk full while writing scores")


@dg.job
def failing_job() -> None:
    write_scores()


def test_a_failed_run_is_recorded_with_its_step_and_error(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = failing_job.execute_in_process(instance=instance, raise_on_error=False)
    context = dg.build_run_status_sensor_context(
        sensor_name="report_failed_runs",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"lake": DataLake(root=str(tmp_path))},
    ).for_run_failure()
    report_failed_runs(context)
    report_failed_runs(context)
    lines = (tmp_path / "reports" / "failures.jsonl").read_text().splitlines()
    assert len(lines) == 2
    record = json.loads(lines[0])
    assert record["run_id"] == result.run_id
    assert record["job"] == "failing_job"
    assert record["step_errors"] == {"write_scores": "RuntimeError: disk full while writing scores"}
