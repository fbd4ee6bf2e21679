"""The explainer's answers on the session's champion.

The champion, its scorer, its Bento and the running ``bentoml serve`` come from
tests/serving/fixtures.py.
"""

from __future__ import annotations

import pytest

from credit_assets.serving.scorer import Scorer
from ui.explainer import Explainer


@pytest.fixture(scope="session")
def explainer(scorer: Scorer) -> Explainer:
    """What the page shows, computed on the service's scorer."""
    return Explainer(scorer)
