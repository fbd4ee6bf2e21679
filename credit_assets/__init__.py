"""Credit scoring on the Home Credit Default Risk format: a Dagster code location and its modules.

Nothing here reports usage over the network, whichever command starts it (``make`` sets the same
variables): MLflow's, BentoML's and Gradio's usage statistics are off unless a user turns them on.
"""

import os

for _variable, _off in (
    ("MLFLOW_DISABLE_TELEMETRY", "true"),
    ("BENTOML_DO_NOT_TRACK", "true"),
    ("GRADIO_ANALYTICS_ENABLED", "False"),
    ("DO_NOT_TRACK", "true"),
):
    os.environ.setdefault(_variable, _off)
