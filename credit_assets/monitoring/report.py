"""The drift report: a JSON-ready summary, markdown for Dagster, a self-contained HTML page.

The HTML embeds its figures as PNG (matplotlib's object API, no pyplot), so it opens offline and
can be attached anywhere. Per comparison: the PSI of the first features (most important first)
against the 0.1 and 0.2 lines, then, for each main feature, the reference and current shares
per bin, exactly what the PSI compares.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from credit_assets.monitoring.drift import PSI_MODERATE, PSI_SIGNIFICANT, FeatureDrift, drifted

TABLE_ROWS = 25
CHART_FEATURES = 25
SYNTHETIC_NOTE = (
    "Synthetic data: these figures describe the generator, not real applicants; they show the"
    " report works, not that the population is stable."
)


def judged(
    results: Sequence[FeatureDrift], main: Sequence[str], reference_rows: int, current_rows: int
) -> dict[str, Any]:
    """One comparison's summary: sizes, main features, the ones drifting, every feature."""
    return {
        "judged": True,
        "reference_rows": reference_rows,
        "current_rows": current_rows,
        "main_features": list(main),
        "drifted_main_features": [d.feature for d in drifted(results, main)],
        "features": [d.as_dict() for d in results],
    }


def not_judged(reason: str, **figures: Any) -> dict[str, Any]:
    """A comparison that was not made, and why (for example too few logged requests)."""
    return {"judged": False, "reason": reason, **figures}


def report_markdown(report: Mapping[str, Any]) -> str:
    """The report for the Dagster UI: per comparison, the first features and their drift."""
    lines = [f"**Feature drift** against {report['reference']} ({report['data_kind']} data)"]
    if report["data_kind"] == "synthetic":
        lines += ["", f"> {SYNTHETIC_NOTE}"]
    for name, comparison in report["comparisons"].items():
        lines += ["", f"### {name}", ""]
        if not comparison["judged"]:
            lines.append(f"Not judged: {comparison['reason']}")
            continue
        drifting = comparison["drifted_main_features"]
        lines.append(
            f"{comparison['current_rows']} rows against {comparison['reference_rows']};"
            f" main features above PSI {PSI_SIGNIFICANT}: {', '.join(drifting) or 'none'}"
        )
        lines += ["", "| feature | importance | PSI | level | test | statistic | p-value |"]
        lines.append("|---|---|---|---|---|---|---|")
        for f in comparison["features"][:TABLE_ROWS]:
            lines.append(
                f"| {f['feature']} | {_fmt(f['importance'], '.4g')} | {f['psi']:.3f}"
                f" | {f['level']} | {f['test']} | {_fmt(f['statistic'], '.3g')}"
                f" | {_fmt(f['p_value'], '.2g')} |"
            )
    return "\n".join(lines)


def report_html(report: Mapping[str, Any]) -> str:
    """The report as one HTML page with its figures embedded."""
    title = f"Feature drift against {report['reference']}"
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(report['data_kind'])} data, generated {report['generated_at']}."
        f" Importance: {html.escape(str(report.get('importance_source') or 'none'))}.</p>",
    ]
    if report["data_kind"] == "synthetic":
        parts.append(f"<p class='note'>{html.escape(SYNTHETIC_NOTE)}</p>")
    for name, comparison in report["comparisons"].items():
        parts.append(f"<h2>{html.escape(name)}</h2>")
        if not comparison["judged"]:
            parts.append(f"<p>Not judged: {html.escape(comparison['reason'])}</p>")
            continue
        features = comparison["features"]
        parts.append(_img(psi_chart(features[:CHART_FEATURES], name)))
        parts.append(_table(features[:TABLE_ROWS]))
        by_name = {f["feature"]: f for f in features}
        for feature in comparison["main_features"]:
            if feature in by_name:
                parts.append(_img(shares_chart(by_name[feature])))
    parts.append("</body></html>")
    return "\n".join(parts)


def psi_chart(features: Sequence[Mapping[str, Any]], title: str) -> bytes:
    """Horizontal bars of PSI per feature, with the moderate and significant lines."""
    figure = Figure(figsize=(8, 0.28 * len(features) + 1.2))
    axis = figure.subplots()
    names = [f["feature"] for f in features][::-1]
    values = [f["psi"] for f in features][::-1]
    colours = [_colour(v) for v in values]
    axis.barh(names, values, color=colours)
    for line in (PSI_MODERATE, PSI_SIGNIFICANT):
        axis.axvline(line, color="grey", linestyle=":", linewidth=1)
    axis.set_xlabel("population stability index")
    axis.set_title(f"{title}: PSI, most important features first")
    axis.tick_params(axis="y", labelsize=7)
    return _png(figure)


def shares_chart(feature: Mapping[str, Any]) -> bytes:
    """Reference and current shares per bin of one feature."""
    bins = list(feature["bins"])
    x = np.arange(len(bins))
    figure = Figure(figsize=(8, 2.8))
    axis = figure.subplots()
    axis.bar(x - 0.2, feature["reference_shares"], width=0.4, label="reference")
    axis.bar(x + 0.2, feature["current_shares"], width=0.4, label="current")
    axis.set_xticks(x, bins, rotation=35, ha="right", fontsize=7)
    axis.set_ylabel("share")
    axis.set_title(f"{feature['feature']}: PSI {feature['psi']:.3f} ({feature['level']})")
    axis.legend(fontsize=8)
    return _png(figure)


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def _colour(value: float) -> str:
    if value > PSI_SIGNIFICANT:
        return "#c0392b"
    return "#e67e22" if value > PSI_MODERATE else "#2e86c1"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def _img(png: bytes) -> str:
    return f"<img alt='' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def _table(features: Sequence[Mapping[str, Any]]) -> str:
    head = [
        "feature",
        "importance",
        "PSI",
        "level",
        "test",
        "statistic",
        "p-value",
        "missing(ref)",
        "missing(cur)",
    ]
    rows = ["<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for f in features:
        cells = [
            f["feature"],
            _fmt(f["importance"], ".4g"),
            f"{f['psi']:.3f}",
            f["level"],
            f["test"],
            _fmt(f["statistic"], ".3g"),
            _fmt(f["p_value"], ".2g"),
            f"{f['reference_missing']:.3f}",
            f"{f['current_missing']:.3f}",
        ]
        rows.append(
            f"<tr class='{f['level']}'>"
            + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
            + "</tr>"
        )
    return "\n".join([*rows, "</table>"])


_CSS = """
body { font-family: sans-serif; margin: 2em; max-width: 70em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
td:first-child { text-align: left; }
tr.significant { background: #f9d6d2; } tr.moderate { background: #fdebd0; }
.note { background: #fef9e7; border-left: 4px solid #f1c40f; padding: 0.5em; }
img { display: block; margin: 1em 0; }
"""
