"""The explainer's page: Gradio Blocks over :class:`ui.explainer.Explainer`.

One client at a time: look them up by number (typed, pasted or picked from the examples), then
read their score, the reasons, how they compare with other clients, and try what-ifs; a second
form scores a new applicant. Each event has an API name, so ``gradio_client`` can call it too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr
import pandas as pd

from ui import fields, text
from ui.explainer import Explainer, Problem
from ui.population import number_or_none

TITLE = "Credit risk explainer"
REASON_HEADERS = ["Reason", "Feature", "Client's value", "Contribution (log-odds)", "Effect"]


def build(explainer: Explainer) -> gr.Blocks:
    """The page for ``explainer`` (not yet mounted or launched)."""
    info = explainer.info
    with gr.Blocks(title=TITLE, analytics_enabled=False) as page:
        current = gr.State(None)
        shown = gr.State([])
        gr.HTML(text.synthetic_banner(info), elem_id="synthetic-banner")
        gr.Markdown(
            f"# {TITLE}\nModel {info.version}: the probability that a client defaults, the "
            "decision at the threshold, and why."
        )
        with gr.Row():
            client_id = gr.Textbox(
                label="Client number (SK_ID_CURR)",
                info="Type or paste the number, then press Enter or the button.",
                placeholder="e.g. 100002",
                elem_id="client-id",
                scale=4,
            )
            with gr.Column(scale=1, min_width=180):
                look_up = gr.Button("Look up the client", variant="primary", elem_id="look-up")
        picker = gr.Examples(
            [[str(i)] for i in explainer.examples()],
            inputs=[client_id],
            label="Example clients: the safest, one near the threshold, the riskiest of a sample",
        )
        status = gr.HTML(elem_id="status")
        with gr.Tabs():
            with gr.Tab("Score", id="score"):
                score = gr.HTML(elem_id="score")
            with gr.Tab("Why", id="why"):
                gr.Markdown("### This client's main reasons")
                why = gr.HTML(elem_id="why")
                reasons = gr.Dataframe(
                    headers=REASON_HEADERS,
                    label="Top reasons",
                    interactive=False,
                    wrap=True,
                    column_widths=["44%", "20%", "12%", "12%", "12%"],
                )
                gr.Markdown("### What the model relies on, over all clients")
                gr.HTML(explainer.importance, elem_id="importance")
            with gr.Tab("Compared with others", id="compare"):
                choices = explainer.feature_choices()
                offered = explainer.features
                first = offered[0] if offered else None
                second = offered[1] if len(offered) > 1 else first
                gr.Markdown("### One feature: this client, similar clients and everyone")
                feature = gr.Dropdown(choices, value=first, label="Feature to compare")
                distribution = gr.HTML(elem_id="distribution")
                gr.Markdown("### Two features, coloured by probability of default")
                with gr.Row():
                    x = gr.Dropdown(choices, value=first, label="Across (x axis)")
                    y = gr.Dropdown(choices, value=second, label="Up (y axis)")
                bivariate = gr.HTML(elem_id="bivariate")
            with gr.Tab("What if", id="what-if"):
                gr.Markdown("Change the client's application; unchanged fields stay as they are.")
                edited = _form(explainer, "what-if")
                run_what_if = gr.Button("Score the changes", variant="primary")
                what_if = gr.HTML(elem_id="what-if-result")
            with gr.Tab("New applicant", id="new"):
                gr.Markdown(
                    "A new applicant. Without a credit history their side-table features are "
                    "missing; paste one to score them with it."
                )
                applicant = _form(explainer, "new", _typical(explainer))
                history = gr.Textbox(
                    label="Credit history (JSON, optional)",
                    info=(
                        "The API's history object: rows of the Kaggle side tables, e.g. "
                        '{"bureau": [{"SK_ID_BUREAU": 1, "CREDIT_ACTIVE": "Closed", '
                        '"DAYS_CREDIT": -700}], "previous_application": []}'
                    ),
                    lines=4,
                    max_lines=12,
                    elem_id="new-history",
                )
                run_new = gr.Button("Score the applicant", variant="primary")
                new_result = gr.HTML(elem_id="new-result")
            with gr.Tab("Model", id="model"):
                gr.Markdown(text.model_card(info), elem_id="model-card")
                report = explainer.validation_file
                gr.Markdown(text.validation_note(report is not None), elem_id="validation-note")
                if report is not None:
                    # Served through the page, behind its sign-in: a browser cannot send the
                    # API key the scorer's own /validation asks for.
                    gr.File(
                        str(report),
                        label="Validation report (HTML)",
                        interactive=False,
                        elem_id="validation-report",
                    )

        def look(typed: str, chosen: str, across: str, up: str) -> list[Any]:
            try:
                view = explainer.client(typed)
            except Problem as problem:
                cleared = [text.message(str(problem)), "", "", _reasons([]), "", ""]
                return [*cleared, *_unchanged(edited), "", None, []]
            return [
                view.status,
                view.score,
                view.why,
                _reasons(view.reasons),
                explainer.compare(view.sk_id, chosen),
                explainer.bivariate(view.sk_id, across, up),
                *view.form,
                "",
                view.sk_id,
                view.form,
            ]

        outputs = [status, score, why, reasons, distribution, bivariate, *edited, what_if,
                   current, shown]  # fmt: skip
        lookup = {"fn": look, "inputs": [client_id, feature, x, y], "outputs": outputs}
        look_up.click(**lookup, api_name="lookup")
        client_id.submit(**lookup, api_visibility="undocumented")
        picker.load_input_event.then(**lookup, api_visibility="undocumented")
        feature.change(explainer.compare, [current, feature], distribution, api_name="compare")
        gr.on(
            [x.change, y.change],
            explainer.bivariate,
            [current, x, y],
            bivariate,
            api_name="bivariate",
        )
        run_what_if.click(
            _answer(lambda sk_id, before, *now: explainer.what_if(sk_id, before, now)),
            [current, shown, *edited],
            what_if,
            api_name="what_if",
        )
        run_new.click(
            _answer(lambda *values: explainer.score_new(values[:-1], values[-1])),
            [*applicant, history],
            new_result,
            api_name="score_new",
        )
    return page


def _form(explainer: Explainer, prefix: str, values: Sequence[Any] = ()) -> list[Any]:
    """The editable application fields, labelled: a row of numbers, then one of choices."""
    given = list(values) or [None] * (len(fields.NUMBERS) + len(fields.CHOICES))
    components: list[Any] = []
    with gr.Row():
        for field, value in zip(fields.NUMBERS, given, strict=False):
            components.append(
                gr.Number(
                    value=value,
                    label=field.label,
                    info=field.info,
                    minimum=field.minimum,
                    maximum=field.maximum,
                    elem_id=f"{prefix}-{field.column}",
                    min_width=200,
                )
            )
    with gr.Row():
        for field, value in zip(fields.CHOICES, given[len(fields.NUMBERS) :], strict=False):
            known = sorted(explainer.categories.get(field.column, set()) - {fields.NOT_GIVEN})
            options = [("not given", fields.NOT_GIVEN), *[(v, v) for v in known]]
            components.append(
                gr.Dropdown(
                    options,
                    value=value or fields.NOT_GIVEN,
                    label=field.label,
                    elem_id=f"{prefix}-{field.column}",
                )
            )
    return components


def _typical(explainer: Explainer) -> list[Any]:
    """A typical applicant: the median of each number, the most common of each choice."""
    features = explainer.population.features
    typical: dict[str, Any] = {}
    for field in fields.NUMBERS:
        if field.column in features.columns:
            typical[field.column] = number_or_none(features[field.column].median())
    for field in fields.CHOICES:
        counts = features[field.column].value_counts() if field.column in features else None
        if counts is not None and len(counts):
            typical[field.column] = str(counts.index[0])
    return fields.form_values(typical)


def _reasons(rows: list[list[Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=pd.Index(REASON_HEADERS))


def _unchanged(components: Sequence[Any]) -> list[Any]:
    return [gr.update() for _ in components]


def _answer(compute: Callable[..., str]) -> Callable[..., str]:
    """``compute``, with a problem shown as a message instead of an error dialog."""

    def answer(*args: Any) -> str:
        try:
            return compute(*args)
        except Problem as problem:
            return text.message(str(problem))

    return answer
