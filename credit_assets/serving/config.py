"""The serving settings the environment chooses, read in this one place.

``BENTOML_HOME``    BentoML's model and Bento store (default: ``bentoml/`` under the data folder)
``CREDIT_API_KEY``  when set, every API call must present it (``X-API-Key`` or a Bearer token)

Intended to move into ``credit_assets/settings.py``; until then the service and the deployment
assets import it from here.
"""

from __future__ import annotations

import os
from pathlib import Path

from credit_assets import settings

DEFAULT_PORT = 3917
"""The service's HTTP port: clear of the Dagster UI (3000) and MLflow (5000)."""


def bentoml_home() -> Path:
    """BentoML's store of models and Bentos: ``BENTOML_HOME`` if set, else under the data."""
    configured = os.environ.get("BENTOML_HOME")
    return Path(configured) if configured else settings.data_dir() / "bentoml"


def api_key() -> str | None:
    """The key API calls must present, or ``None`` when the service is open (local use)."""
    return os.environ.get("CREDIT_API_KEY") or None
