"""Credit-default models: plain functions and the served ``ScoringModel`` (no Dagster here)."""

from credit_assets.models.scoring_model import Contribution, Explanation, ScoringModel

__all__ = ["Contribution", "Explanation", "ScoringModel"]
