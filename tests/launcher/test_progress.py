"""Progress lines: one per finished step with its duration, failures with the step and the
error's first line, read from a real run's event log."""

from __future__ import annotations

import dagster as dg
import pytest

from credit_assets.launcher.progress import StepResult, duration, step_line, summary
from credit_assets.launcher.run import FOLLOWED, dagster_command, step_result


@pytest.mark.parametrize(
    ("seconds", "text"), [(None, ""), (0.04, "0.0 s"), (12.34, "12.3 s"), (125.4, "2 min 05 s")]
)
def test_durations_read_naturally(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


def test_a_step_line_has_counter_mark_name_and_duration() -> None:
    line = step_line(StepResult("bureau_features", "ok", 3.21), 4, 60)
    assert line.split() == ["[", "4/60]", "ok", "bureau_features", "3.2", "s"]
    failed = step_line(StepResult("bureau", "failed", 1.0, "bureau.csv: no such file"), 12, 60)
    assert failed.startswith("[12/60] FAILED  bureau ")
    assert failed.endswith("1.0 s  bureau.csv: no such file")


def test_the_summary_names_the_failed_step_and_the_log() -> None:
    results = [StepResult("raw", "ok", 1.0), StepResult("model", "failed", 2.0, "ValueError: x")]
    text = summary(results, 3.0, succeeded=False, log="data/logs/pipeline.log")
    assert "FAILED" in text and "data/logs/pipeline.log" in text
    assert "step model: ValueError: x" in text
    done = summary(results[:1], 3.0, succeeded=True, log="p.log")
    assert done == "materialised in 3.0 s: 1 steps (full log: p.log)"


def test_the_cli_call_materialises_the_selection_or_everything() -> None:
    assert dagster_command(["raw", "model"])[-2:] == ["--select", "raw,model"]
    assert dagster_command(None)[-1] == "*"


@dg.asset
def raw() -> None: ...


@dg.asset(deps=[raw])
def features() -> None:
    raise ValueError("column AMT_CREDIT is text\nsecond line of detail")


@dg.asset(deps=[features])
def model() -> None: ...


@dg.asset_check(asset=raw)
def raw_has_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)


def test_events_of_a_real_run_become_step_results() -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [raw, features, model, raw_has_rows], instance=instance, raise_on_error=False
    )
    assert not result.success
    started: dict[str, float] = {}
    results = []
    for record in instance.get_records_for_run(result.run_id, of_type=FOLLOWED).records:
        event = record.event_log_entry.dagster_event
        assert event is not None
        found = step_result(event, started, record.event_log_entry.timestamp)
        if found is not None:
            results.append(found)
    by_step = {r.step: r for r in results}
    assert by_step["raw"].outcome == "ok" and by_step["raw"].seconds is not None
    assert by_step["features"].outcome == "failed"
    assert by_step["features"].message == "ValueError: column AMT_CREDIT is text"
    assert by_step["raw:raw_has_rows"].outcome == "warning"
    assert "model" not in by_step or by_step["model"].outcome == "skipped"
