"""The Dagster instance of ``make dagster``: it loads from the project's dagster.yaml with run
monitoring on, a run whose process died is failed once its maximum runtime passes and then
reported, and every schedule and sensor starts running with the daemon."""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._daemon.monitoring import run_monitoring

from credit_assets import settings
from credit_assets.definitions import defs
from credit_assets.defs.deployment.sensors import package_champion
from credit_assets.defs.operations.jobs import MAX_RUNTIME_TAG, retrain_champion
from credit_assets.defs.operations.sensors import report_failed_runs
from credit_assets.defs.resources import DataLake

DEMO_RETRAINING_SECONDS = 530
"""The longest demo retraining measured (docs/operations.md): a maximum must leave room for it."""


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dg.DagsterInstance]:
    """The instance ``make dagster`` gets: the project's dagster.yaml in a fresh DAGSTER_HOME."""
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(settings.PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        yield instance


def test_the_instance_loads_with_run_monitoring_on(instance: dg.DagsterInstance) -> None:
    assert instance.run_monitoring_enabled
    assert 60 <= instance.run_monitoring_start_timeout_seconds <= 900
    assert 60 <= instance.run_monitoring_cancel_timeout_seconds <= 900
    assert instance.run_monitoring_max_runtime_seconds >= 3600
    assert instance.run_monitoring_poll_interval_seconds <= 120
    assert instance.get_settings("telemetry") == {"enabled": False}


@pytest.mark.parametrize("job", [retrain_champion, package_champion], ids=lambda j: j.name)
def test_every_job_has_a_maximum_runtime(job: dg.UnresolvedAssetJobDefinition) -> None:
    seconds = int((job.tags or {})[MAX_RUNTIME_TAG])
    assert 600 <= seconds <= 24 * 3600
    if job is retrain_champion:
        assert seconds >= 10 * DEMO_RETRAINING_SECONDS


def test_a_run_whose_process_died_is_failed_after_its_maximum_and_reported(
    instance: dg.DagsterInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retraining run killed from outside stays STARTED; the monitoring daemon's timeout
    check (what it runs every poll) fails it after the job's maximum, and the failure sensor
    writes it to failures.jsonl."""
    tags = {k: str(v) for k, v in (retrain_champion.tags or {}).items()}
    run = instance.add_run(dg.DagsterRun(job_name=retrain_champion.name, tags=tags))
    started = DagsterEvent(DagsterEventType.RUN_START.value, job_name=retrain_champion.name)
    instance.report_dagster_event(started, run.run_id)
    record = instance.get_run_record_by_id(run.run_id)
    assert record is not None and record.dagster_run.status == dg.DagsterRunStatus.STARTED
    default = float(instance.run_monitoring_max_runtime_seconds)
    logger = logging.getLogger("run_monitoring")

    run_monitoring.check_run_timeout(instance, record, logger, default)
    running = instance.get_run_by_id(run.run_id)
    assert running is not None and running.status == dg.DagsterRunStatus.STARTED, "not yet"

    later = time.time() + int(tags[MAX_RUNTIME_TAG]) + 1
    monkeypatch.setattr(run_monitoring, "get_current_timestamp", lambda: later)
    run_monitoring.check_run_timeout(instance, record, logger, default)
    failed = instance.get_run_by_id(run.run_id)
    assert failed is not None and failed.status == dg.DagsterRunStatus.FAILURE

    failure = instance.get_records_for_run(
        run.run_id, of_type=DagsterEventType.RUN_FAILURE
    ).records[0]
    context = dg.build_run_status_sensor_context(
        sensor_name="report_failed_runs",
        dagster_event=failure.event_log_entry.get_dagster_event(),
        dagster_instance=instance,
        dagster_run=failed,
        resources={"lake": DataLake(root=str(tmp_path / "lake"))},
    ).for_run_failure()
    report_failed_runs(context)
    line = (tmp_path / "lake" / "reports" / "failures.jsonl").read_text().splitlines()[0]
    assert json.loads(line)["run_id"] == run.run_id
    assert json.loads(line)["job"] == retrain_champion.name


def test_every_schedule_and_sensor_runs_as_soon_as_the_daemon_does() -> None:
    definitions = defs()
    schedules = list(definitions.schedules or [])
    sensors = list(definitions.sensors or [])
    names = {s.name for s in schedules} | {s.name for s in sensors}
    assert {"weekly_retraining", "report_failed_runs", "package_new_champion"} <= names
    for schedule in schedules:
        resolved = definitions.resolve_schedule_def(schedule.name)
        assert resolved.default_status == dg.DefaultScheduleStatus.RUNNING, schedule.name
    for sensor in sensors:
        resolved = definitions.resolve_sensor_def(sensor.name)
        assert resolved.default_status == dg.DefaultSensorStatus.RUNNING, sensor.name
