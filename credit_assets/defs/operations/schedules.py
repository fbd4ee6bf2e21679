"""When the retraining job runs: weekly by default, ``CREDIT_RETRAIN_CRON`` to change it."""

import dagster as dg

from credit_assets import settings
from credit_assets.defs.operations.jobs import retrain_champion


def retraining_schedule(cron: str, timezone: str) -> dg.ScheduleDefinition:
    """The retraining schedule on ``cron`` in ``timezone``, running as soon as the daemon is."""
    return dg.ScheduleDefinition(
        name="weekly_retraining",
        job=retrain_champion,
        cron_schedule=cron,
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            f"Retrain from the raw data to the champion on '{cron}' ({timezone}); set"
            " CREDIT_RETRAIN_CRON and CREDIT_RETRAIN_TIMEZONE to change it (default '0 3 * * 1',"
            " Mondays 03:00 UTC). The packaging sensor decides whether the champion is served."
        ),
    )


weekly_retraining = retraining_schedule(settings.retraining_cron(), settings.retraining_timezone())
