"""What each part of the explainer shows, from the scoring API (no Gradio here).

Every method takes what the officer entered and returns HTML (figures with their text
alternatives, sentences) or values for the form, so the page is a thin layer over these and
the tests can call them directly. Every answer about a client comes from the API
(:class:`ui.client.ScorerApi`): the explainer loads no model, computes no feature and reads
nothing of the scorer's, and the service validates and logs its calls like anyone's (scores and
explanations marked ``explainer``, what-ifs ``what_if``: neither counts as live traffic).

"Compared with others" works on a fixed random sample of known clients the API gives once
(:data:`POPULATION_SIZE`), with their probabilities of default.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from credit_assets.serving.schemas import GroupContribution, PredictRequest
from ui import compare, fields, plots, text
from ui.client import Refused, ScorerApi, UnknownClient
from ui.population import MAIN_FEATURES, Population, number_or_none

TOP_REASONS = 10
TOP_IMPORTANCE = 15
TOP_COMPARED = 60
"""The numeric features offered for comparison beyond the main ones, by importance."""
POPULATION_SIZE = 10_000
"""Known clients drawn once for the comparisons: enough for smooth distributions and 200
close neighbours, one answer of a few megabytes."""
LABELS = {f.column: f.label for f in (*fields.NUMBERS, *fields.CHOICES)}


class Problem(Exception):
    """Something the officer entered that cannot be answered; the message says what to do."""


@dataclass(frozen=True)
class ClientView:
    """Everything the page shows about one known client."""

    sk_id: int
    status: str
    score: str
    why: str
    reasons: list[list[Any]]
    form: list[Any] = field(default_factory=list)


class Explainer:
    """The explainer's answers for one served model."""

    def __init__(self, api: ScorerApi, population_size: int = POPULATION_SIZE) -> None:
        self.api = api
        self.info = api.model_info()
        facts = api.features()
        self.ranked = facts.features
        self.descriptions = {f.name: f.description for f in facts.features}
        self.categories = {field: set(values) for field, values in facts.categories.items()}
        numeric = [f.name for f in facts.features if f.numeric]
        main = [c for c in MAIN_FEATURES if c in numeric]
        compared = [*main, *[f for f in numeric if f not in main][:TOP_COMPARED]]
        # The form's choices too: a typical new applicant takes the most common of each.
        choices = [f.column for f in fields.CHOICES if f.column in self.descriptions]
        sample = api.population([*compared, *choices], population_size)
        index = pd.Index(sample.sk_id_curr, name="SK_ID_CURR")
        frame = pd.DataFrame(sample.features, index=index)
        frame[compared] = frame[compared].astype("float64")
        scores = pd.Series(sample.probability, index=index)
        self.population = Population(frame, lambda rows: scores.reindex(rows.index).to_numpy())
        self.features = self.population.numeric_features(numeric, top=TOP_COMPARED)

    def describe(self, feature: str) -> str:
        """A feature's readable description."""
        return self.descriptions.get(feature, feature)

    def feature_choices(self) -> list[tuple[str, str]]:
        """The features offered for comparison: ``(description (NAME), NAME)``."""
        return [(f"{plots.short(self.describe(f), 70)} ({f})", f) for f in self.features]

    def examples(self, count: int = 4) -> list[int]:
        """Known clients worth a look: the safest, one near the threshold, the riskiest."""
        scores, ids = self.population.sample_scores, self.population.sample.index.to_numpy()
        if len(ids) == 0:
            return []
        near = np.argsort(np.abs(scores - self.info.threshold), kind="stable")
        order = np.argsort(scores, kind="stable")
        picks = [int(ids[order[0]]), int(ids[near[0]]), int(ids[order[-1]]), int(ids[0])]
        return list(dict.fromkeys(picks))[:count]

    def client(self, typed: str) -> ClientView:
        """A known client's score, reasons and application (raises :class:`Problem`)."""
        sk_id = parse_id(typed)
        try:
            explanation = self.api.explain(sk_id, TOP_REASONS)
            application = self.api.application(sk_id)
        except UnknownClient:
            raise Problem(
                f"No client {sk_id} is known to this model: check the number, or score a new "
                "applicant in the “New applicant” tab."
            ) from None
        gauge = plots.gauge(explanation.probability, explanation.threshold)
        shown_groups = grouped_bars(explanation.groups)
        bars = [plots.Bar(g.title, g.contribution) for g in shown_groups]
        rest = sum(g.contribution for g in explanation.groups[len(shown_groups) :])
        chart = plots.waterfall(bars, explanation.base, rest, "All other reasons")
        reasons = [
            [r.description, r.feature, _shown(r.value), round(r.contribution, 3), r.effect]
            for r in explanation.reasons
        ]
        return ClientView(
            sk_id=sk_id,
            status=text.message(f"Client {sk_id} loaded.", alert=False),
            score=text.side_by_side(
                plots.as_html(gauge), text.score_summary(explanation, f"Client {sk_id}")
            ),
            why=text.reason_codes(explanation)
            + (text.scorecard_points(explanation.points) if explanation.points else "")
            + plots.as_html(
                chart, "How each reason (related features together) moves this client's risk."
            ),
            reasons=reasons,
            form=fields.form_values(application),
        )

    @cached_property
    def importance(self) -> str:
        """The model's global feature importance (the same for every client)."""
        ranked = self.ranked[:TOP_IMPORTANCE]
        chart = plots.importance([f.description for f in ranked], [f.importance for f in ranked])
        return plots.as_html(chart, "What the model relies on most, over all clients.")

    @cached_property
    def validation_file(self) -> Path | None:
        """The served champion's validation report as a file the page offers for download
        (through the page's own sign-in), or ``None`` when the model carries none."""
        report = self.api.validation_report()
        if report is None:
            return None
        version = re.sub(r"[^\w.-]", "_", self.info.version) or "model"
        path = Path(tempfile.mkdtemp(prefix="explainer-")) / f"validation-{version}.html"
        path.write_text(report, encoding="utf-8")
        return path

    def compare(self, sk_id: int | None, feature: str) -> str:
        """The feature's distribution over all clients and similar ones, the client marked."""
        if sk_id is None or feature not in self.population.features.columns:
            return ""
        row = self._row(sk_id)
        similar = self.population.values(feature)[self.population.similar(row)]
        value = number_or_none(row[feature])
        chart = compare.distribution(
            self.describe(feature), self.population.values(feature), similar, value
        )
        caption = (
            f"Similar clients: the {len(similar)} nearest on "
            f"{', '.join(LABELS.get(c, c) for c in self.population.main)}. Values beyond the "
            "1st and 99th percentiles are counted in the end bars."
        )
        return plots.as_html(chart, caption)

    def bivariate(self, sk_id: int | None, x: str, y: str) -> str:
        """Two features over a sample of clients, coloured by score, the client highlighted."""
        columns = self.population.features.columns
        if sk_id is None or x not in columns or y not in columns:
            return ""
        row = self._row(sk_id)
        sample = self.population.sample
        xy = np.column_stack([sample[c].to_numpy(np.float64, na_value=np.nan) for c in (x, y)])
        chart = compare.scatter(
            (self.describe(x), self.describe(y)),
            xy,
            self.population.sample_scores,
            (number_or_none(row[x]), number_or_none(row[y])),
            self.info.threshold,
        )
        caption = (
            f"{len(sample):,} clients drawn at random; axes cut at the 1st and 99th percentiles."
        )
        return plots.as_html(chart, caption)

    def what_if(self, sk_id: int | None, shown: Sequence[Any], edited: Sequence[Any]) -> str:
        """The known client's score before and after the officer's changes."""
        if sk_id is None:
            raise Problem("Look up a client first, then change their application here.")
        changes = fields.changed_fields(shown, edited)
        if not changes:
            raise Problem("Nothing was changed: edit a field, then score the changes.")
        try:
            answer = self.api.what_if(sk_id, changes)
        except Refused as refused:
            raise Problem(_refusal_words(refused)) from None
        before, after = answer.before, answer.after
        changed = [
            (LABELS[column], _shown(old), _shown(new)) for column, old, new in _edits(shown, edited)
        ]
        gauge = plots.gauge(after.probability, after.threshold, before=before.probability)
        return text.side_by_side(
            plots.as_html(gauge, "Solid needle: after the changes; dashed: before."),
            text.what_if_summary(before, after, changed),
        )

    def score_new(self, values: Sequence[Any], history: str | None = "") -> str:
        """A new applicant's score from the form's fields and, when given, their credit history
        (the API's ``history`` object as JSON text), validated as the API validates it."""
        raw = {k: v for k, v in fields.application_from(values).items() if v is not None}
        try:
            body = {"application": raw, "history": parse_history(history)}
            # Checked here too, so a mistake is named in the form's words before it is sent.
            PredictRequest.model_validate(body)
            prediction = self.api.predict({k: v for k, v in body.items() if v is not None})
        except ValidationError as error:
            raise Problem(_validation_words(error.errors())) from None
        except Refused as refused:
            raise Problem(_refusal_words(refused)) from None
        gauge = plots.gauge(prediction.probability, prediction.threshold)
        return text.side_by_side(
            plots.as_html(gauge), text.score_summary(prediction, "This applicant")
        )

    def _row(self, sk_id: int) -> pd.Series:
        """The client's values of the compared features, from the API."""
        values = self.api.client_features(sk_id, self.features)
        return pd.Series(values, name=sk_id, dtype="float64")


def grouped_bars(groups: Sequence[GroupContribution], least: int = 8) -> list[GroupContribution]:
    """The reason groups the waterfall shows (``groups`` come largest first): at least
    ``least``, and more until the rest together push less than the smallest shown, so "all
    other reasons" is never the largest bar."""
    count = min(least, len(groups))
    while count < len(groups):
        rest = abs(sum(g.contribution for g in groups[count:]))
        if rest <= abs(groups[count - 1].contribution):
            break
        count += 1
    return list(groups[:count])


def parse_history(typed: str | None) -> dict[str, Any] | None:
    """The credit history the officer pasted (JSON), or ``None`` when the box is empty
    (raises :class:`Problem`)."""
    if not typed or not typed.strip():
        return None
    try:
        history = json.loads(typed)
    except json.JSONDecodeError as error:
        raise Problem(
            f"The credit history is not valid JSON: {error.msg} (line {error.lineno}, column "
            f"{error.colno})."
        ) from None
    if not isinstance(history, dict):
        raise Problem(
            'The credit history must be a JSON object of tables, e.g. {"bureau": [{...}], '
            '"previous_application": [{...}]}.'
        )
    return history


def parse_id(typed: str | float | None) -> int:
    """The client number the officer typed or pasted (raises :class:`Problem`)."""
    cleaned = str(typed or "").strip().replace(",", "").replace(" ", "")
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    if not cleaned.isdigit():
        raise Problem("Enter a client number (SK_ID_CURR), digits only, e.g. 100002.")
    return int(cleaned)


def _edits(shown: Sequence[Any], edited: Sequence[Any]) -> list[tuple[str, Any, Any]]:
    columns = [f.column for f in (*fields.NUMBERS, *fields.CHOICES)]
    return [(c, a, b) for c, a, b in zip(columns, shown, edited, strict=True) if a != b]


def _refusal_words(refused: Refused) -> str:
    """The API's refusal in the form's words when it names fields, else as it said it."""
    if refused.problems:
        return _validation_words(refused.problems)
    return f"The API refused the request: {refused}"


def _validation_words(problems: Sequence[Mapping[str, Any]]) -> str:
    said = []
    for problem in problems:
        where = problem["loc"]
        if where and where[0] == "history":
            said.append(f"{_history_place(where[1:])}: {problem['msg']}")
            continue
        column = str(where[-1]) if where else "application"
        said.append(f"{LABELS.get(column, column)}: {problem['msg']}")
    return "The application cannot be scored. " + "; ".join(said) + "."


def _history_place(where: Sequence[str | int]) -> str:
    """Where in the credit history a problem is, in words: table, row (counted from 1), field."""
    words = ["Credit history"]
    if where:
        words.append(f"table {where[0]}")
    if len(where) > 1 and isinstance(where[1], int):
        words.append(f"row {where[1] + 1}")
    if len(where) > 2:
        words.append(f"field {where[2]}")
    return ", ".join(words)


def _shown(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "missing"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)
