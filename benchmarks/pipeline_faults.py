"""A retraining killed mid-way leaves the champion and the outputs as they were; the next run
completes.

Usage: ``python benchmarks/pipeline_faults.py [--train-clients N] [--test-clients N] [--work DIR]``

On a small generated dataset, with quick tuning settings and a throw-away data folder, Dagster
home and MLflow store, it runs the ``retrain_champion`` job as a user would
(``dagster job execute``, multiprocess executor):

1. a full run, then the hashes of what is served or published (champion artefact and record,
   scores, evaluation and drift reports);
2. a second run, killed with SIGKILL (its whole process group, step processes included) once
   candidate training has started;
3. the hashes again (they must not have moved) and a search for half-written files;
4. a third run, which must complete and leave a champion that loads.

It prints the seconds of each run, when the kill landed, and whether each promise held; the exit
status is 1 if one did not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from credit_assets.models import ScoringModel
from credit_assets.models.data import features_of
from credit_assets.synth.generate import write_dataset

ROOT = Path(__file__).resolve().parent.parent
JOB = "retrain_champion"
CANDIDATES = ("dummy", "logistic_regression", "random_forest", "lightgbm")
PROTECTED = (
    "models/champion/scoring_model.joblib",
    "models/champion/champion.json",
    "outputs/submission.csv",
    "outputs/decisions.csv",
    "reports/evaluation.json",
    "reports/drift.json",
)
PARTIAL_SUFFIXES = (".partial", ".tmp")
IN_PROCESS = (
    "import json, sys; import dagster as dg; from credit_assets.definitions import defs;"
    f" job = defs().resolve_job_def({JOB!r});"
    " result = job.execute_in_process(run_config=json.load(open(sys.argv[1])),"
    " instance=dg.DagsterInstance.get(), raise_on_error=False);"
    " sys.exit(0 if result.success else 1)"
)
CANDIDATE_STEPS = [f"{name}_candidate" for name in CANDIDATES]
STARTED = 'STEP_START - Started execution of step "{}"'


def quick_config(trials: int, folds: int) -> dict:
    """Run config keeping the tuning short: a fault test, not a model search."""
    candidate = {"n_trials": trials, "timeout_seconds": 20.0, "folds": folds}
    ops = {f"{name}_candidate": {"config": candidate} for name in CANDIDATES}
    ops["resampling_experiment"] = {"config": {"folds": folds}}
    return {"ops": ops}


def environment(work: Path, source: Path) -> dict[str, str]:
    """A throw-away data folder, Dagster home and MLflow store; nothing of the user's touched."""
    home = work / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    return os.environ | {
        "CREDIT_DATA_DIR": str(work / "data"),
        "HOME_CREDIT_DATA": str(source),
        "DAGSTER_HOME": str(home),
        "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}",
        "CREDIT_PREDICTION_LOG": str(work / "predictions.sqlite"),
        "DO_NOT_TRACK": "1",
    }


def job_command(config: Path, executor: str) -> list[str]:
    """``dagster job execute`` (the code location's multiprocess executor), or the same job
    executed in one process through Dagster's Python API."""
    if executor == "in_process":
        return [sys.executable, "-c", IN_PROCESS, str(config)]
    dagster = Path(sys.executable).with_name("dagster")
    module = ["-m", "credit_assets.definitions"]
    return [str(dagster), "job", "execute", *module, "-j", JOB, "-c", str(config)]


def run_job(command: list[str], env: dict[str, str], log: Path) -> tuple[int, float]:
    """Run the job to its end; return (exit status, seconds)."""
    start = time.perf_counter()
    with log.open("w") as out:
        status = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    return status, time.perf_counter() - start


def kill_during_training(
    command: list[str], env: dict[str, str], log: Path, delay: float
) -> tuple[float, str]:
    """Start the job, wait until a candidate step has started (Dagster's own log line), wait
    ``delay`` more seconds, then SIGKILL the job's process group. Returns (seconds into the run,
    the step that was running)."""
    start = time.time()
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        step = None
        while process.poll() is None and step is None:
            step = next((s for s in CANDIDATE_STEPS if STARTED.format(s) in log.read_text()), None)
            time.sleep(0.2)
        if step is None:
            raise RuntimeError(f"the run ended before candidate training started; see {log}")
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return time.time() - start, step


def hashes(data: Path) -> dict[str, str | None]:
    return {
        name: hashlib.sha256((data / name).read_bytes()).hexdigest()
        if (data / name).exists()
        else None
        for name in PROTECTED
    }


def leftovers(data: Path, protected_dirs: set[Path]) -> list[str]:
    """Half-written files beside the protected outputs (a write that was cut short)."""
    return sorted(
        str(p.relative_to(data))
        for folder in protected_dirs
        for p in folder.iterdir()
        if p.name.endswith(PARTIAL_SUFFIXES) or p.name.startswith(".")
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--train-clients", type=int, default=3_000)
    parser.add_argument("--test-clients", type=int, default=600)
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument(
        "--executor", choices=["multiprocess", "in_process"], default="multiprocess"
    )
    parser.add_argument("--kill-delay", type=float, default=3.0, help="seconds into training")
    parser.add_argument("--work", type=Path, default=None, help="kept if given, else removed")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="pipeline-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        source = write_dataset(work / "source", args.train_clients, args.test_clients, workers=1)
        env, data = environment(work, source), work / "data"
        config = work / "run_config.json"
        config.write_text(json.dumps(quick_config(args.trials, args.folds)))
        command = job_command(config, args.executor)

        status, first = run_job(command, env, work / "run1.log")
        print(f"executor: {args.executor}; {args.train_clients} training clients")
        print(f"run 1 (full): exit {status}, {first:.1f} s")
        if status:
            print(f"run 1 failed; see {work / 'run1.log'}")
            return 1
        before = hashes(data)
        killed_at, running = kill_during_training(command, env, work / "run2.log", args.kill_delay)
        print(
            f"run 2: SIGKILL {killed_at:.1f} s into the run, {args.kill_delay:g} s into {running}"
        )
        after = hashes(data)
        changed = [name for name in PROTECTED if before[name] != after[name]]
        partial = leftovers(data, {(data / name).parent for name in PROTECTED})
        print(f"served and published files unchanged: {not changed} {changed or ''}")
        print(f"half-written files left: {len(partial)} {partial or ''}")

        status, third = run_job(command, env, work / "run3.log")
        model = ScoringModel.load(data / PROTECTED[0])
        holdout = features_of(pd.read_feather(data / "training" / "holdout_set.arrow"))
        scored = len(model.predict_proba(holdout))
        print(f"run 3 (after the kill): exit {status}, {third:.1f} s")
        print(f"champion after run 3: {model.name} {model.version}, scores {scored} holdout rows")
        held = not changed and not partial and status == 0
        print(f"all promises held: {held}")
        return 0 if held else 1
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
