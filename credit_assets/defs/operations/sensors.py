"""The failure report: every failed run is logged and appended to ``reports/failures.jsonl``."""

import dagster as dg
from dagster_shared.error import SerializableErrorInfo

from credit_assets.defs.resources import DataLake
from credit_assets.monitoring.failures import append_jsonl, failure_record

FAILURES = "failures.jsonl"
"""The JSON-lines report of failed runs under the lake."""


def root_cause(error: SerializableErrorInfo | None) -> str:
    """The message of the innermost cause: the user's exception, not Dagster's wrapper."""
    while error is not None and error.cause is not None:
        error = error.cause
    return error.message if error is not None else ""


@dg.run_failure_sensor(
    name="report_failed_runs",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Every failed run of this code location (the scheduled retraining included): one JSON"
        " line in reports/failures.jsonl under the lake (run id, job, time, failed steps,"
        " error), and an error in the sensor's log."
    ),
)
def report_failed_runs(context: dg.RunFailureSensorContext, lake: DataLake) -> None:
    run = context.dagster_run
    errors = {
        event.step_key or "?": root_cause(event.step_failure_data.error)
        for event in context.get_step_failure_events()
    }
    record = failure_record(run.run_id, run.job_name, context.failure_event.message or "", errors)
    path = lake.report_path(FAILURES)
    append_jsonl(path, record)
    context.log.error(
        f"run {run.run_id} of {run.job_name} failed: {record['step_errors'] or record['message']}"
        f" (recorded in {path})"
    )
