"""Importing the package moves Arrow's allocations off mimalloc, unless the user chose a pool."""

from __future__ import annotations

import os
import subprocess
import sys

POOL = "import pandas, credit_assets, pyarrow; print(pyarrow.default_memory_pool().backend_name)"


def _pool(**variables: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run(
        [sys.executable, "-c", POOL], env={**env, **variables}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_package_sets_a_pool_after_pandas_created_the_default() -> None:
    assert _pool() in {"jemalloc", "system"}


def test_a_pool_the_user_chose_is_kept() -> None:
    assert _pool(ARROW_DEFAULT_MEMORY_POOL="mimalloc") == "mimalloc"


def test_a_process_that_loads_arrow_later_gets_the_pool_without_loading_it_now() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    script = (
        "import sys, credit_assets; loaded = 'pyarrow' in sys.modules; import pyarrow; "
        "print(loaded, pyarrow.default_memory_pool().backend_name)"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "jemalloc" if sys.platform == "linux" else "system"]
