"""Where BentoML keeps models and Bentos, and where the champion's MLflow run is looked up."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from credit_assets import settings
from credit_assets.models.tracking import REGISTERED_MODEL
from credit_assets.serving.packaging import use_bentoml_home


class BentoStore(dg.ConfigurableResource):
    """BentoML's store of models and Bentos (its ``BENTOML_HOME``)."""

    home: str

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        use_bentoml_home(Path(self.home))


class ModelRegistry(dg.ConfigurableResource):
    """The MLflow registry the champion is registered in (read only)."""

    tracking_uri: str
    registered_model: str = REGISTERED_MODEL

    def run_id(self, version: str | None) -> str | None:
        """The MLflow run that logged registered ``version``; ``None`` if it cannot be found."""
        if not version:
            return None
        try:
            client = MlflowClient(tracking_uri=self.tracking_uri)
            return client.get_model_version(self.registered_model, version).run_id
        except MlflowException:
            return None


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "bento_store": BentoStore(home=str(settings.bentoml_home())),
            "registry": ModelRegistry(tracking_uri=settings.mlflow_tracking_uri()),
        }
    )
