"""Code versions: an asset's version follows the project source it runs, and only that."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_assets.code_version import digest, imported_modules, source_files

SOURCES = {
    "credit_assets/__init__.py": "",
    "credit_assets/settings.py": "import os\n",
    "credit_assets/defs/__init__.py": "",
    "credit_assets/defs/raw/__init__.py": "",
    "credit_assets/defs/raw/assets.py": (
        "import dagster as dg\n"
        "from credit_assets.ingest import read\n"
        "from . import checks\n"
        "def asset():\n"
        "    from credit_assets import settings\n"
    ),
    "credit_assets/defs/raw/checks.py": "",
    "credit_assets/ingest/__init__.py": "from credit_assets.ingest.read import read_table\n",
    "credit_assets/ingest/read.py": "from ..kaggle import TABLES\n",
    "credit_assets/kaggle.py": "TABLES = []\n",
    "credit_assets/models/train.py": "",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in SOURCES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("source", "module", "is_package", "expected"),
    [
        (
            "import pandas\nimport credit_assets.kaggle",
            "credit_assets.x",
            False,
            {"credit_assets.kaggle"},
        ),
        (
            "from credit_assets.ingest import read",
            "credit_assets.x",
            False,
            {"credit_assets.ingest", "credit_assets.ingest.read"},
        ),
        (
            "from .. import kaggle",
            "credit_assets.ingest.read",
            False,
            {"credit_assets", "credit_assets.kaggle"},
        ),
        (
            "from .read import f",
            "credit_assets.ingest",
            True,
            {"credit_assets.ingest.read", "credit_assets.ingest.read.f"},
        ),
        (
            "def f():\n    from credit_assets import settings",
            "credit_assets.x",
            False,
            {"credit_assets", "credit_assets.settings"},
        ),
    ],
    ids=["absolute", "from-absolute", "relative-parent", "relative-in-package", "in-function"],
)
def test_imports_of_the_project_are_found(
    source: str, module: str, is_package: bool, expected: set[str]
) -> None:
    assert imported_modules(source, module, is_package) == expected


def test_the_source_of_a_module_is_everything_it_imports(project: Path) -> None:
    files = source_files("credit_assets.defs.raw.assets", project)
    names = {str(f.relative_to(project)) for f in files}
    assert names == set(SOURCES) - {"credit_assets/models/train.py"}


def test_the_version_changes_with_an_imported_module_only(project: Path) -> None:
    def version() -> str:
        return digest(source_files("credit_assets.defs.raw.assets", project), project)

    before = version()
    (project / "credit_assets/models/train.py").write_text("SEED = 1\n")
    assert version() == before
    (project / "credit_assets/kaggle.py").write_text("TABLES = ['bureau']\n")
    assert version() != before
