"""Materialise a selection with the Dagster CLI, its output in a log file, its progress here.

The run is ``dagster asset materialize`` in a subprocess, exactly what ``make pipeline`` always
ran (multiprocess executor, forkserver preload), with everything it prints going to the log file.
This process follows the run in the instance's event log and prints a line per finished step,
so the terminal shows progress whatever the steps print and a crashed step still gets reported.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster._core.events import DagsterEvent
from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter
from dagster_shared.error import SerializableErrorInfo

from credit_assets.launcher.progress import StepResult, first_line, step_line, summary

ASSET_JOB = "__ASSET_JOB"
PRINT = functools.partial(print, flush=True)
"""Progress is flushed line by line, also when make's output is a pipe."""
POLL_SECONDS = 0.5
INTERRUPT_GRACE_SECONDS = 60
FOLLOWED = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_SKIPPED,
    dg.DagsterEventType.ASSET_CHECK_EVALUATION,
}


def dagster_command(selection: Sequence[str] | None) -> list[str]:
    """The Dagster CLI call materialising ``selection`` (every asset when ``None``)."""
    dagster = str(Path(sys.executable).with_name("dagster"))
    chosen = ",".join(selection) if selection else "*"
    return [dagster, "asset", "materialize", "-m", "credit_assets.definitions", "--select", chosen]


def root_message(error: SerializableErrorInfo | None) -> str:
    """The first line of the innermost cause: the user's exception, not Dagster's wrapper."""
    while error is not None and error.cause is not None:
        error = error.cause
    return first_line(error.message) if error is not None else ""


def step_result(event: DagsterEvent, started: dict[str, float], at: float) -> StepResult | None:
    """The finished step (or failed check) an event reports; ``None`` for a step start."""
    step = event.step_key or "?"
    if event.event_type == dg.DagsterEventType.STEP_START:
        started[step] = at
        return None
    if event.event_type == dg.DagsterEventType.STEP_SUCCESS:
        return StepResult(step, "ok", event.step_success_data.duration_ms / 1000)
    if event.event_type == dg.DagsterEventType.STEP_FAILURE:
        data = event.step_failure_data
        described = data.user_failure_data.description if data.user_failure_data else None
        message = first_line(described or "") or root_message(data.error)
        return StepResult(step, "failed", at - started.get(step, at), message)
    if event.event_type == dg.DagsterEventType.STEP_SKIPPED:
        return StepResult(step, "skipped", None, "an upstream step failed")
    evaluation = event.asset_check_evaluation_data
    if evaluation.passed:
        return None
    name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
    severity = evaluation.severity.value.lower() if evaluation.severity else "error"
    return StepResult(name, "warning", None, f"check did not pass ({severity})")


def _find_run(instance: dg.DagsterInstance, after: datetime) -> dg.DagsterRun | None:
    records = instance.get_run_records(RunsFilter(job_name=ASSET_JOB, created_after=after), limit=1)
    return records[0].dagster_run if records else None


def _total_steps(instance: dg.DagsterInstance, run: dg.DagsterRun) -> int | None:
    if run.execution_plan_snapshot_id is None:
        return None
    plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
    return len(plan.step_keys_to_execute)


def follow(
    instance: dg.DagsterInstance,
    process: subprocess.Popen[bytes],
    after: datetime,
    emit: Callable[[str], None],
) -> tuple[dg.DagsterRun | None, list[StepResult]]:
    """Print a line per finished step of the run started after ``after`` until ``process`` ends.

    Returns:
        The run (``None`` if the CLI ended before creating one) and every step result.
    """
    run, total, cursor = None, None, None
    results: list[StepResult] = []
    started: dict[str, float] = {}
    while True:
        finished = process.poll() is not None
        run = run or _find_run(instance, after)
        if run is not None:
            total = total or _total_steps(instance, run)
            page = instance.get_records_for_run(run.run_id, cursor, of_type=FOLLOWED)
            cursor = page.cursor
            for record in page.records:
                event = record.event_log_entry.dagster_event
                if event is None:
                    continue
                result = step_result(event, started, record.event_log_entry.timestamp)
                if result is not None:
                    results.append(result)
                    done = sum(r.outcome != "warning" for r in results)
                    emit(step_line(result, done, total))
            if page.has_more:
                continue
        if finished:
            return (instance.get_run_by_id(run.run_id) if run else None), results
        time.sleep(POLL_SECONDS)


def materialise(
    instance: dg.DagsterInstance,
    selection: Sequence[str] | None,
    log_path: Path,
    emit: Callable[[str], None] = PRINT,
) -> bool:
    """Materialise ``selection`` (every asset when ``None``); progress to ``emit``.

    Returns:
        Whether the run succeeded.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    after = datetime.now(UTC)
    began = time.perf_counter()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            dagster_command(selection),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            run, results = follow(instance, process, after, emit)
        except KeyboardInterrupt:
            # The terminal sent SIGINT to the CLI too: it cancels the run; give it time to.
            try:
                process.wait(INTERRUPT_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
            emit(f"interrupted (full log: {log_path})")
            raise
    succeeded = (
        process.returncode == 0 and run is not None and run.status == DagsterRunStatus.SUCCESS
    )
    emit(summary(results, time.perf_counter() - began, succeeded, str(log_path)))
    return succeeded
