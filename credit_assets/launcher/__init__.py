"""What ``make run`` needs around Dagster: which assets to materialise (missing, stale or fed by
changed source data), the run's progress one line per step, and the addresses once everything
answers. The plain parts (``selection``, ``progress``) never import Dagster."""
