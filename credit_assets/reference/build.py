"""Rebuild the reference files of this package from the real Kaggle samples (developer tool).

The package carries facts about the Kaggle format, never its rows: the column order and dtypes of
every table (``schema.json``), the column descriptions (``descriptions.json``) and, in
``credit_assets/synth/``, the statistics the generator samples from.

Usage: ``python -m credit_assets.reference.build ../shared/data/home-credit-real``
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def parse_schema(schema_md: str) -> dict[str, list[list[str]]]:
    """Read the table sections of SCHEMA.md into ``{table: [[column, dtype], ...]}``."""
    tables: dict[str, list[list[str]]] = {}
    current: str | None = None
    for line in schema_md.splitlines():
        heading = re.match(r"^## (\w+) \(\d+ columns\)", line)
        if heading:
            current = str(heading.group(1))
            tables[current] = []
            continue
        row = re.match(r"^\| (\d+) \| (\w+) \| (\w+) \|", line)
        if current and row:
            tables[current].append([row.group(2), row.group(3)])
    return tables


def main(real_dir: Path) -> None:
    tables = parse_schema((real_dir / "SCHEMA.md").read_text())
    tables.pop("sample_submission", None)
    for table, columns in tables.items():
        header = pd.read_csv(real_dir / "heads" / f"{table}.csv", nrows=0).columns.tolist()
        if [c for c, _ in columns] != header:
            raise SystemExit(f"{table}: SCHEMA.md and the head disagree on the header")
    tables["sample_submission"] = [["SK_ID_CURR", "int64"], ["TARGET", "float64"]]
    (HERE / "schema.json").write_text(json.dumps(tables, indent=1) + "\n")

    desc = pd.read_csv(real_dir / "HomeCredit_columns_description.csv", encoding="latin1")
    records = [
        {"table": t, "column": c, "description": d, "special": s if isinstance(s, str) else ""}
        for t, c, d, s in desc[["Table", "Row", "Description", "Special"]].itertuples(index=False)
    ]
    (HERE / "descriptions.json").write_text(json.dumps(records, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
