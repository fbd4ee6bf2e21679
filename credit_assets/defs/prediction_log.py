"""The prediction log the service appends to, as a typed resource (read by the validation and
drift reports)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from credit_assets import settings
from credit_assets.monitoring.prediction_log import PredictionLog, prediction_log


class PredictionLogStore(dg.ConfigurableResource):
    """The SQLite file of served predictions (``CREDIT_PREDICTION_LOG``)."""

    path: str

    def log(self) -> PredictionLog:
        return prediction_log(Path(self.path))


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={"prediction_log": PredictionLogStore(path=str(settings.prediction_log_path()))}
    )
