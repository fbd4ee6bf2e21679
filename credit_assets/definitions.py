"""The Dagster code location: every definition under ``credit_assets/defs``."""

from pathlib import Path

import dagster as dg

# Steps run in parallel processes (two, the cores of the reference machine), forked from a server
# that has imported the code location once: a fresh interpreter per step would re-import
# LightGBM, MLflow and BentoML for every asset and check.
EXECUTOR = dg.multiprocess_executor.configured(
    {
        "max_concurrent": 2,
        "start_method": {"forkserver": {"preload_modules": ["credit_assets.definitions"]}},
    }
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(executor=EXECUTOR),
    )
