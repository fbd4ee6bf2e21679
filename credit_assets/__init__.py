"""Credit scoring on the Home Credit Default Risk format: a Dagster code location and its modules.

Nothing here reports usage over the network, whichever command starts it (``make`` sets the same
variables): MLflow's, BentoML's and Gradio's usage statistics are off unless a user turns them on.
"""

import os
import sys

USAGE_STATISTICS_OFF = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "BENTOML_DO_NOT_TRACK": "true",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "DO_NOT_TRACK": "true",
}
"""Each library's switch and its "off" value; the Makefile exports the same (a test compares)
for the commands it starts that read them before they import this package."""

for _variable, _off in USAGE_STATISTICS_OFF.items():
    os.environ.setdefault(_variable, _off)


def _arrow_memory_pool() -> None:
    """Arrow allocates with jemalloc (or the system's allocator), not its default mimalloc.

    On virtual machines that hand freed memory back to the host (this one), mimalloc's memory
    faults in again on every large read: the full-scale training set took 15.6 s to read with
    ``pd.read_parquet`` and 2.2 s with jemalloc (``benchmarks/allocation.py`` prints both). If
    Arrow is already loaded (pandas loads it), its default pool exists: the pool is set. If not,
    the variable Arrow reads when it creates that pool is, so a process that never reads a frame
    (the service's parent process, the explainer page) does not load Arrow for it (0.1 s of a
    start). ``ARROW_DEFAULT_MEMORY_POOL`` set by a user wins.
    """
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return
    if "pyarrow" not in sys.modules:
        # Arrow's Linux wheels carry jemalloc; elsewhere it may be missing (Arrow would warn).
        pool = "jemalloc" if sys.platform == "linux" else "system"
        os.environ["ARROW_DEFAULT_MEMORY_POOL"] = pool
        return
    import pyarrow as pa

    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a pyarrow built without jemalloc
        pa.set_memory_pool(pa.system_memory_pool())


_arrow_memory_pool()
