"""The explainer's figures, each with the sentence that says what it shows.

Built with matplotlib's object API (no pyplot: no global state, the Agg canvas, no display);
the comparisons with other clients are in ``ui.compare``.
Colours are from the Okabe-Ito palette, safe for colour-blind readers, and never carry meaning
alone: what raises risk is also hatched and signed, the threshold is also labelled, and each
figure comes with a text alternative (:class:`Chart.alt`).
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Wedge

BLUE = "#0072B2"
"""Lowers risk, accepted (Okabe-Ito blue)."""
VERMILLION = "#D55E00"
"""Raises risk, refused (Okabe-Ito vermillion), always with a hatch."""
GREY = "#595959"
"""Neutral marks and secondary text: 7:1 contrast on white."""
RISKY_HATCH = "///"
LABEL_CHARS = 48


@dataclass(frozen=True)
class Chart:
    """A figure and its text alternative."""

    figure: Figure
    alt: str


@dataclass(frozen=True)
class Bar:
    """One step of the waterfall: a feature's readable name, its value and its push."""

    label: str
    contribution: float
    value: str = ""

    @property
    def shown(self) -> str:
        """The label cut to fit, with the value kept whole."""
        return f"{short(self.label, 40)} = {self.value}" if self.value else short(self.label)


def percent(p: float) -> str:
    """A probability as the officer reads it: ``0.0732`` -> ``7.3 %``."""
    return f"{100 * p:.1f} %"


def short(text: str, chars: int = LABEL_CHARS) -> str:
    """``text`` cut to ``chars`` characters with an ellipsis."""
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def gauge(probability: float, threshold: float, before: float | None = None) -> Chart:
    """A half-dial from 0 to 100 %: the accept band, the hatched refuse band, the threshold
    tick and the client's needle (and a dashed one for the score ``before`` a what-if)."""
    figure = Figure(figsize=(5.2, 3.4))
    axis = figure.add_subplot(aspect="equal")
    axis.set_axis_off()
    axis.set(xlim=(-1.5, 1.5), ylim=(-0.6, 1.3))
    cut = _angle(threshold)
    axis.add_patch(Wedge((0, 0), 1, cut, 180, width=0.28, facecolor=BLUE, edgecolor="white"))
    axis.add_patch(
        Wedge((0, 0), 1, 0, cut, width=0.28, facecolor=VERMILLION, hatch=RISKY_HATCH,
              edgecolor="white")
    )  # fmt: skip
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x, y = _point(tick, 1.12)
        axis.text(x, y, f"{tick:.0%}", ha="center", va="center", fontsize=8, color=GREY)
    x0, y0 = _point(threshold, 0.6)
    x1, y1 = _point(threshold, 1.05)
    axis.plot([x0, x1], [y0, y1], color="black", linewidth=2)
    tx, ty = _point(threshold, 1.3)
    side = "right" if threshold < 0.5 else "left"
    axis.text(tx, ty, f"threshold\n{percent(threshold)}", ha=side, va="center", fontsize=9)
    if before is not None:
        _needle(axis, before, color=GREY, linestyle="--")
    _needle(axis, probability, color="black", linestyle="-")
    refused = probability >= threshold
    axis.text(0, -0.3, percent(probability), ha="center", fontsize=18, fontweight="bold")
    axis.text(0, -0.52, "REFUSED" if refused else "ACCEPTED", ha="center", fontsize=11)
    alt = (
        f"Gauge of the probability of default: {percent(probability)}, "
        f"{'at or above' if refused else 'below'} the threshold of {percent(threshold)}, "
        f"so the application is {'refused' if refused else 'accepted'}."
    )
    if before is not None:
        alt += f" Before the change it was {percent(before)}."
    return Chart(figure, alt)


def waterfall(
    bars: Sequence[Bar], base: float, other: float, other_label: str = "All other features"
) -> Chart:
    """The client's log-odds of default built up from the average client's (``base``): one
    bar per reason, the rest summed in ``other`` (labelled ``other_label``)."""
    steps = [*bars, Bar(other_label, other)]
    figure = Figure(figsize=(9, 0.42 * len(steps) + 1.8))
    axis = figure.add_subplot()
    start = base
    for row, step in enumerate(steps):
        raises = step.contribution > 0
        axis.barh(
            row, step.contribution, left=start, color=VERMILLION if raises else BLUE,
            hatch=RISKY_HATCH if raises else None, edgecolor="white", height=0.7,
        )  # fmt: skip
        end = start + step.contribution
        axis.text(max(start, end), row, f" {step.contribution:+.2f}", va="center", fontsize=8)
        start = end
    axis.set_yticks(range(len(steps)), [s.shown for s in steps], fontsize=8)
    axis.invert_yaxis()
    axis.axvline(base, color=GREY, linestyle=":", linewidth=1)
    axis.axvline(start, color="black", linewidth=1)
    axis.set_xlabel(
        f"log-odds of default\nfrom the average client ({percent(_sigmoid(base))}, dotted line) "
        f"to this client ({percent(_sigmoid(start))}, solid line)",
        fontsize=8,
    )
    axis.set_title("Right and hatched: raises the risk. Left: lowers it.", fontsize=9)
    figure.tight_layout()
    worded = "; ".join(
        f"{s.label}{f' = {s.value}' if s.value else ''} "
        f"{'raises' if s.contribution > 0 else 'lowers'} it by {abs(s.contribution):.2f}"
        for s in bars
    )
    alt = (
        f"Waterfall of the reasons, in log-odds of default, from the average client's "
        f"{percent(_sigmoid(base))} to this client's {percent(_sigmoid(start))}: {worded}; "
        f"{other_label.lower()} together {other:+.2f}."
    )
    return Chart(figure, alt)


def importance(names: Sequence[str], values: Sequence[float]) -> Chart:
    """The model's global feature importance as shares of the total, largest on top."""
    total = float(sum(values)) or 1.0
    shares = [100 * v / total for v in values]
    figure = Figure(figsize=(7.5, 0.32 * len(names) + 1.2))
    axis = figure.add_subplot()
    axis.barh(range(len(names)), shares, color=BLUE, height=0.7)
    for row, share in enumerate(shares):
        axis.text(share, row, f" {share:.1f} %", va="center", fontsize=8)
    axis.set_yticks(range(len(names)), [short(n) for n in names], fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel("share of the model's total importance (split gain), %", fontsize=8)
    figure.tight_layout()
    listed = ", ".join(f"{n} {s:.1f} %" for n, s in zip(names, shares, strict=True))
    return Chart(figure, f"Bar chart of the model's most important features: {listed}.")


def as_html(chart: Chart, caption: str = "") -> str:
    """The chart as an HTML figure: a PNG with its text alternative, and a visible caption."""
    buffer = io.BytesIO()
    chart.figure.savefig(buffer, format="png", dpi=96)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    shown = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="explainer-figure"><img src="data:image/png;base64,{encoded}" '
        f'alt="{html.escape(chart.alt)}" style="max-width:100%;height:auto">{shown}</figure>'
    )


def _angle(p: float) -> float:
    return 180.0 * (1.0 - min(max(p, 0.0), 1.0))


def _point(p: float, radius: float) -> tuple[float, float]:
    theta = math.radians(_angle(p))
    return radius * math.cos(theta), radius * math.sin(theta)


def _needle(axis: Axes, p: float, color: str, linestyle: str) -> None:
    x, y = _point(p, 0.92)
    axis.plot([0, x], [0, y], color=color, linewidth=3, linestyle=linestyle)
    axis.plot([0], [0], marker="o", color=color, markersize=8)


def _sigmoid(log_odds: float) -> float:
    return 1.0 / (1.0 + math.exp(-log_odds))
