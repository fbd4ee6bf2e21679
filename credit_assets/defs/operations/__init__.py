"""Scheduled retraining and the failure report: on by default under ``dagster dev``."""
