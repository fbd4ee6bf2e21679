"""What the explainer says in words: the score, the decision, the model and the messages.

Every decision is written out (a symbol and a word), never shown by colour alone; messages are
announced to screen readers (``role="status"`` or ``role="alert"``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from credit_assets.serving.schemas import ModelInfo, Prediction, ScorecardPoints
from ui.plots import percent

DECISIONS = {"accepted": "✓ Accepted", "refused": "✗ Refused"}
SCORED_ON = {
    "history": "scored by the model that uses the application and the credit history",
    "application_only": (
        "scored by the application-only model: no credit history was sent, so only the"
        " application's fields were used"
    ),
}


def decision_words(decision: str) -> str:
    """``refused`` -> ``✗ Refused``."""
    return DECISIONS.get(decision, decision)


def distance_words(probability: float, threshold: float) -> str:
    """How far the probability is from the threshold, in percentage points."""
    gap = 100 * (probability - threshold)
    if abs(gap) < 0.05:
        return f"at the threshold of {percent(threshold)}"
    side = "above" if gap > 0 else "below"
    return f"{abs(gap):.1f} percentage points {side} the threshold of {percent(threshold)}"


def score_summary(prediction: Prediction, who: str) -> str:
    """The probability, the decision and the distance to the threshold, in sentences."""
    rule = f"applications are refused from {percent(prediction.threshold)}"
    return (
        f'<div class="score-summary" role="status">'
        f"<p><strong>{html.escape(who)}</strong>: probability of default "
        f'<strong data-field="probability">{percent(prediction.probability)}</strong>, '
        f"{distance_words(prediction.probability, prediction.threshold)}.</p>"
        f'<p>Decision: <strong data-field="decision">{decision_words(prediction.decision)}'
        f"</strong> ({rule}).</p>"
        f'<p data-field="scored-on">This client was {SCORED_ON[prediction.scored_on]}'
        f" (model {html.escape(prediction.model_version)}).</p></div>"
    )


def what_if_summary(
    before: Prediction, after: Prediction, changes: Sequence[tuple[str, str, str]]
) -> str:
    """The score before and after the changes (``(field, was, now)``), side by side."""
    rows = "".join(
        f"<tr><th scope='row'>{html.escape(kind)}</th><td data-field='{key}-probability'>"
        f"{percent(p.probability)}</td><td data-field='{key}-decision'>"
        f"{decision_words(p.decision)}</td></tr>"
        for kind, key, p in (("Before", "before", before), ("After", "after", after))
    )
    shift = 100 * (after.probability - before.probability)
    listed = "".join(
        f"<li>{html.escape(field)}: {html.escape(was)} → {html.escape(now)}</li>"
        for field, was, now in changes
    )
    return (
        '<div class="what-if" role="status"><table><caption>Score before and after the '
        "changes</caption><tr><th scope='col'>Application</th><th scope='col'>Probability of "
        f"default</th><th scope='col'>Decision</th></tr>{rows}</table>"
        f"<p>Change: {shift:+.1f} percentage points; now "
        f"{distance_words(after.probability, after.threshold)}.</p>"
        f"<p>Changed fields:</p><ul>{listed}</ul></div>"
    )


def reason_codes(prediction: Prediction) -> str:
    """A refusal's reason codes, largest first, as the client would be told them."""
    if prediction.decision != "refused":
        return (
            '<div class="reason-codes" role="status"><p>Accepted: there is no reason for '
            "refusal to give.</p></div>"
        )
    if not prediction.reason_codes:
        return (
            '<div class="reason-codes" role="status"><p>Refused, but no fact about the client '
            "raised the risk above the average applicant's: no reason code applies.</p></div>"
        )
    items = "".join(
        f'<li data-code="{html.escape(r.code)}"><strong>{html.escape(r.code)}</strong> '
        f"{html.escape(r.text)}</li>"
        for r in prediction.reason_codes
    )
    return (
        '<div class="reason-codes" role="status"><p><strong>Reasons for the refusal</strong>, '
        f"as the client is told them (largest first):</p><ol>{items}</ol></div>"
    )


def scorecard_points(points: ScorecardPoints) -> str:
    """A points scorecard's score: the total against the cut-off, then each feature's bin and
    points, the features that gave away the most points against their best bin first (where a
    refusal's reasons come from)."""
    side = "at or below" if points.total <= points.cutoff else "above"
    rows = "".join(
        f"<tr><th scope='row'>{html.escape(p.name)}</th><td>{html.escape(p.bin)}</td>"
        f"<td>{p.points:.1f}</td><td>{p.lost:.1f}</td></tr>"
        for p in sorted(points.features, key=lambda p: -p.lost)
    )
    return (
        '<div class="scorecard-points" role="status"><p><strong>Points scorecard</strong>: '
        f'this client scores <strong data-field="points-total">{points.total:.1f}</strong> '
        f"points, {side} the cut-off of "
        f'<strong data-field="points-cutoff">{points.cutoff:.1f}</strong> points (applications '
        "with the cut-off or fewer points are refused; more points, lower risk).</p><table>"
        "<caption>The client's points per feature, most points given away first</caption><tr>"
        "<th scope='col'>Feature</th><th scope='col'>Client's bin</th><th scope='col'>Points"
        "</th><th scope='col'>Points below the feature's best bin</th></tr>"
        f"{rows}</table></div>"
    )


def side_by_side(first: str, second: str) -> str:
    """Two blocks next to each other, wrapping on a narrow screen."""
    return (
        '<div style="display:flex;flex-wrap:wrap;gap:1.5em;align-items:center">'
        f"<div>{first}</div><div style='flex:1;min-width:18em'>{second}</div></div>"
    )


def message(text: str, alert: bool = True) -> str:
    """A message for the officer: an alert (something to fix) or a status."""
    role = "alert" if alert else "status"
    return f'<div class="explainer-message" role="{role}"><p>{html.escape(text)}</p></div>'


def synthetic_banner(info: ModelInfo) -> str:
    """A visible warning when the model learnt from synthetic data (empty otherwise)."""
    if info.data_kind != "synthetic":
        return ""
    return (
        '<div class="synthetic-banner" role="note"><strong>Demonstration model.</strong> '
        "It was trained on synthetic data generated in the format of the Home Credit data: "
        "its scores say nothing about real people and must not be used to decide a loan.</div>"
    )


def model_card(info: ModelInfo) -> str:
    """The model's facts as a Markdown table."""
    auc = info.metrics.get("holdout_auc")
    cv_auc = info.metrics.get("cv_auc_mean")
    rows = [
        ("Model", f"{info.name} {info.version}"),
        ("BentoML model", info.bento_model or "(not packaged)"),
        ("Trained", info.trained_at),
        ("Packaged", info.packaged_at),
        (
            "AUC out-of-fold (training clients; chose the model)",
            f"{cv_auc:.3f}" if cv_auc is not None else "not recorded",
        ),
        (
            "AUC on held-out clients (measured once, after the choice)",
            f"{auc:.3f}" if auc is not None else "not recorded",
        ),
        ("Decision threshold", f"refused from {percent(info.threshold)} probability of default"),
        ("Data", f"{info.data_kind} ({info.known_clients:,} known clients)"),
        ("Features", f"{info.feature_count:,}"),
        ("MLflow run", info.mlflow_run_id or "none"),
        *(
            (
                f"Model for {m.scored_on.replace('_', ' ')} applicants",
                f"{m.name} {m.version}, refused from {percent(m.threshold)},"
                f" {len(m.features):,} features",
            )
            for m in info.models
        ),
        (
            "Kept out of every model",
            ", ".join(info.excluded_attributes) or "nothing",
        ),
    ]
    body = "\n".join(f"| {name} | {value} |" for name, value in rows)
    return f"| Fact | Value |\n|---|---|\n{body}"


def validation_note(carried: bool) -> str:
    """What the Model tab says about the validation report (Markdown)."""
    if not carried:
        return (
            "**Validation report:** not in this model. It was packaged before the pipeline "
            "validated this champion (or by a version that did not carry the report): package "
            "the champion again after the validation report is made to offer it here."
        )
    return (
        "**Validation report:** the champion's validation for a model-risk review "
        "(discrimination with intervals, calibration, stability, outcomes by group, model "
        "card). Download it below and open it in a browser."
    )


CSS = """
.synthetic-banner { border: 3px solid #7a5c00; background: #fff3c4; color: #1f1f1f;
  padding: 0.6em 0.9em; border-radius: 6px; font-size: 1.05em; }
.explainer-message[role=alert] { border-left: 6px solid #b34700; padding: 0.3em 0.8em;
  background: #fdf0e8; color: #1f1f1f; }
.explainer-message[role=status] { border-left: 6px solid #005b8f; padding: 0.3em 0.8em;
  background: #eaf3fa; color: #1f1f1f; }
.score-summary, .what-if, .reason-codes, .scorecard-points { font-size: 1.1em; }
.what-if table, .scorecard-points table { border-collapse: collapse; }
.what-if th, .what-if td, .scorecard-points th, .scorecard-points td {
  border: 1px solid #595959; padding: 0.2em 0.6em; }
.explainer-figure figcaption { color: #333333; font-size: 0.95em; }
"""
"""Styles of the explainer's own blocks: text at 7:1 contrast or more on its background."""
