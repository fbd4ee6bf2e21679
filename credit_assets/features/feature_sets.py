"""Which client features each model may use.

Two champions are trained on the same clients:

- ``history``: every client feature (application and credit-history tables), for known clients
  and for new applicants who send their credit history with the application;
- ``application_only``: only the features a raw application produces, for new applicants who
  send no history. A model trained on all features would read such an applicant as one with no
  bureau record, no previous loan and no repayment, which fewer than 1 % of training clients
  are: it would approve risky applicants it refuses by id.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Literal

from credit_assets.features.application import application_features
from credit_assets.features.build import clean
from credit_assets.features.serving import FeatureSpec, raw_application

FeatureSet = Literal["history", "application_only"]
FEATURE_SETS: tuple[FeatureSet, ...] = ("history", "application_only")
PROTECTED_ATTRIBUTES = ("CODE_GENDER",)
"""Never model inputs nor reasons: they stay in the modelling frames for fairness monitoring."""
FIGURE_KINDS = {
    "out_of_fold": (
        "cv_auc_mean, cv_auc_std, oof_auc, oof_business_cost (cross-fitted: calibration and"
        " threshold fitted on the other folds), oof_business_cost_in_sample (calibration,"
        " threshold and cost on the same out-of-fold rows: optimistic, for reference)"
    ),
    "holdout": (
        "holdout_auc, business_cost, accuracy, recall, brier and their *_ci 95 % bootstrap"
        " intervals; the holdout summary and the group rates"
    ),
}
"""Which reported figures are out-of-fold (they chose the champion) and which are measured once
on the holdout, as the report, the model card and ``/model_info`` say."""


@cache
def application_columns() -> frozenset[str]:
    """The feature columns a raw application alone produces (names as in the client table)."""
    return frozenset(clean(application_features(raw_application({}).lazy()).collect()).columns)


def application_part(spec: FeatureSpec) -> FeatureSpec:
    """The columns of ``spec`` that a raw application alone produces (a new applicant's)."""
    produced = application_columns()
    return FeatureSpec(
        tuple(c for c in spec.columns if c in produced),
        tuple(c for c in spec.categorical if c in produced),
    )


def columns_of(columns: Iterable[str], feature_set: FeatureSet) -> list[str]:
    """The columns of ``columns`` that ``feature_set`` uses, in their order."""
    if feature_set == "history":
        return list(columns)
    produced = application_columns()
    return [c for c in columns if c in produced]
