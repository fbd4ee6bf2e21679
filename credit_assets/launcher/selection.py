"""Which assets a run must materialise: what is missing or stale, and everything downstream."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from credit_assets.ingest import TableFile

CHUNK = 1 << 20


@dataclass(frozen=True)
class AssetState:
    """What the instance knows about one asset.

    Attributes:
        key: The asset key as a string (``application_train``).
        status: Dagster's stale status: ``MISSING``, ``STALE`` or ``FRESH``.
        causes: Why it is stale, in words (empty when fresh or missing).
    """

    key: str
    status: str
    causes: tuple[str, ...] = ()


def source_digest(file: TableFile) -> str:
    """SHA-256 of a table's decompressed CSV bytes: the data version its raw asset records."""
    digest = hashlib.sha256()
    with file.open() as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def changed_sources(recorded: Mapping[str, str], current: Mapping[str, str | None]) -> list[str]:
    """The raw assets whose source no longer holds the data they were ingested from.

    Args:
        recorded: Raw asset key to the data version of its last materialisation.
        current: Raw asset key to the source's current digest, ``None`` when it cannot be read
            (the run then reports why).

    Returns:
        The keys, sorted, whose current digest differs from the recorded one.
    """
    return sorted(key for key, version in recorded.items() if current.get(key) != version)


def to_materialise(
    states: Iterable[AssetState],
    changed: Iterable[str],
    downstream: Callable[[set[str]], set[str]],
) -> list[str]:
    """The assets a run must materialise, sorted.

    Dagster marks an asset stale only once its inputs have changed, so an asset is needed when
    it is missing, stale or fed by changed source data, and so is everything downstream of it:
    re-materialising it gives those new inputs.

    Args:
        states: Every materialisable asset with its status.
        changed: Assets whose source data changed since they were materialised.
        downstream: Given keys, those keys and every asset downstream of them.
    """
    needed = {s.key for s in states if s.status in ("MISSING", "STALE")} | set(changed)
    return sorted(downstream(needed)) if needed else []


def _names(items: list[str], limit: int) -> str:
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown


def reasons(states: Iterable[AssetState], changed: Iterable[str], limit: int = 5) -> list[str]:
    """Why a run is needed, one line per kind: missing assets, stale ones with their root
    causes, changed sources (at most ``limit`` names each)."""
    states = list(states)
    missing = [s.key for s in states if s.status == "MISSING"]
    causes = list(dict.fromkeys(c for s in states if s.status == "STALE" for c in s.causes))
    lines = []
    if missing:
        lines.append(f"missing: {_names(missing, limit)}")
    if causes:
        lines.append(f"stale: {_names(causes, limit)}")
    if changed := sorted(changed):
        lines.append(f"source data changed: {_names(changed, limit)}")
    return lines
