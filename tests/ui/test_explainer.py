"""What the explainer shows, called as the page calls it: the service's scorer behind it."""

from __future__ import annotations

import html
import json
import re

import polars as pl
import pytest

from credit_assets.defs.resources import DataLake
from credit_assets.kaggle import DAYS_SENTINEL
from credit_assets.models import ScoringModel
from credit_assets.serving.schemas import ExplainRequest, PredictRequest
from credit_assets.serving.scorer import Scorer
from ui import fields, text
from ui.explainer import Explainer, Problem, grouped_bars, parse_id
from ui.plots import percent


def _field(html: str, name: str) -> str:
    found = re.search(rf'data-field=["\']{name}["\']>([^<]+)<', html)
    assert found, f"no {name} in {html[:300]}"
    return found.group(1)


def _alts(html: str) -> list[str]:
    return re.findall(r'<img [^>]*alt="([^"]+)"', html)


@pytest.mark.parametrize(
    ("typed", "expected"), [("100002", 100002), (" 100 002 ", 100002), ("100,002", 100002),
                            ("100002.0", 100002), (100002.0, 100002)]
)  # fmt: skip
def test_a_pasted_client_number_is_read(typed: str | float, expected: int) -> None:
    assert parse_id(typed) == expected


@pytest.mark.parametrize("typed", ["", None, "abc", "-5", "1e5", "100002a"])
def test_what_is_not_a_client_number_says_what_to_type(typed: str | None) -> None:
    with pytest.raises(Problem, match="digits only"):
        parse_id(typed)


def test_a_known_client_shows_the_services_score_and_reasons(
    explainer: Explainer, scorer: Scorer, ids: list[int]
) -> None:
    sk_id = ids[0]
    view = explainer.client(str(sk_id))
    prediction = scorer.predict(PredictRequest(sk_id_curr=sk_id, application=None))
    assert _field(view.score, "probability") == percent(prediction.probability)
    words = {"accepted": "✓ Accepted", "refused": "✗ Refused"}[prediction.decision]
    assert _field(view.score, "decision") == words
    assert "percentage points" in view.score and percent(prediction.threshold) in view.score
    explanation = scorer.explain(ExplainRequest(sk_id_curr=sk_id, top_k=10))
    assert [row[1] for row in view.reasons] == [r.feature for r in explanation.reasons]
    assert explanation.groups[0].title in _alts(view.why)[0]
    assert _alts(view.score)[0].startswith("Gauge of the probability of default")
    assert len(view.form) == len(fields.NUMBERS) + len(fields.CHOICES)


def test_a_refused_client_reads_their_reason_codes_above_a_grouped_waterfall(
    explainer: Explainer, scorer: Scorer, ids: list[int]
) -> None:
    refused = next(p for p in scorer.predict_ids(ids) if p.decision == "refused")
    view = explainer.client(str(refused.sk_id_curr))
    shown = re.findall(r'<li data-code="(\w+)"><strong>\w+</strong> ([^<]+)</li>', view.why)
    said = [(code, html.unescape(sentence)) for code, sentence in shown]
    assert said == [(r.code, r.text) for r in refused.reason_codes] and said
    assert view.why.index("reason-codes") < view.why.index("<img")
    groups = scorer.explain(ExplainRequest(sk_id_curr=refused.sk_id_curr, top_k=10)).groups
    bars = grouped_bars(groups)
    rest = abs(sum(g.contribution for g in groups[len(bars) :]))
    assert rest <= min(abs(g.contribution) for g in bars)
    assert "all other reasons together" in _alts(view.why)[0]


def test_a_scorecard_champion_shows_the_clients_points_against_the_cutoff(
    explainer: Explainer, scorecard_scorer: Scorer, ids: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = next(p for p in scorecard_scorer.predict_ids(ids) if p.decision == "refused")
    sk_id = refused.sk_id_curr or 0
    answer = scorecard_scorer.explain(ExplainRequest(sk_id_curr=sk_id, top_k=10))
    # The page shows what the API answers: here, a scorecard's answer.
    monkeypatch.setattr(explainer.api, "explain", lambda _sk_id, _top_k: answer)
    view = explainer.client(str(sk_id))
    points = answer.points
    assert points is not None
    assert _field(view.why, "points-total") == f"{points.total:.1f}"
    assert _field(view.why, "points-cutoff") == f"{points.cutoff:.1f}"
    assert "at or below the cut-off" in view.why
    rows = re.findall(r"<tr><th scope='row'>([^<]+)</th><td>([^<]+)</td><td>([^<]+)</td>", view.why)
    by_lost = sorted(points.features, key=lambda p: -p.lost)
    assert rows == [(html.escape(p.name), html.escape(p.bin), f"{p.points:.1f}") for p in by_lost]
    said = re.findall(r'<li data-code="(\w+)">', view.why)
    assert said == [r.code for r in answer.reason_codes] and said
    assert view.why.index("reason-codes") < view.why.index("scorecard-points")


def test_other_models_show_no_points(explainer: Explainer, ids: list[int]) -> None:
    assert "scorecard-points" not in explainer.client(str(ids[0])).why


def test_the_model_tab_offers_the_validation_report_or_says_it_is_not_there(
    explainer: Explainer, champion: ScoringModel
) -> None:
    report = explainer.validation_file
    assert report is not None and champion.version in report.read_text()
    assert "Download it below" in text.validation_note(carried=True)
    assert "not in this model" in text.validation_note(carried=False)


def test_an_unknown_client_is_a_clear_message(explainer: Explainer) -> None:
    with pytest.raises(Problem, match="No client 7 is known to this model"):
        explainer.client("7")


def test_the_examples_are_known_clients_spanning_the_scores(
    explainer: Explainer, scorer: Scorer
) -> None:
    examples = explainer.examples()
    assert 2 <= len(examples) <= 4 and all(i in scorer.clients for i in examples)
    scores = [p.probability for p in scorer.predict_ids(examples[:3])]
    assert scores[0] == min(scores) and scores[2] == max(scores)


def test_comparisons_mark_the_client_and_describe_the_figure(
    explainer: Explainer, ids: list[int]
) -> None:
    feature = explainer.features[0]
    distribution = explainer.compare(ids[0], feature)
    assert "similar clients" in _alts(distribution)[0]
    assert explainer.describe(feature) in _alts(distribution)[0]
    x, y = explainer.features[:2]
    scatter = explainer.bivariate(ids[0], x, y)
    assert "sampled clients" in _alts(scatter)[0]
    assert explainer.compare(None, feature) == "" and explainer.bivariate(None, x, y) == ""


def test_the_sample_is_scored_once(explainer: Explainer, ids: list[int]) -> None:
    scores = explainer.population.sample_scores
    x, y = explainer.features[:2]
    explainer.bivariate(ids[1], x, y)
    assert explainer.population.sample_scores is scores
    assert len(scores) == min(3_000, len(explainer.population.features))


def test_similar_clients_are_near_on_the_main_features(
    explainer: Explainer, scorer: Scorer, ids: list[int]
) -> None:
    population = explainer.population
    row = scorer.known_features([ids[0]]).iloc[0]
    near = population.similar(row)
    assert len(near) == population.neighbours and ids[0] not in population.features.index[near]
    credit = population.values("AMT_CREDIT")
    gap_near = abs(credit[near] - row["AMT_CREDIT"]).mean()
    gap_all = abs(credit - row["AMT_CREDIT"]).mean()
    assert gap_near < gap_all


def test_a_what_if_shows_the_score_before_and_after(
    explainer: Explainer, scorer: Scorer, ids: list[int]
) -> None:
    sk_id = ids[0]
    shown = explainer.client(str(sk_id)).form
    edited = list(shown)
    position = [f.column for f in fields.NUMBERS].index("EXT_SOURCE_3")
    edited[position] = 0.01
    page = explainer.what_if(sk_id, shown, edited)
    after = scorer.what_if(sk_id, {"EXT_SOURCE_3": 0.01})
    before = scorer.predict_ids([sk_id])[0]
    assert _field(page, "before-probability") == percent(before.probability)
    assert _field(page, "after-probability") == percent(after.probability)
    assert "External score 3" in page and "0.01" in page
    assert "dashed" in page and "Before the change" in _alts(page)[0]


def test_a_what_if_without_a_change_or_a_client_says_what_to_do(
    explainer: Explainer, ids: list[int]
) -> None:
    shown = explainer.client(str(ids[0])).form
    with pytest.raises(Problem, match="Nothing was changed"):
        explainer.what_if(ids[0], shown, list(shown))
    with pytest.raises(Problem, match="Look up a client first"):
        explainer.what_if(None, shown, shown)


def test_an_invalid_what_if_names_the_field_in_words(explainer: Explainer, ids: list[int]) -> None:
    shown = explainer.client(str(ids[0])).form
    edited = list(shown)
    edited[0] = -1.0
    with pytest.raises(Problem, match="Annual income: Input should be greater than or equal"):
        explainer.what_if(ids[0], shown, edited)


def test_a_new_applicant_is_scored_from_the_form(explainer: Explainer, scorer: Scorer) -> None:
    values = fields.form_values(
        {"AMT_INCOME_TOTAL": 2e5, "AMT_CREDIT": 5e5, "AMT_ANNUITY": 2.5e4, "DAYS_BIRTH": -12000}
    )
    page = explainer.score_new(values)
    expected = scorer.predict(
        PredictRequest.model_validate({"application": fields.application_from(values)})
    )
    assert _field(page, "probability") == percent(expected.probability)
    with pytest.raises(Problem, match="Annual income: Field required"):
        explainer.score_new(fields.form_values({"AMT_CREDIT": 5e5}))


def test_a_new_applicant_is_scored_with_the_pasted_history(
    explainer: Explainer, scorer: Scorer, lake: DataLake
) -> None:
    values = fields.form_values(
        {"AMT_INCOME_TOTAL": 2e5, "AMT_CREDIT": 5e5, "AMT_ANNUITY": 2.5e4, "DAYS_BIRTH": -12000}
    )
    bureau = pl.read_parquet(lake.raw_table("bureau")).head(3)
    rows = [{k: v for k, v in r.items() if v is not None} for r in bureau.rows(named=True)]
    history = {"bureau": [r for r in rows if r["SK_ID_CURR"] == rows[0]["SK_ID_CURR"]]}
    page = explainer.score_new(values, json.dumps(history))
    body = {"application": fields.application_from(values), "history": history}
    expected = scorer.predict(PredictRequest.model_validate(body))
    without = scorer.predict(PredictRequest.model_validate({"application": body["application"]}))
    assert _field(page, "probability") == percent(expected.probability)
    assert expected.probability != without.probability


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ('{"bureau": [', "not valid JSON"),
        ("[1, 2]", "must be a JSON object of tables"),
        ('{"bureau": [{"SK_ID_BUREAU": 1, "DAYS_CREDIT": 5}]}',
         "Credit history, table bureau, row 1, field DAYS_CREDIT: Value error, must be between"),
        ('{"loans": []}', "Credit history, table loans: Extra inputs are not permitted"),
    ],
    ids=["broken JSON", "not an object", "day ahead", "unknown table"],
)  # fmt: skip
def test_a_bad_history_is_a_message_naming_table_row_and_field(
    explainer: Explainer, typed: str, says: str
) -> None:
    values = fields.form_values(
        {"AMT_INCOME_TOTAL": 2e5, "AMT_CREDIT": 5e5, "AMT_ANNUITY": 2.5e4, "DAYS_BIRTH": -12000}
    )
    with pytest.raises(Problem, match=re.escape(says)):
        explainer.score_new(values, typed)


def test_the_form_speaks_years_and_the_file_speaks_days() -> None:
    age = next(f for f in fields.NUMBERS if f.column == "DAYS_BIRTH")
    employed = next(f for f in fields.NUMBERS if f.column == "DAYS_EMPLOYED")
    assert age.to_form(-12000) == 32.9 and age.to_raw(32.9) == -12017
    assert employed.to_form(DAYS_SENTINEL) is None and employed.to_raw(None) == DAYS_SENTINEL
    credit = next(f for f in fields.NUMBERS if f.column == "AMT_CREDIT")
    assert credit.to_form(382316.1875) == 382316.2  # float32 noise dropped


def test_only_the_fields_the_officer_changed_are_applied() -> None:
    shown = fields.form_values({"DAYS_BIRTH": -12000, "AMT_INCOME_TOTAL": 1e5})
    edited = list(shown)
    edited[0] = 2e5
    assert fields.changed_fields(shown, edited) == {"AMT_INCOME_TOTAL": 2e5}
    assert fields.changed_fields(shown, shown) == {}
