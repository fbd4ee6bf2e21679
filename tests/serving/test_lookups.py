"""The explainer's lookups called directly on the scorer: what their requests accept, they
answer."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from credit_assets.serving import lookups
from credit_assets.serving.scorer import Scorer


def test_every_seed_a_population_request_accepts_draws_the_same_sample(scorer: Scorer) -> None:
    features = list(scorer.model.feature_names[:2])
    request = lookups.PopulationRequest(features=features, size=5, seed=lookups.MAX_SEED)
    sample = lookups.population(scorer, request)
    assert len(sample.sk_id_curr) == 5 and sample == lookups.population(scorer, request)
    # NumPy takes no larger seed: the request refuses it (400) rather than failing (500).
    with pytest.raises(ValidationError, match="seed"):
        lookups.PopulationRequest(features=features, size=5, seed=lookups.MAX_SEED + 1)
