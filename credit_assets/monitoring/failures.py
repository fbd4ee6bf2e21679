"""The failure log: one JSON line per failed pipeline run, safe under concurrent writers."""

from __future__ import annotations

import fcntl
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def failure_record(
    run_id: str,
    job: str,
    message: str,
    step_errors: Mapping[str, str],
    when: datetime | None = None,
) -> dict[str, Any]:
    """What a person needs to find a failed run: id, job, time, the run's failure message and
    each failed step with its error's first line."""
    return {
        "time": (when or datetime.now(UTC)).isoformat(timespec="seconds"),
        "run_id": run_id,
        "job": job,
        "failed_steps": list(step_errors),
        "step_errors": {step: _first_line(error) for step, error in step_errors.items()},
        "message": message,
    }


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def append_jsonl(path: Path, record: Mapping[str, Any]) -> None:
    """Append one JSON line under an exclusive lock, so concurrent lines never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, default=str) + "\n"
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(line)
            handle.flush()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
