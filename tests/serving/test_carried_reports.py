"""The validation report travels with the champion it validates: packaged into the BentoML
model, served at ``/validation`` (HTML) and ``/validation.json``, and a model packaged without
it says so in words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bentoml
import dagster as dg
import pytest
from starlette.testclient import TestClient

from credit_assets.models import ScoringModel
from credit_assets.serving.packaging import (
    VALIDATION_DATA,
    VALIDATION_REPORT,
    ValidationFiles,
    carried_report,
    carry_validation,
)


@pytest.fixture(scope="module")
def client(service_app: Any) -> Iterator[TestClient]:
    with TestClient(service_app) as client:
        yield client


def _report_of(version: str, files: ValidationFiles) -> None:
    files.html.write_text(f"<!doctype html><h1>{version}</h1>")
    files.data.write_text(json.dumps({"champions": {"history": {"model": {"version": version}}}}))


def test_only_a_report_of_the_packaged_champion_is_carried(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    files = ValidationFiles(tmp_path / "validation.html", tmp_path / "validation.json")
    assert carry_validation(folder, None, "v2") == "not carried: no validation report was made"
    assert carry_validation(folder, files, "v2") == "not carried: no validation report was made"
    _report_of("v1", files)
    said = carry_validation(folder, files, "v2")
    assert said == "not carried: the validation report is of v1, not of v2"
    with pytest.raises(FileNotFoundError, match=r"validation report \(validation.html\) is not"):
        carried_report(folder, VALIDATION_REPORT)
    _report_of("v2", files)
    assert carry_validation(folder, files, "v2") == "carried"
    assert "<h1>v2</h1>" in carried_report(folder, VALIDATION_REPORT).read_text()
    assert json.loads(carried_report(folder, VALIDATION_DATA).read_text())["champions"]
    with pytest.raises(FileNotFoundError):
        carried_report(folder, "clients.parquet")  # only the reports are served


def test_the_served_model_carries_its_champions_report(
    deployment: dg.ExecuteInProcessResult, champion: ScoringModel
) -> None:
    event = deployment.asset_materializations_for_node("served_model")[-1]
    assert event.metadata["validation_report"].value == "carried"
    stored = bentoml.models.get(str(event.metadata["bentoml_model"].value))
    assert stored.info.metadata["validation_report"] == "carried"
    assert champion.version in (Path(stored.path) / VALIDATION_REPORT).read_text()


def test_the_report_is_served_and_its_absence_said_in_words(
    client: TestClient, champion: ScoringModel
) -> None:
    page = client.get("/validation")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert champion.version in page.text
    figures = client.get("/validation.json")
    assert figures.status_code == 200
    assert figures.json()["champions"]["history"]["model"]["version"] == champion.version
    folder = Path(bentoml.models.get("credit_scoring_champion:latest").path)
    report, aside = folder / VALIDATION_REPORT, folder / "validation.html.aside"
    report.rename(aside)  # as in a model packaged without its report
    try:
        missing = client.get("/validation")
    finally:
        aside.rename(report)
    assert missing.status_code == 404
    assert "the validation report (validation.html) is not in this model" in missing.json()["error"]
