"""The addresses ``make run`` serves, printed once each of them answers."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

HOST = "127.0.0.1"
PROBE_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Endpoint:
    """One address to show, and the URL that answers once it is usable.

    Attributes:
        name: What a person opens it for.
        url: The address shown.
        probe: The URL polled for readiness (a health endpoint where there is one).
    """

    name: str
    url: str
    probe: str


def endpoints(
    service_port: int, dagster_port: int, mlflow_port: int, host: str = HOST
) -> list[Endpoint]:
    """The scoring service, its API docs and explainer, the Dagster UI and the MLflow UI."""
    service = f"http://{host}:{service_port}"
    dagster = f"http://{host}:{dagster_port}"
    mlflow = f"http://{host}:{mlflow_port}"
    return [
        Endpoint("scoring service", f"{service}/predict", f"{service}/readyz"),
        Endpoint("API docs", f"{service}/", f"{service}/docs.json"),
        Endpoint("explainer", f"{service}/ui", f"{service}/ui/"),
        Endpoint("Dagster", dagster, f"{dagster}/server_info"),
        Endpoint("MLflow", mlflow, f"{mlflow}/health"),
    ]


def answers(url: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> bool:
    """Whether ``url`` answers a GET with a success or redirect status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status < 400
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_until_ready(
    points: Sequence[Endpoint],
    timeout: float,
    interval: float = 0.5,
    probe: Callable[[str], bool] = answers,
) -> dict[str, float | None]:
    """Poll every endpoint until each answers or ``timeout`` seconds pass.

    Returns:
        Each endpoint's name and the seconds it took to answer (``None``: never within timeout).
    """
    began = time.monotonic()
    ready: dict[str, float | None] = {p.name: None for p in points}
    while True:
        for point in points:
            if ready[point.name] is None and probe(point.probe):
                ready[point.name] = round(time.monotonic() - began, 1)
        if all(v is not None for v in ready.values()) or time.monotonic() - began > timeout:
            return ready
        time.sleep(interval)


def address_block(points: Sequence[Endpoint], ready: dict[str, float | None]) -> str:
    """The short block of addresses, each with the seconds it took to answer."""
    width = max(len(p.name) for p in points)
    lines = []
    for point in points:
        seconds = ready.get(point.name)
        state = f"ready after {seconds:.1f} s" if seconds is not None else "NOT ANSWERING"
        lines.append(f"  {point.name:<{width}}  {point.url:<32} {state}")
    up = all(ready.get(p.name) is not None for p in points)
    head = "credit-scoring is up:" if up else "credit-scoring: some parts do not answer yet:"
    return "\n".join([head, *lines, "Ctrl-C stops everything."])
