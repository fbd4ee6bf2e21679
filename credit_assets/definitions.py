"""The Dagster code location: every definition under ``credit_assets/defs``."""

import functools
from pathlib import Path

import dagster as dg

# Steps run in parallel processes (two, the cores of the reference machine), forked from a server
# that has preloaded ``credit_assets.preload``: it loads the defs folder once (pandas, Polars,
# scikit-learn, LightGBM, MLflow), so a forked step finds every module imported. Without it each
# of the ~60 steps (assets and checks) imported all of them again, seconds of CPU per step.
EXECUTOR = dg.multiprocess_executor.configured(
    {
        "max_concurrent": 2,
        "start_method": {"forkserver": {"preload_modules": ["credit_assets.preload"]}},
    }
)


@dg.definitions
@functools.cache  # built once per process: the fork server's copy serves every forked step
def defs() -> dg.Definitions:
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(executor=EXECUTOR),
    )
