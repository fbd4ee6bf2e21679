"""The validation report as one self-contained HTML page, and as markdown for Dagster.

The page depends on nothing outside itself (no stylesheet, script or font to fetch): figures are
PNG embedded as base64, each with alt text saying what it shows and followed by a table of the
numbers it plots, so the page reads the same offline, in a screen reader, or printed. Everything
is drawn from the report's dictionary: the page cannot disagree with ``validation.json``.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

TITLE = "Model validation report"
FAIRNESS_HEAD = (
    "group", "clients", "defaulters", "approval", "95 % CI", "FNR", "95 % CI", "FPR", "95 % CI",
    "ratio", "flag",
)  # fmt: skip
SYNTHETIC_BANNER = (
    "SYNTHETIC DATA: every client in this report is generated, not a real Home Credit client."
    " The figures show that the validation works; they say nothing about real credit risk."
)


def _fmt(value: Any, spec: str = ".3f") -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    return format(value, spec) if isinstance(value, int | float) else str(value)


def _ci(bounds: Sequence[float], spec: str = ".3f") -> str:
    return f"[{_fmt(bounds[0], spec)}, {_fmt(bounds[1], spec)}]"


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=80)
    return base64.b64encode(buffer.getvalue()).decode()


def _img(figure: Figure, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{_png(figure)}">'


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], caption: str = "") -> str:
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    lines = [f"<table>{cap}<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        lines.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>")
    return "\n".join([*lines, "</table>"])


def calibration_figure(deciles: Sequence[Mapping[str, Any]], kind: str) -> str:
    """Observed default rate (with its interval) against mean predicted, per decile."""
    figure = Figure(figsize=(5, 4.5))
    axis = figure.subplots()
    predicted = np.array([d["mean_predicted"] for d in deciles])
    observed = np.array([d["observed_rate"] for d in deciles])
    bounds = np.array([d["observed_rate_ci"] for d in deciles])
    errors = np.abs(np.vstack([observed - bounds[:, 0], bounds[:, 1] - observed]))
    axis.errorbar(predicted, observed, yerr=errors, fmt="o", capsize=3)
    top = float(max(predicted.max(), bounds.max(), 0.05)) * 1.05
    axis.plot([0, top], [0, top], "k:", linewidth=0.8)
    axis.set(xlabel="mean predicted P(default)", ylabel="observed default rate")
    axis.set_title(f"{kind}: calibration by score decile (95 % Wilson)")
    alt = (
        f"Calibration of the {kind} champion: observed against predicted default rate for ten"
        " score deciles, with 95 % intervals; the table below lists the values."
    )
    return _img(figure, alt)


def cost_figure(curve: Sequence[Mapping[str, Any]], threshold: float, kind: str) -> str:
    """Business cost per client at thresholds around the chosen one."""
    figure = Figure(figsize=(6, 3.5))
    axis = figure.subplots()
    axis.plot([c["threshold"] for c in curve], [c["cost"] for c in curve], marker="o")
    axis.axvline(threshold, color="tab:red", linestyle="--", label=f"threshold {threshold:.3f}")
    axis.set(xlabel="threshold on P(default)", ylabel="cost per client (10 FN + 1 FP) / n")
    axis.set_title(f"{kind}: business cost around the threshold")
    axis.legend()
    alt = (
        f"Business cost per client of the {kind} champion at thresholds from half to twice the"
        f" chosen threshold {threshold:.3f}; the table below lists the values."
    )
    return _img(figure, alt)


def shares_figure(drift: Mapping[str, Any], title: str) -> str:
    """Reference and current shares per score bin (what the PSI compares)."""
    bins = list(drift["bins"])
    x = np.arange(len(bins))
    figure = Figure(figsize=(7, 3))
    axis = figure.subplots()
    axis.bar(x - 0.2, drift["reference_shares"], width=0.4, label="training clients")
    axis.bar(x + 0.2, drift["current_shares"], width=0.4, label="compared population")
    axis.set_xticks(x, bins, rotation=35, ha="right", fontsize=7)
    axis.set(ylabel="share of clients", title=f"{title}: PSI {drift['psi']:.3f}")
    axis.legend(fontsize=8)
    alt = f"{title}: share of clients per score bin, training against compared population."
    return _img(figure, alt + f" PSI {drift['psi']:.3f}; the table below lists the shares.")


def approval_figure(rows: Sequence[Mapping[str, Any]], grouping: str, kind: str) -> str:
    """Approval rate per group with its interval; groups too small to judge in grey."""
    figure = Figure(figsize=(6, 0.4 * len(rows) + 1.3))
    axis = figure.subplots()
    names = [r["group"] for r in rows]
    rates = np.array([r["approval_rate"] for r in rows])
    bounds = np.array([r["approval_rate_ci"] for r in rows])
    colours = ["#2e86c1" if r["judged"] else "#aaaaaa" for r in rows]
    errors = np.abs(np.vstack([rates - bounds[:, 0], bounds[:, 1] - rates]))
    axis.barh(names, rates, xerr=errors, color=colours, capsize=3)
    axis.set(xlabel="approval rate (95 % Wilson)", xlim=(0, 1))
    axis.set_title(f"{kind}: approval rate by {grouping}")
    alt = (
        f"Approval rate of the {kind} champion by {grouping}, with 95 % intervals; grey bars are"
        " groups too small to judge; the table below lists the values."
    )
    return _img(figure, alt)


def _discrimination(section: Mapping[str, Any]) -> str:
    d = section["discrimination"]
    boot = d["bootstrap"]
    rows = [
        ("AUC", _fmt(d["auc"]["estimate"]), _ci([d["auc"]["low"], d["auc"]["high"]]), "holdout"),
        ("Gini (2 AUC - 1)", _fmt(d["gini"]["estimate"]),
         _ci([d["gini"]["low"], d["gini"]["high"]]), "holdout"),
        ("Kolmogorov-Smirnov", _fmt(d["ks"]), "", "holdout"),
    ]  # fmt: skip
    for name, value in section["out_of_fold"].items():
        rows.append((name, _fmt(value), "", "out-of-fold (training clients)"))
    note = (
        f"95 % intervals: stratified bootstrap, {boot['resamples']} resamples, seed"
        f" {boot['seed']} (defaulters and good clients resampled separately)."
    )
    table = _table(["figure", "value", "95 % interval", "clients"], rows)
    return f"<h3>Discrimination</h3>{table}<p>{html.escape(note)}</p>"


def _calibration(section: Mapping[str, Any]) -> str:
    c, kind = section["calibration"], section["kind"]
    hl = c["hosmer_lemeshow"]
    summary = (
        f"Brier score {c['brier']:.4f}. Hosmer-Lemeshow: chi-square {hl['statistic']:.2f},"
        f" {hl['dof']} degrees of freedom, p-value {hl['p_value']:.3g}."
    )
    deciles = _table(
        ["decile", "clients", "defaulters", "scores", "mean predicted", "observed", "95 % CI"],
        (
            (
                d["decile"],
                d["clients"],
                d["defaulters"],
                f"{d['min_score']:.3f} - {d['max_score']:.3f}",
                _fmt(d["mean_predicted"], ".4f"),
                _fmt(d["observed_rate"], ".4f"),
                _ci(d["observed_rate_ci"], ".4f"),
            )
            for d in c["deciles"]
        ),
        "Score deciles (1: lowest scores)",
    )
    best = c["holdout_best_threshold"]
    costs = _table(
        ["threshold", "x chosen", "cost per client", "approval", "missed defaults", "refused good"],
        (
            (
                _fmt(r["threshold"], ".4f"),
                _fmt(r["relative"], ".2f"),
                _fmt(r["cost"], ".4f"),
                _fmt(r["approval_rate"]),
                r["missed_defaults"],
                r["wrongly_refused"],
            )
            for r in c["cost_curve"]
        ),
        "Business cost (10 x missed defaults + 1 x wrongly refused) / clients",
    )
    note = (
        f"Chosen threshold {c['threshold']:.4f} (out-of-fold): holdout cost"
        f" {c['cost_at_threshold']:.4f} per client. The holdout's own best threshold would be"
        f" {best['threshold']:.4f} (cost {best['cost']:.4f}), shown for reference only."
    )
    return "\n".join(
        [
            "<h3>Calibration and cost</h3>",
            f"<p>{html.escape(summary)}</p>",
            calibration_figure(c["deciles"], kind),
            deciles,
            cost_figure(c["cost_curve"], c["threshold"], kind),
            costs,
            f"<p>{html.escape(note)}</p>",
        ]
    )


def _shares_table(drift: Mapping[str, Any]) -> str:
    rows = zip(drift["bins"], drift["reference_shares"], drift["current_shares"], strict=True)
    return _table(
        ["score bin", "training share", "compared share"],
        ((b, _fmt(r, ".4f"), _fmt(c, ".4f")) for b, r, c in rows),
    )


def _stability(section: Mapping[str, Any]) -> str:
    s, kind = section["stability"], section["kind"]
    parts = ["<h3>Stability (population stability index)</h3>"]
    parts.append(
        f"<p>Reference: {html.escape(s['reference'])}. PSI below {s['psi_moderate']} stable,"
        f" up to {s['psi_significant']} moderate, above significant.</p>"
    )
    test = s["score_test_clients"]
    title = f"{kind}: score, application_test clients ({test['clients']})"
    parts += [shares_figure(test, title), _shares_table(test)]
    logged = s["score_logged_requests"]
    if logged["judged"]:
        title = f"{kind}: score, logged requests ({logged['logged']})"
        parts += [shares_figure(logged, title), _shares_table(logged)]
    else:
        parts.append(f"<p>Logged requests not judged: {html.escape(logged['reason'])}.</p>")
    parts.append(
        _table(
            ["feature", "importance share", "PSI", "level", "missing (train)", "missing (test)"],
            (
                (
                    f["feature"],
                    _fmt(f["importance"], ".3f"),
                    _fmt(f["psi"]),
                    f["level"],
                    _fmt(f["reference_missing"]),
                    _fmt(f["current_missing"]),
                )
                for f in s["features_test_clients"]
            ),
            "Main features by importance: training against application_test clients",
        )
    )
    return "\n".join(parts)


def _fairness(section: Mapping[str, Any]) -> str:
    f, kind = section["fairness"], section["kind"]
    parts = [
        "<h3>Fairness by group</h3>",
        f"<p>Groups read from the raw application table. A group with fewer than"
        f" {f['min_clients']} clients or {f['min_defaulters']} defaulters is shown and flagged"
        " too small to judge. Ratio: approval rate over the most approved judged group's"
        " (below 0.8 flagged, the four-fifths rule).</p>",
    ]
    for grouping, rows in f["groupings"].items():
        parts.append(approval_figure(rows, grouping, kind))
        parts.append(
            _table(
                FAIRNESS_HEAD,
                (
                    (
                        r["group"],
                        r["clients"],
                        r["defaulters"],
                        _fmt(r["approval_rate"]),
                        _ci(r["approval_rate_ci"]),
                        _fmt(r["false_negative_rate"]),
                        _ci(r["false_negative_rate_ci"]),
                        _fmt(r["false_positive_rate"]),
                        _ci(r["false_positive_rate_ci"]),
                        _fmt(r["approval_ratio_to_most_approved"]),
                        r["flag"] or ("below four-fifths" if r["below_four_fifths"] else ""),
                    )
                    for r in rows
                ),
                f"By {grouping}",
            )
        )
    return "\n".join(parts)


def _card(section: Mapping[str, Any]) -> str:
    items = "".join(
        f"<dt>{html.escape(k.replace('_', ' '))}</dt><dd>{html.escape(v)}</dd>"
        for k, v in section["model_card"].items()
    )
    return f"<h3>Model card</h3><dl>{items}</dl>"


def _provenance(section: Mapping[str, Any]) -> str:
    items = "".join(
        f"<li><b>{html.escape(k.replace('_', '-'))}</b>: {html.escape(v)}</li>"
        for k, v in section["provenance"].items()
    )
    return f"<h3>Which clients each figure comes from</h3><ul>{items}</ul>"


def report_html(report: Mapping[str, Any]) -> str:
    """The whole report as one HTML page."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{TITLE}</title><style>{_CSS}</style></head><body>",
        f"<h1>{TITLE}</h1>",
    ]
    if report["synthetic"]:
        parts.append(f"<p class='banner'>{html.escape(SYNTHETIC_BANNER)}</p>")
    parts.append(f"<p>Data: {html.escape(report['data_kind'])}.</p>")
    for kind, section in report["champions"].items():
        model, holdout = section["model"], section["holdout"]
        parts += [
            f"<h2>Champion {html.escape(kind)}: {html.escape(model['version'])}</h2>",
            f"<p>{html.escape(section['kind_description'])}. {model['features']} features,"
            f" threshold {model['threshold']:.4f}. Holdout: {holdout['clients']} clients,"
            f" {holdout['defaulters']} defaulters ({holdout['default_rate']:.2%}).</p>",
            _card(section),
            _provenance(section),
            _discrimination(section),
            _calibration(section),
            _stability(section),
            _fairness(section),
        ]
    parts += [_scorecard(kind, card) for kind, card in report.get("scorecards", {}).items()]
    parts.append("</body></html>")
    return "\n".join(parts)


def _scorecard(kind: str, card: Mapping[str, Any]) -> str:
    rows = [(r["feature"], r["bin"], _fmt(r["points"], ".1f")) for r in card["points"]]
    return (
        f"<h2>Points scorecard ({html.escape(kind)}): {html.escape(card['version'])}</h2>"
        f"<p>The scorecard candidate's card, champion or not; holdout AUC"
        f" {card['holdout_auc']:.4f}. A client's score is the sum of their bins' points.</p>"
        + _table(("feature", "bin", "points"), rows, f"Points per bin, {kind}")
    )


def report_markdown(report: Mapping[str, Any]) -> str:
    """The key figures of each champion, for the Dagster UI."""
    lines = [f"**Validation** ({report['data_kind']} data)"]
    if report["synthetic"]:
        lines += ["", f"> {SYNTHETIC_BANNER}"]
    lines += [
        "",
        "| champion | AUC [95 %] | Gini | KS | Brier | HL p | cost | score PSI (test) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, s in report["champions"].items():
        auc, cal = s["discrimination"]["auc"], s["calibration"]
        psi = s["stability"]["score_test_clients"]["psi"]
        lines.append(
            f"| {kind} | {auc['estimate']:.3f} [{auc['low']:.3f}, {auc['high']:.3f}]"
            f" | {s['discrimination']['gini']['estimate']:.3f} | {s['discrimination']['ks']:.3f}"
            f" | {cal['brier']:.4f} | {cal['hosmer_lemeshow']['p_value']:.3g}"
            f" | {cal['cost_at_threshold']:.4f} | {psi:.3f} |"
        )
    for kind, s in report["champions"].items():
        flagged = [
            f"{g}={r['group']}"
            for g, rows in s["fairness"]["groupings"].items()
            for r in rows
            if r["below_four_fifths"]
        ]
        small = sum(not r["judged"] for rows in s["fairness"]["groupings"].values() for r in rows)
        lines += [
            "",
            f"*{kind}*: groups below four-fifths: {', '.join(flagged) or 'none'};"
            f" groups too small to judge: {small}.",
        ]
    return "\n".join(lines)


_CSS = """
body { font-family: sans-serif; margin: 2em; max-width: 75em; line-height: 1.4; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.banner { background: #fdecea; border: 3px solid #c0392b; padding: 0.8em; font-weight: bold; }
dt { font-weight: bold; margin-top: 0.4em; } img { display: block; margin: 1em 0; }
"""
