"""Features of logged requests, rebuilt with the batch code for the drift report.

Requests carry application fields only: their side-table features are missing by design (a new
applicant has no history at Home Credit), so only the application features are compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from credit_assets.features.application import application_features, raw_columns
from credit_assets.features.build import clean
from credit_assets.features.common import KEY
from credit_assets.features.serving import FeatureSpec, new_client_features, raw_application


def application_columns(spec: FeatureSpec) -> list[str]:
    """The feature columns a request fills: those the application alone defines."""
    computed = clean(application_features(raw_application([]).lazy()).collect()).columns
    return [c for c in spec.columns if c in set(computed)]


def request_features(records: Sequence[Mapping[str, Any]], spec: FeatureSpec) -> pd.DataFrame:
    """The application features of logged requests (fields that are not application fields
    are ignored: the service refused them, or they are extras such as a request id)."""
    known = set(raw_columns())
    rows = [{k: v for k, v in r.items() if k in known} for r in records]
    return new_client_features(rows, spec).loc[:, application_columns(spec)]


def split_requests(
    records: Sequence[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], list[int]]:
    """Logged inputs as (new applications, ids of known clients): a known client was scored
    from the client feature table, so their features are looked up there, not rebuilt."""
    applications = [r for r in records if set(r) - {KEY}]
    known = [int(r[KEY]) for r in records if not set(r) - {KEY} and r.get(KEY) is not None]
    return applications, known
