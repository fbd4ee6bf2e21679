"""The validation report of the champions: discrimination, calibration, stability, fairness.

One section per champion kind (``history``: every client feature; ``application_only``: the
application's own fields), each computed on the holdout clients, which no model, calibration or
threshold saw, except where a figure says it is out-of-fold (the candidate's cross-validation
on the training clients). Every number a reader checks against another is computed once here;
:func:`consistency_problems` re-derives the identities a reviewer would check by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from sklearn.metrics import brier_score_loss, roc_curve

from credit_assets.models import evaluation
from credit_assets.models.cost import FN_COST, FP_COST, best_threshold, confusion
from credit_assets.models.data import TARGET, features_of
from credit_assets.models.fairness import MIN_CLIENTS, MIN_DEFAULTERS, fairness
from credit_assets.models.intervals import BOOTSTRAP_RESAMPLES, CONFIDENCE, bootstrap_auc, wilson
from credit_assets.models.scorecard import points_table
from credit_assets.models.scoring_model import ScoringModel
from credit_assets.monitoring import drift

KINDS = {
    "history": "every client feature: the application and the credit-history tables",
    "application_only": "the application's own fields only (for applicants with no history)",
}
PROTECTED = {"CODE_GENDER": "protected attribute: kept for fairness monitoring only"}
"""Attributes that must never be model inputs, and why they are still read."""
OUT_OF_FOLD = ("cv_auc_mean", "cv_auc_std", "oof_business_cost")
COST_STEPS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0)
"""Thresholds of the cost curve, as multiples of the chosen one."""


@dataclass(frozen=True)
class ValidationSettings:
    """How the report is computed (one place for each number a reviewer may question)."""

    resamples: int = BOOTSTRAP_RESAMPLES
    seed: int = 42
    deciles: int = 10
    min_logged_predictions: int = 500
    """Logged scores are compared with training scores only from this many (as the drift
    report): with fewer, ten score bins hold under 50 requests each and PSI is noise."""
    top_features: int = 10
    min_group_clients: int = MIN_CLIENTS
    min_group_defaulters: int = MIN_DEFAULTERS


@dataclass(frozen=True)
class ChampionInputs:
    """What one champion's section is computed from (frames indexed by ``SK_ID_CURR``)."""

    model: ScoringModel
    holdout: pd.DataFrame
    """Features and ``TARGET`` of the holdout clients."""
    training: pd.DataFrame
    """Features (``TARGET`` ignored) of the training clients: the stability reference."""
    test_clients: pd.DataFrame
    """Features of the ``application_test`` clients."""
    groups: pd.DataFrame
    """Group labels of the holdout clients, same order (``fairness.group_labels``)."""
    logged_scores: NDArray[np.float64] | None = None
    """Probabilities this model version served, from the prediction log."""


def ks_statistic(y_true: ArrayLike, scores: ArrayLike) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the score distributions of
    defaulters and good clients, ``max(TPR - FPR)`` over every threshold."""
    fpr, tpr, _ = roc_curve(np.asarray(y_true), np.asarray(scores, dtype=np.float64))
    return float(np.max(tpr - fpr))


def discrimination(
    y: NDArray[Any], proba: NDArray[np.float64], resamples: int, seed: int
) -> dict[str, Any]:
    """AUC and Gini with their bootstrap intervals, and the KS statistic."""
    auc = bootstrap_auc(y, proba, resamples, seed)
    return {
        "auc": auc.as_dict(),
        "gini": {k: 2 * v - 1 for k, v in auc.as_dict().items()},
        "ks": ks_statistic(y, proba),
        "bootstrap": {
            "resamples": resamples,
            "seed": seed,
            "stratified": True,
            "confidence": CONFIDENCE,
        },
    }


def decile_groups(proba: ArrayLike, groups: int = 10) -> NDArray[np.intp]:
    """Each client's score group, 1 (lowest scores) to ``groups``, of equal sizes (within one).

    Clients are ordered by score (ties by position), so the sizes always sum to the clients.
    """
    p = np.asarray(proba, dtype=np.float64)
    if p.size < groups:
        raise ValueError(f"{p.size} clients cannot fill {groups} score groups")
    order = np.argsort(p, kind="stable")
    labels = np.empty(p.size, dtype=np.intp)
    for number, members in enumerate(np.array_split(order, groups), start=1):
        labels[members] = number
    return labels


def deciles(y: ArrayLike, proba: ArrayLike, groups: int = 10) -> list[dict[str, Any]]:
    """Per score group: clients, score range, mean predicted and observed default rate, and the
    observed rate's Wilson 95 % interval."""
    y_arr, p = np.asarray(y).astype(int), np.asarray(proba, dtype=np.float64)
    frame = pd.DataFrame({"group": decile_groups(p, groups), "y": y_arr, "p": p})
    table = pd.DataFrame(
        frame.groupby("group").agg(
            clients=("y", "size"),
            defaulters=("y", "sum"),
            mean_predicted=("p", "mean"),
            min_score=("p", "min"),
            max_score=("p", "max"),
        )
    )
    clients, defaulters = table["clients"].to_numpy(), table["defaulters"].to_numpy()
    low, high = wilson(defaulters, clients)
    return [
        {
            "decile": i + 1,
            "clients": int(clients[i]),
            "defaulters": int(defaulters[i]),
            "min_score": float(table["min_score"].iloc[i]),
            "max_score": float(table["max_score"].iloc[i]),
            "mean_predicted": float(table["mean_predicted"].iloc[i]),
            "observed_rate": float(defaulters[i] / clients[i]),
            "observed_rate_ci": [float(low[i]), float(high[i])],
        }
        for i in range(len(table))
    ]


def hosmer_lemeshow(y: ArrayLike, proba: ArrayLike, groups: int = 10) -> dict[str, float]:
    """Hosmer-Lemeshow goodness-of-fit test over score groups: chi-square with ``groups - 2``
    degrees of freedom. A small p-value says the predicted rates miss the observed ones."""
    y_arr, p = np.asarray(y).astype(int), np.asarray(proba, dtype=np.float64)
    labels = decile_groups(p, groups)
    n = np.bincount(labels, minlength=groups + 1)[1:].astype(np.float64)
    observed = np.bincount(labels, weights=y_arr, minlength=groups + 1)[1:]
    expected = np.bincount(labels, weights=p, minlength=groups + 1)[1:]
    # A group whose mean prediction is exactly 0 or 1 has no binomial variance: floor it.
    variance = np.maximum(expected * (1 - expected / n), 1e-12)
    statistic = float(np.sum((observed - expected) ** 2 / variance))
    dof = groups - 2
    return {"statistic": statistic, "dof": dof, "p_value": float(stats.chi2.sf(statistic, dof))}


def costs_around(
    y: NDArray[Any], proba: NDArray[np.float64], threshold: float
) -> list[dict[str, float]]:
    """Business cost per client ``(10 x missed defaults + 1 x wrongly refused) / n``, and the
    approval rate, at thresholds from half to twice the chosen one."""
    rows = []
    for step in COST_STEPS:
        t = float(min(threshold * step, 1.0))
        c = confusion(y, proba, t)
        rows.append(
            {
                "threshold": t,
                "relative": step,
                "cost": c.cost(),
                "approval_rate": c.approval_rate,
                "missed_defaults": c.fn,
                "wrongly_refused": c.fp,
            }
        )
    return rows


def calibration(
    y: NDArray[Any], proba: NDArray[np.float64], threshold: float, groups: int
) -> dict[str, Any]:
    """Deciles, Brier score, Hosmer-Lemeshow, and the cost curve around the threshold."""
    best, best_cost = best_threshold(y, proba)
    return {
        "deciles": deciles(y, proba, groups),
        "brier": float(brier_score_loss(y, proba)),
        "hosmer_lemeshow": hosmer_lemeshow(y, proba, groups),
        "threshold": threshold,
        "cost_at_threshold": confusion(y, proba, threshold).cost(),
        "cost_curve": costs_around(y, proba, threshold),
        "holdout_best_threshold": {"threshold": best, "cost": best_cost},
        "cost_weights": {"missed_default": FN_COST, "wrongly_refused": FP_COST},
    }


def stability(inputs: ChampionInputs, settings: ValidationSettings) -> dict[str, Any]:
    """PSI of the score and of the main features, training clients against application_test
    clients and (when enough are logged) the scores this model version served."""
    model = inputs.model
    training = features_of(inputs.training)
    reference = pd.Series(model.predict_proba(training), name="score")
    test = pd.Series(model.predict_proba(inputs.test_clients), name="score")
    logged = inputs.logged_scores
    if logged is None or len(logged) < settings.min_logged_predictions:
        count = 0 if logged is None else len(logged)
        requests: dict[str, Any] = {
            "judged": False,
            "reason": f"{count} logged predictions of version {model.version}, fewer than the"
            f" {settings.min_logged_predictions} needed",
            "logged": count,
        }
    else:
        requests = {"judged": True, **drift.feature_drift(reference, pd.Series(logged)).as_dict()}
        requests["logged"] = len(logged)
    importance = model.feature_importance()
    total = float(importance.sum())
    shares = (importance / total).to_dict() if total > 0 else None
    main = drift.main_features(model.feature_names, shares, settings.top_features)
    features = drift.compare(training, inputs.test_clients, shares, columns=main)
    return {
        "reference": f"training clients ({len(reference)})",
        "score_test_clients": {
            "judged": True,
            "clients": len(test),
            **drift.feature_drift(reference, test).as_dict(),
        },
        "score_logged_requests": requests,
        "features_test_clients": [f.as_dict() for f in features],
        "psi_moderate": drift.PSI_MODERATE,
        "psi_significant": drift.PSI_SIGNIFICANT,
    }


def champion_section(
    kind: str, inputs: ChampionInputs, data_kind: str, settings: ValidationSettings
) -> dict[str, Any]:
    """Every figure of one champion, its model card and where each figure comes from.

    Raises:
        ValueError: if the holdout lacks ``TARGET`` or the group rows do not match it.
    """
    model, holdout = inputs.model, inputs.holdout
    if TARGET not in holdout.columns:
        raise ValueError(f"the holdout of champion {kind!r} has no {TARGET} column")
    if not inputs.groups.index.equals(holdout.index):
        raise ValueError(f"the group rows of champion {kind!r} are not the holdout's clients")
    y = holdout[TARGET].to_numpy().astype(int)
    proba = model.predict_proba(features_of(holdout))
    section: dict[str, Any] = {
        "kind": kind,
        "kind_description": KINDS.get(kind, kind),
        "model": {
            "name": model.name,
            "version": model.version,
            "trained_at": model.trained_at,
            "threshold": model.threshold,
            "features": len(model.feature_names),
        },
        "holdout": {"clients": len(y), "defaulters": int(y.sum()), "default_rate": y.mean()},
        "discrimination": discrimination(y, proba, settings.resamples, settings.seed),
        "calibration": calibration(y, proba, model.threshold, settings.deciles),
        "stability": stability(inputs, settings),
        "fairness": fairness(
            y,
            proba,
            model.threshold,
            inputs.groups,
            settings.min_group_clients,
            settings.min_group_defaulters,
        ),
        "out_of_fold": {k: float(model.metrics[k]) for k in OUT_OF_FOLD if k in model.metrics},
        "provenance": {
            "holdout": "discrimination, calibration (deciles, Brier, Hosmer-Lemeshow, costs),"
            " fairness: the holdout clients, never seen in tuning, calibration or threshold",
            "out_of_fold": "cv_auc_mean, cv_auc_std, oof_business_cost: out-of-fold scores of"
            " the cross-validation on the training clients; the threshold was chosen on them",
            "stability": "the scores and features of training clients against application_test"
            " clients and logged requests (no labels needed)",
        },
        "protected_inputs": [c for c in PROTECTED if c in model.feature_names],
    }
    section["model_card"] = model_card(section, model, data_kind)
    return section


def model_card(section: Mapping[str, Any], model: ScoringModel, data_kind: str) -> dict[str, str]:
    """The evaluation's model card, written from this section's numbers, extended with the
    purpose, the features left out and the validation figures."""
    auc = section["discrimination"]["auc"]
    gini = section["discrimination"]["gini"]
    cal = section["calibration"]
    hl = cal["hosmer_lemeshow"]
    train_rows = int(model.metrics.get("train_rows", 0))
    figures = {
        "holdout_auc": auc["estimate"],
        "business_cost": cal["cost_at_threshold"],
        "threshold": model.threshold,
    }
    base = evaluation.model_card(model.name, figures, data_kind, train_rows)
    # The synthetic-data warning leads, so no reader takes the figures for real credit risk.
    card = {"warning": base.pop("warning")} if "warning" in base else {}
    card["purpose"] = base.pop("intended_use")
    card |= base
    card["data"] += f" This champion ({section['kind']}) uses {section['kind_description']}."
    excluded = []
    for column, why in PROTECTED.items():
        if column in section["protected_inputs"]:
            excluded.append(f"{column}: STILL A MODEL INPUT of this champion ({why}; remove it)")
        else:
            excluded.append(f"{column}: not a model input ({why})")
    card["features_excluded"] = "; ".join(excluded) + "."
    card["validation"] = (
        f"Holdout ({section['holdout']['clients']} clients): AUC {auc['estimate']:.3f}"
        f" [{auc['low']:.3f}, {auc['high']:.3f}], Gini {gini['estimate']:.3f}"
        f" [{gini['low']:.3f}, {gini['high']:.3f}], KS {section['discrimination']['ks']:.3f},"
        f" Brier {cal['brier']:.4f}, Hosmer-Lemeshow chi2 {hl['statistic']:.1f}"
        f" (df {hl['dof']}, p {hl['p_value']:.3g})."
    )
    oof = section["out_of_fold"]
    if oof:
        card["out_of_fold"] = "Out-of-fold (training clients): " + ", ".join(
            f"{k} {v:.3f}" for k, v in oof.items()
        )
    return card


def build_validation(
    champions: Mapping[str, ChampionInputs],
    data_kind: str,
    settings: ValidationSettings | None = None,
) -> dict[str, Any]:
    """The report: one section per champion kind, in the order given.

    Raises:
        ValueError: if no champion is given.
    """
    if not champions:
        raise ValueError("the validation report needs at least one champion")
    settings = settings or ValidationSettings()
    return {
        "data_kind": data_kind,
        "synthetic": data_kind == "synthetic",
        "settings": dict(vars(settings)),
        "champions": {
            kind: champion_section(kind, inputs, data_kind, settings)
            for kind, inputs in champions.items()
        },
    }


def scorecard_section(model: ScoringModel) -> dict[str, Any]:
    """A points scorecard candidate's card for the report (whether or not it is the champion):
    version, holdout AUC and every (feature, bin, points) row."""
    table = points_table(model)
    return {
        "version": model.version,
        "holdout_auc": float(model.metrics["holdout_auc"]),
        "points": [
            {"feature": str(f), "bin": str(b), "points": float(p)}
            for f, b, p in zip(table["feature"], table["bin"], table["points"], strict=True)
        ],
    }
