"""The generated data goes through the raw layer like real data, and the CLI works as documented."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from credit_assets import cli, kaggle
from credit_assets.defs.raw.assets import raw_tables
from credit_assets.defs.raw.checks import default_rate, raw_checks
from credit_assets.defs.resources import DataLake, HomeCreditSource


def test_raw_group_materialises_generated_data(tiny_synthetic: Path, tmp_path: Path) -> None:
    result = dg.materialize(
        [*raw_tables, *raw_checks, default_rate],
        resources={
            "source": HomeCreditSource(location=str(tiny_synthetic)),
            "lake": DataLake(root=str(tmp_path)),
        },
    )
    assert result.success
    failed = [e.asset_check_key for e in result.get_asset_check_evaluations() if not e.passed]
    assert failed == []
    metadata = result.asset_materializations_for_node("application_train")[0].metadata
    assert metadata["source_kind"].value == "synthetic"
    assert metadata["rows"].value == 3_000
    raw = pd.read_parquet(tmp_path / "raw" / "installments_payments.parquet")
    csv = pd.read_csv(tiny_synthetic / "installments_payments.csv")
    assert len(raw) == len(csv)
    assert raw.columns.tolist() == list(kaggle.schema("installments_payments").columns)


def test_cli_synth_writes_a_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["synth", "--out", str(tmp_path), "--train-clients", "200", "--test-clients", "50"]
    assert cli.main([*argv, "--seed", "2", "--zip", "--workers", "1"]) == 0
    assert (tmp_path / kaggle.KAGGLE_ZIP).is_file()
    assert "synthetic data written" in capsys.readouterr().out


def test_cli_rejects_an_empty_population(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["synth", "--out", str(tmp_path), "--train-clients", "0"])
    assert stop.value.code == 2


def test_demo_data_is_skipped_when_real_data_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOME_CREDIT_DATA", str(tmp_path / "real.zip"))
    monkeypatch.setenv("CREDIT_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["demo-data"]) == 0
    assert "no demo data needed" in capsys.readouterr().out
    assert not (tmp_path / "data").exists()
