"""The lines a person reads while the pipeline runs: one per finished step, failures in clear."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal["ok", "failed", "skipped", "warning"]
MARKS: dict[Outcome, str] = {
    "ok": "ok",
    "failed": "FAILED",
    "skipped": "skipped",
    "warning": "warn",
}
NAME_WIDTH = 50
"""Wide enough for the longest step, ``installments_payments_previous_applications_known``."""


@dataclass(frozen=True)
class StepResult:
    """How one step of the run ended.

    Attributes:
        step: The step's name (an asset's op or an asset check).
        outcome: ``ok``, ``failed``, ``skipped`` (an upstream step failed) or ``warning`` (a
            non-blocking check did not pass; the step itself succeeded).
        seconds: How long it ran, when known.
        message: For a failure or a warning, the error's first line.
    """

    step: str
    outcome: Outcome
    seconds: float | None = None
    message: str = ""


def duration(seconds: float | None) -> str:
    """``0.4 s``, ``12.3 s``, ``2 min 05 s``; empty when unknown."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def first_line(text: str) -> str:
    """The first non-blank line of an error message, stripped."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def step_line(result: StepResult, done: int, total: int | None) -> str:
    """One progress line: counter, mark, step name, duration, and the error for a failure.

    >>> step_line(StepResult("bureau_features", "ok", 3.21), 4, 60)
    '[ 4/60] ok      bureau_features                          3.2 s'
    """
    width = len(str(total)) if total else 1
    counter = f"[{done:>{width}}/{total}]" if total else f"[{done}]"
    mark = MARKS[result.outcome]
    line = f"{counter} {mark:<7} {result.step:<{NAME_WIDTH}} {duration(result.seconds)}"
    if result.message:
        line = f"{line.rstrip()}  {result.message}"
    return line.rstrip()


def summary(results: list[StepResult], seconds: float, succeeded: bool, log: str) -> str:
    """The closing line(s): steps and time, or which steps failed and where the full log is."""
    failed = [r for r in results if r.outcome == "failed"]
    ran = sum(r.outcome in ("ok", "failed") for r in results)
    if succeeded and not failed:
        return f"materialised in {duration(seconds)}: {ran} steps (full log: {log})"
    lines = [f"the pipeline FAILED after {duration(seconds)} (full log: {log})"]
    lines += [f"  step {r.step}: {r.message or 'failed'}" for r in failed]
    if not failed:
        lines.append("  no step failed: the run itself did not finish, see the log")
    return "\n".join(lines)
