"""Operations without Dagster: the redeploy gate, drift statistics and report, the prediction
log and the failure log. The ``monitoring`` and ``operations`` definitions wrap them."""
