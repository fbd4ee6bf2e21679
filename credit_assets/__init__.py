"""Credit scoring on the Home Credit Default Risk format: a Dagster code location and its modules.

Nothing here reports usage over the network, whichever command starts it (``make`` sets the same
variables): MLflow's, BentoML's and Gradio's usage statistics are off unless a user turns them on.
"""

import os

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
