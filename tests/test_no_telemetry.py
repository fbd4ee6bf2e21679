"""Usage statistics stay off whichever command imports the project (no network at run time)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import credit_assets

OFF = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "BENTOML_DO_NOT_TRACK": "true",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "DO_NOT_TRACK": "true",
}


def _environment_after_import(env: dict[str, str]) -> dict[str, str]:
    code = f"import os, credit_assets; print(repr({{k: os.environ.get(k) for k in {list(OFF)}}}))"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return eval(out.stdout)  # our own repr of a dict of strings


def test_importing_the_project_turns_usage_statistics_off() -> None:
    clean = {k: v for k, v in os.environ.items() if k not in OFF}
    assert _environment_after_import(clean) == OFF


def test_a_users_own_setting_is_kept() -> None:
    clean = {k: v for k, v in os.environ.items() if k not in OFF}
    assert _environment_after_import({**clean, "DO_NOT_TRACK": "1"})["DO_NOT_TRACK"] == "1"


def test_mlflow_sees_its_telemetry_disabled() -> None:
    clean = {k: v for k, v in os.environ.items() if k not in OFF}
    code = (
        "import credit_assets\n"
        "from mlflow.telemetry.utils import is_telemetry_disabled\n"
        "print(is_telemetry_disabled())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True"


def test_the_makefile_exports_the_same_switches() -> None:
    """The commands ``make`` starts (``bentoml serve``, ``mlflow ui``) read them before they
    import the project, so the Makefile exports them too: they must not drift apart."""
    makefile = (Path(__file__).parents[1] / "Makefile").read_text()
    exported = dict(re.findall(r"^export (\w+) :?= (\S+)$", makefile, flags=re.MULTILINE))
    assert {k: exported.get(k) for k in credit_assets.USAGE_STATISTICS_OFF} == OFF
    assert credit_assets.USAGE_STATISTICS_OFF == OFF
