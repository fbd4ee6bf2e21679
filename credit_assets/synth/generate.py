"""Write a complete synthetic dataset in the Kaggle "Home Credit Default Risk" format.

Clients are generated in chunks, each with its own random stream derived from the seed and the
chunk index, so the bytes written depend only on the seed and the sizes (never on how many
processes share the work). Each chunk yields CSV text per table; the parent process appends the
chunks in order.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl
from scipy.special import expit

from credit_assets import kaggle
from credit_assets.synth import history
from credit_assets.synth.application import generate_applications
from credit_assets.synth.application import model as application_model
from credit_assets.synth.frames import to_frame
from credit_assets.synth.marginals import load_stats

CHUNK_CLIENTS = 10_000
# Id blocks per chunk keep SK_ID_BUREAU / SK_ID_PREV unique without knowing other chunks' sizes.
ID_BLOCK = 65_000
FIRST_CLIENT_ID = 100_002
FIRST_BUREAU_ID = 5_000_000
FIRST_PREVIOUS_ID = 1_000_000
TRUTH_DIR = "_truth"
MARKER = "SYNTHETIC.md"


@dataclass(frozen=True)
class DefaultModel:
    """The true default model: application risk plus realised behaviour (tuned constants)."""

    intercept: float = -3.00
    application_weight: float = 0.95
    behaviour_weight: float = 0.30


@dataclass(frozen=True)
class Chunk:
    index: int
    split: str  # "train" or "test"
    client_ids: np.ndarray


def chunk_rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, index]))


def plan_chunks(seed: int, n_train: int, n_test: int) -> list[Chunk]:
    """Split the client ids (train and test interleaved, as in Kaggle) into chunks."""
    ids = FIRST_CLIENT_ID + np.random.default_rng(seed).permutation(n_train + n_test)
    train, test = np.sort(ids[:n_train]), np.sort(ids[n_train:])
    chunks: list[Chunk] = []
    for split, split_ids in (("train", train), ("test", test)):
        for start in range(0, len(split_ids), CHUNK_CLIENTS):
            chunks.append(Chunk(len(chunks), split, split_ids[start : start + CHUNK_CLIENTS]))
    return chunks


def _csv(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False)
    return buffer.getvalue()


def generate_chunk(seed: int, chunk: Chunk) -> dict[str, bytes | np.ndarray]:
    """CSV rows (no header) of every table for one chunk, plus the clients' true probability."""
    rng = chunk_rng(seed, chunk.index)
    n = len(chunk.client_ids)
    apps = generate_applications(rng, n, chunk.split)
    behaviour = history.Behaviour()
    shared = behaviour.shared_with_application
    factor = shared * apps.risk + np.sqrt(1 - shared**2) * rng.standard_normal(n)
    rows = history.generate_history(rng, n, factor, behaviour)

    truth = DefaultModel()
    realised = sum(history.client_means(r, n) for r in rows.values())
    std = load_stats()["default_model"]["eta_std"]
    eta = (
        truth.intercept
        + truth.application_weight * std * apps.risk
        + truth.behaviour_weight * realised
    )
    probability = expit(eta)
    out: dict[str, bytes | np.ndarray] = {"probability": probability}

    cols = apps.columns
    cols["SK_ID_CURR"] = chunk.client_ids
    table = f"application_{chunk.split}"
    if chunk.split == "train":
        cols["TARGET"] = (rng.random(n) < probability).astype(np.int64)
    out[table] = _csv(to_frame(table, application_model(chunk.split), cols))

    bureau_ids = FIRST_BUREAU_ID + chunk.index * ID_BLOCK + np.arange(len(rows["bureau"].owner))
    previous_ids = (
        FIRST_PREVIOUS_ID
        + chunk.index * ID_BLOCK
        + np.arange(len(rows["previous_application"].owner))
    )
    if len(bureau_ids) > ID_BLOCK or len(previous_ids) > ID_BLOCK:
        raise RuntimeError("a chunk produced more records than its id block holds")
    for name, table_rows in rows.items():
        c = table_rows.columns
        c["SK_ID_CURR"] = chunk.client_ids[table_rows.owner]
        if name == "bureau":
            c["SK_ID_BUREAU"] = bureau_ids
        elif name == "bureau_balance":
            c["SK_ID_BUREAU"] = bureau_ids[c["_parent"]]
        elif name == "previous_application":
            c["SK_ID_PREV"] = previous_ids
        else:
            c["SK_ID_PREV"] = previous_ids[c["_parent"]]
        if name == "installments_payments":
            c["DAYS_ENTRY_PAYMENT"] = c["DAYS_INSTALMENT"] + c["PAYMENT_DELAY"]
            c["AMT_PAYMENT"] = np.round(c["AMT_INSTALMENT"] * c["PAYMENT_RATIO"], 3)
        out[name] = _csv(to_frame(name, history.model(name), c))
    return out


def _header(table: str) -> bytes:
    return (",".join(kaggle.schema(table).columns) + "\n").encode()


def iter_chunks(
    seed: int, chunks: list[Chunk], workers: int
) -> Iterator[dict[str, bytes | np.ndarray]]:
    """Chunk results in chunk order, computed by ``workers`` processes."""
    if workers <= 1:
        for chunk in chunks:
            yield generate_chunk(seed, chunk)
        return
    # Spawned, not forked: a fork after Polars has started its thread pool can deadlock.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield from pool.map(generate_chunk, [seed] * len(chunks), chunks)


def write_dataset(
    out: Path,
    n_train: int,
    n_test: int,
    seed: int = 0,
    workers: int | None = None,
    as_zip: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Generate the ten Kaggle files (plus ``_truth/`` and ``SYNTHETIC.md``) into ``out``.

    Returns the folder, or the zip ``home-credit-default-risk.zip`` inside it with ``as_zip``.
    """
    if n_train < 1 or n_test < 1:
        raise ValueError("--train-clients and --test-clients must be at least 1")
    out.mkdir(parents=True, exist_ok=True)
    workers = workers or min(2, os.cpu_count() or 1)
    chunks = plan_chunks(seed, n_train, n_test)
    handles = {t: (out / f"{t}.csv").open("wb") for t in kaggle.TABLES}
    truth: list[tuple[np.ndarray, str, np.ndarray]] = []
    try:
        for table, handle in handles.items():
            handle.write(_header(table))
        for done, (chunk, result) in enumerate(
            zip(chunks, iter_chunks(seed, chunks, workers), strict=True), start=1
        ):
            for table, handle in handles.items():
                if table in result:
                    handle.write(result[table])  # type: ignore[arg-type]
            truth.append((chunk.client_ids, chunk.split, result["probability"]))  # type: ignore[arg-type]
            if progress:
                progress(done, len(chunks))
    finally:
        for handle in handles.values():
            handle.close()
    _write_extras(out, truth, seed, n_train, n_test)
    return _zip(out) if as_zip else out


def _write_extras(
    out: Path, truth: list[tuple[np.ndarray, str, np.ndarray]], seed: int, n_train: int, n_test: int
) -> None:
    ids = np.concatenate([t[0] for t in truth])
    splits = np.concatenate([np.full(len(t[0]), t[1]) for t in truth])
    probability = np.concatenate([t[2] for t in truth])
    (out / TRUTH_DIR).mkdir(exist_ok=True)
    pl.DataFrame({"SK_ID_CURR": ids, "split": splits, "probability": probability}).write_csv(
        out / TRUTH_DIR / "true_default_probability.csv"
    )
    settings = {
        "seed": seed,
        "train_clients": n_train,
        "test_clients": n_test,
        "default_model": asdict(DefaultModel()),
    }
    (out / TRUTH_DIR / "generator.json").write_text(json.dumps(settings, indent=1) + "\n")
    test_ids = ids[splits == "test"]
    pl.DataFrame({"SK_ID_CURR": test_ids, "TARGET": np.full(len(test_ids), 0.5)}).write_csv(
        out / kaggle.SUBMISSION_FILE
    )
    _write_descriptions(out / kaggle.DESCRIPTION_FILE)
    (out / MARKER).write_text(
        "# Synthetic data\n\nGenerated by `credit-scoring synth` "
        f"(seed {seed}, {n_train:,} training and {n_test:,} test clients). These rows are NOT "
        "real Home Credit clients: they imitate the Kaggle format and statistics. Each client's "
        f"true default probability is in `{TRUTH_DIR}/`, which no model may train on.\n"
    )


def _write_descriptions(path: Path) -> None:
    """The column description file, in the original's latin-1 encoding and layout."""
    frame = pl.DataFrame(kaggle.descriptions()).with_row_index("", offset=1)
    frame = frame.rename(
        {"table": "Table", "column": "Row", "description": "Description", "special": "Special"}
    )
    text = frame.write_csv()
    path.write_bytes(text.encode("latin-1", errors="replace"))


def _zip(out: Path) -> Path:
    """Pack the Kaggle files into ``home-credit-default-risk.zip`` (truth stays beside it)."""
    target = out / kaggle.KAGGLE_ZIP
    names = [f"{t}.csv" for t in kaggle.TABLES] + [
        kaggle.DESCRIPTION_FILE,
        kaggle.SUBMISSION_FILE,
        MARKER,
    ]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name in names:
            archive.write(out / name, name)
    for name in names:
        if name != MARKER:
            (out / name).unlink()
    return target
