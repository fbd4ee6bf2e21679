"""Figures that set one client among the others: a feature's distribution, two features' scatter.

Axes stop at the 1st and 99th percentiles of the clients shown (widened to keep the client in
view), so a few extreme incomes do not squeeze everyone else into one bar.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from ui.plots import BLUE, VERMILLION, Chart, short

ALL_GREY = "#BBBBBB"


def distribution(
    label: str,
    everyone: NDArray[np.float64],
    similar: NDArray[np.float64],
    value: float | None,
) -> Chart:
    """Histograms of a feature over all clients and over similar ones, the client marked."""
    everyone, similar = everyone[~np.isnan(everyone)], similar[~np.isnan(similar)]
    figure = Figure(figsize=(7.5, 3.6))
    axis = figure.add_subplot()
    if len(everyone) == 0:
        axis.text(0.5, 0.5, "no client has a value", ha="center", transform=axis.transAxes)
        return Chart(figure, f"No client has a value of {label}.")
    low, high = _limits(everyone, value)
    bins = np.linspace(low, high, 31).tolist()
    axis.hist(
        np.clip(everyone, low, high), bins=bins, weights=_percent_each(everyone),
        color=ALL_GREY, label=f"all {len(everyone):,} clients",
    )  # fmt: skip
    axis.hist(
        np.clip(similar, low, high), bins=bins, weights=_percent_each(similar),
        histtype="step", color=BLUE, linewidth=2, hatch="..",
        label=f"{len(similar)} similar clients",
    )  # fmt: skip
    if value is not None:
        axis.axvline(value, color="black", linewidth=2, linestyle="--", label="this client")
    axis.set(xlabel=short(label, 90), ylabel="% of the group in each bar")
    axis.legend(fontsize=8)
    figure.tight_layout()
    if value is None:
        return Chart(figure, f"Histograms of {label}; this client has no value.")
    alt = (
        f"Histograms of {label}. This client's value, {value:,.4g}, is above "
        f"{_share_below(everyone, value):.0f} % of all {len(everyone):,} clients and above "
        f"{_share_below(similar, value):.0f} % of the {len(similar)} similar clients."
    )
    return Chart(figure, alt)


def scatter(
    labels: tuple[str, str],
    xy: NDArray[np.float64],
    scores: NDArray[np.float64],
    client: tuple[float | None, float | None],
    threshold: float,
) -> Chart:
    """Clients by two features, coloured by probability of default, the client a large star."""
    figure = Figure(figsize=(7.5, 5.2))
    axis = figure.add_subplot()
    keep = ~np.isnan(xy).any(axis=1)
    points = axis.scatter(
        xy[keep, 0], xy[keep, 1], c=scores[keep], cmap="cividis", s=9, alpha=0.8, vmin=0,
        vmax=max(float(np.max(scores, initial=0.0)), threshold),
    )  # fmt: skip
    bar = figure.colorbar(points, ax=axis)
    bar.set_label("probability of default (black line: threshold)")
    bar.ax.axhline(threshold, color="black", linewidth=3)
    cx, cy = client
    if keep.any():
        axis.set_xlim(*_limits(xy[keep, 0], cx))
        axis.set_ylim(*_limits(xy[keep, 1], cy))
    if cx is not None and cy is not None:
        axis.scatter(
            [cx], [cy], marker="*", s=420, color=VERMILLION, edgecolor="black", linewidth=1.5,
            label="this client", zorder=3,
        )  # fmt: skip
        axis.legend(fontsize=8, loc="best")
        where = f"This client, the large star, is at {cx:,.4g} and {cy:,.4g}."
    else:
        where = "This client lacks one of the two values and is not shown."
    axis.set(xlabel=short(labels[0], 90), ylabel=short(labels[1], 60))
    figure.tight_layout()
    riskier = float(np.mean(scores[keep] >= threshold) * 100) if keep.any() else 0.0
    alt = (
        f"Scatter plot of {int(keep.sum()):,} sampled clients by {labels[0]} (across) and "
        f"{labels[1]} (up), darker for a lower probability of default; {riskier:.0f} % of them "
        f"are at or above the threshold. {where}"
    )
    return Chart(figure, alt)


def _limits(values: NDArray[np.float64], also: float | None) -> tuple[float, float]:
    """The 1st to 99th percentile of ``values``, widened to show ``also``, padded by 5 %."""
    low, high = (float(v) for v in np.percentile(values, [1, 99]))
    if also is not None:
        low, high = min(low, also), max(high, also)
    pad = (high - low) * 0.05 or 0.5
    return low - pad, high + pad


def _percent_each(values: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.full(len(values), 100.0 / max(len(values), 1))


def _share_below(values: NDArray[np.float64], value: float) -> float:
    return float(np.mean(values < value) * 100) if len(values) else 0.0
