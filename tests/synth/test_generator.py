"""The synthetic Kaggle-format data: format, relations, determinism and the risk it carries."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_assets import kaggle
from credit_assets.synth import generate
from credit_assets.synth.generate import write_dataset


def read(data: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(data / f"{table}.csv", low_memory=False)


def digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_writes_the_ten_kaggle_files_plus_truth_and_marker(tiny_synthetic: Path) -> None:
    names = {p.name for p in tiny_synthetic.iterdir()}
    expected = {f"{t}.csv" for t in kaggle.TABLES} | {
        kaggle.DESCRIPTION_FILE,
        kaggle.SUBMISSION_FILE,
    }
    assert expected <= names
    assert {generate.TRUTH_DIR, generate.MARKER} <= names
    assert "NOT" in (tiny_synthetic / generate.MARKER).read_text()


@pytest.mark.parametrize("table", kaggle.TABLES)
def test_header_and_dtypes_match_the_real_heads(
    tiny_synthetic: Path, real_dir: Path, table: str
) -> None:
    ours = read(tiny_synthetic, table)
    theirs = pd.read_csv(real_dir / "heads" / f"{table}.csv", low_memory=False)
    assert ours.columns.tolist() == theirs.columns.tolist()
    schema = kaggle.schema(table)
    differ = {
        c: (str(ours[c].dtype), d)
        for c, d in zip(schema.columns, schema.dtypes, strict=True)
        if str(ours[c].dtype) != d and bool(ours[c].notna().any())
    }
    assert not differ


def test_description_file_is_latin1_with_the_original_layout(tiny_synthetic: Path) -> None:
    raw = (tiny_synthetic / kaggle.DESCRIPTION_FILE).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the original file is cp1252/latin-1 too
    frame = pd.read_csv(tiny_synthetic / kaggle.DESCRIPTION_FILE, encoding="latin1")
    assert frame.columns.tolist() == ["Unnamed: 0", "Table", "Row", "Description", "Special"]
    assert len(frame) == 219


def test_keys_and_relations_hold(tiny_synthetic: Path) -> None:
    train, test = (
        read(tiny_synthetic, "application_train"),
        read(tiny_synthetic, "application_test"),
    )
    clients = pd.concat([train.SK_ID_CURR, test.SK_ID_CURR])
    assert clients.is_unique and clients.min() >= generate.FIRST_CLIENT_ID
    assert train.SK_ID_CURR.is_monotonic_increasing
    bureau, prev = read(tiny_synthetic, "bureau"), read(tiny_synthetic, "previous_application")
    assert bureau.SK_ID_BUREAU.is_unique and prev.SK_ID_PREV.is_unique
    balance = read(tiny_synthetic, "bureau_balance")
    assert balance.SK_ID_BUREAU.isin(bureau.SK_ID_BUREAU).all()
    assert not balance.duplicated(["SK_ID_BUREAU", "MONTHS_BALANCE"]).any()
    owner = prev.set_index("SK_ID_PREV").SK_ID_CURR
    for table in ("POS_CASH_balance", "credit_card_balance", "installments_payments"):
        rows = read(tiny_synthetic, table)
        assert rows.SK_ID_CURR.isin(clients).all()
        assert (owner.reindex(rows.SK_ID_PREV).to_numpy() == rows.SK_ID_CURR.to_numpy()).all()
    for table in ("bureau", "previous_application"):
        assert read(tiny_synthetic, table).SK_ID_CURR.isin(clients).all()
    # Not every client has a history.
    assert 0.05 < 1 - clients.isin(bureau.SK_ID_CURR).mean() < 0.30


def test_structural_rules(tiny_synthetic: Path) -> None:
    train = read(tiny_synthetic, "application_train")
    pensioner = train.DAYS_EMPLOYED == kaggle.DAYS_SENTINEL
    assert 0.10 < pensioner.mean() < 0.26
    assert (train.loc[pensioner, "NAME_INCOME_TYPE"] == "Pensioner").all()
    assert (train.loc[pensioner, "ORGANIZATION_TYPE"] == "XNA").all()
    assert (train.loc[~pensioner, "ORGANIZATION_TYPE"] != "XNA").all()
    family = train.dropna(subset=["CNT_FAM_MEMBERS"])
    assert (family.CNT_FAM_MEMBERS >= family.CNT_CHILDREN + 1).all()
    assert 0.45 < train.EXT_SOURCE_1.isna().mean() < 0.65
    # Amounts move together.
    assert train.AMT_CREDIT.corr(train.AMT_GOODS_PRICE, method="spearman") > 0.9
    assert train.AMT_CREDIT.corr(train.AMT_ANNUITY, method="spearman") > 0.6
    prev = read(tiny_synthetic, "previous_application")
    assert (prev.DAYS_FIRST_DRAWING == kaggle.DAYS_SENTINEL).mean() > 0.3
    assert {"XNA", "XAP"} <= set(prev.NAME_CASH_LOAN_PURPOSE.unique())
    statuses = set(read(tiny_synthetic, "bureau_balance").STATUS.astype(str).unique())
    assert statuses <= {"C", "X", "0", "1", "2", "3", "4", "5"}


def test_truth_covers_every_client_and_drives_the_target(tiny_synthetic: Path) -> None:
    truth = pd.read_csv(tiny_synthetic / generate.TRUTH_DIR / "true_default_probability.csv")
    train = read(tiny_synthetic, "application_train")
    assert len(truth) == 3_600 and truth.probability.between(0, 1).all()
    merged = train.merge(truth, on="SK_ID_CURR")
    assert 0.05 < merged.TARGET.mean() < 0.11
    top = merged.probability >= merged.probability.quantile(0.8)
    assert merged.TARGET[top].mean() > 2.5 * merged.TARGET[~top].mean()


def test_behaviour_in_side_tables_carries_risk(tiny_synthetic: Path) -> None:
    train = read(tiny_synthetic, "application_train")
    pay = read(tiny_synthetic, "installments_payments")
    late = (pay.DAYS_ENTRY_PAYMENT > pay.DAYS_INSTALMENT).groupby(pay.SK_ID_CURR).mean()
    merged = train.set_index("SK_ID_CURR").join(late.rename("late"), how="inner")
    often_late = merged.late > merged.late.median()
    assert merged.TARGET[often_late].mean() > 1.3 * merged.TARGET[~often_late].mean()
    prev = read(tiny_synthetic, "previous_application")
    refused = (prev.NAME_CONTRACT_STATUS == "Refused").groupby(prev.SK_ID_CURR).mean()
    merged = train.set_index("SK_ID_CURR").join(refused.rename("refused"), how="inner")
    assert merged.TARGET[merged.refused > 0].mean() > merged.TARGET[merged.refused == 0].mean()


def test_same_seed_same_bytes_whatever_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generate, "CHUNK_CLIENTS", 400)
    one = write_dataset(tmp_path / "one", 900, 300, seed=3, workers=1)
    two = write_dataset(tmp_path / "two", 900, 300, seed=3, workers=2)
    other = write_dataset(tmp_path / "other", 900, 300, seed=4, workers=1)
    assert digest(one) == digest(two)
    assert digest(one) != digest(other)


def test_zip_holds_the_kaggle_files(tmp_path: Path) -> None:
    archive = write_dataset(tmp_path, 300, 100, seed=1, workers=1, as_zip=True)
    assert archive.name == kaggle.KAGGLE_ZIP
    with zipfile.ZipFile(archive) as handle:
        names = set(handle.namelist())
    assert {f"{t}.csv" for t in kaggle.TABLES} <= names
    assert kaggle.SUBMISSION_FILE in names and generate.MARKER in names
    assert (tmp_path / generate.TRUTH_DIR / "true_default_probability.csv").exists()


def test_rejects_empty_populations(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        write_dataset(tmp_path, 0, 10)


def test_generated_probabilities_are_reproducible_per_chunk() -> None:
    chunk = generate.plan_chunks(5, 50, 10)[0]
    first = generate.generate_chunk(5, chunk)["probability"]
    again = generate.generate_chunk(5, chunk)["probability"]
    assert isinstance(first, np.ndarray) and np.array_equal(first, again)
