"""The explainer's figures: what they draw, and the sentences that stand in for them."""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle, Wedge

from ui import compare, plots


def _axis(chart: plots.Chart) -> Axes:
    return chart.figure.axes[0]


@pytest.mark.parametrize(
    ("probability", "threshold", "decision"),
    [(0.123, 0.093, "refused"), (0.02, 0.093, "accepted"), (0.093, 0.093, "refused")],
)
def test_the_gauge_marks_the_threshold_and_says_the_decision(
    probability: float, threshold: float, decision: str
) -> None:
    chart = plots.gauge(probability, threshold)
    accept, refuse = (p for p in _axis(chart).patches if isinstance(p, Wedge))
    cut = 180 * (1 - threshold)
    assert (accept.theta1, accept.theta2) == pytest.approx((cut, 180))
    assert (refuse.theta1, refuse.theta2) == pytest.approx((0, cut))
    assert refuse.get_hatch() == plots.RISKY_HATCH and not accept.get_hatch()
    needle = _axis(chart).lines[-2]  # the needle, then its hub
    x, y = np.asarray(needle.get_xydata())[-1]
    assert math.degrees(math.atan2(y, x)) == pytest.approx(180 * (1 - probability))
    texts = [t.get_text() for t in _axis(chart).texts]
    assert plots.percent(probability) in texts and decision.upper() in texts
    assert f"{plots.percent(threshold)}" in " ".join(texts)
    assert plots.percent(probability) in chart.alt and f"is {decision}" in chart.alt


def test_the_gauge_of_a_what_if_shows_the_score_before() -> None:
    chart = plots.gauge(0.30, 0.1, before=0.05)
    dashed = [line for line in _axis(chart).lines if line.get_linestyle() == "--"]
    assert len(dashed) == 1
    assert "Before the change it was 5.0 %" in chart.alt


def test_the_waterfall_adds_up_to_the_clients_log_odds() -> None:
    bars = [plots.Bar("External score", -0.4, "0.71"), plots.Bar("Late payments", 0.25, "3")]
    base, other = -2.0, 0.1
    chart = plots.waterfall(bars, base, other)
    rectangles = [p for p in _axis(chart).patches if isinstance(p, Rectangle)]
    steps = [r for r in rectangles if r.get_height() == pytest.approx(0.7)]
    assert len(steps) == 3
    assert steps[0].get_x() == pytest.approx(base)
    last = steps[-1]
    assert last.get_x() + last.get_width() == pytest.approx(base - 0.4 + 0.25 + 0.1)
    assert [bool(r.get_hatch()) for r in steps] == [False, True, True]
    labels = [t.get_text() for t in _axis(chart).get_yticklabels()]
    assert labels == ["External score = 0.71", "Late payments = 3", "All other features"]
    assert "Late payments = 3 raises it by 0.25" in chart.alt
    assert "External score = 0.71 lowers it by 0.40" in chart.alt
    assert plots.percent(1 / (1 + math.exp(2.05))) in chart.alt


def test_a_long_reason_is_cut_but_keeps_its_value() -> None:
    bar = plots.Bar("A very long description of a bureau aggregate " * 3, 0.1, "12.5")
    assert bar.shown.endswith("… = 12.5") and len(bar.shown) <= 40 + len(" = 12.5")


def test_importance_is_shown_as_shares_of_the_total() -> None:
    chart = plots.importance(["a", "b", "c"], [6.0, 3.0, 1.0])
    widths = [p.get_width() for p in _axis(chart).patches if isinstance(p, Rectangle)]
    assert widths == pytest.approx([60.0, 30.0, 10.0])
    assert "a 60.0 %, b 30.0 %, c 10.0 %" in chart.alt


def test_the_distribution_marks_the_client_among_everyone_and_similar_clients() -> None:
    everyone = np.arange(1000, dtype=np.float64)
    similar = np.arange(400, 600, dtype=np.float64)
    chart = compare.distribution("Income", everyone, similar, 500.0)
    axis = _axis(chart)
    heights = [p.get_height() for p in axis.patches if isinstance(p, Rectangle)]
    assert sum(heights) == pytest.approx(100.0)  # every client counted once, in % of the group
    assert [np.asarray(line.get_xdata())[0] for line in axis.lines] == [500.0]
    assert "above 50 % of all 1,000 clients" in chart.alt
    assert "above 50 % of the 200 similar clients" in chart.alt


def test_a_client_without_a_value_is_said_so() -> None:
    chart = compare.distribution("Car age", np.array([1.0, 2.0, np.nan]), np.array([1.0]), None)
    assert not _axis(chart).lines and "this client has no value" in chart.alt


def test_the_scatter_highlights_the_client_even_outside_the_usual_range() -> None:
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(500, 2))
    scores = rng.uniform(0, 0.4, size=500)
    chart = compare.scatter(("Income", "Credit"), xy, scores, (8.0, -6.0), 0.1)
    axis = _axis(chart)
    star = axis.collections[-1]
    assert np.asarray(star.get_offsets()).tolist() == [[8.0, -6.0]]
    assert axis.get_xlim()[1] > 8.0 and axis.get_ylim()[0] < -6.0
    assert f"{np.mean(scores >= 0.1) * 100:.0f} % of them" in chart.alt
    assert "at 8 and -6" in chart.alt


def test_the_scatter_says_when_the_client_cannot_be_placed() -> None:
    xy = np.array([[1.0, 2.0], [np.nan, 1.0], [2.0, 3.0]])
    chart = compare.scatter(("a", "b"), xy, np.array([0.1, 0.2, 0.3]), (None, 1.0), 0.2)
    assert len(_axis(chart).collections) == 1  # the clients, no star
    assert "2 sampled clients" in chart.alt and "not shown" in chart.alt


def test_a_chart_becomes_an_image_with_its_text_alternative() -> None:
    chart = plots.Chart(plots.gauge(0.2, 0.1).figure, 'Gauge "<20 %>" & more')
    page = plots.as_html(chart, "A caption")
    source = re.search(r'src="data:image/png;base64,([^"]+)"', page)
    assert source is not None
    assert base64.b64decode(source.group(1)).startswith(b"\x89PNG")
    assert 'alt="Gauge &quot;&lt;20 %&gt;&quot; &amp; more"' in page
    assert "<figcaption>A caption</figcaption>" in page
