"""No pipeline stage imports another stage's module: they share only the lake and resources."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import credit_assets.defs
from credit_assets import settings
from credit_assets.code_version import source_files

DEFS = Path(credit_assets.defs.__file__).parent
PACKAGE = "credit_assets.defs"
STAGES = sorted(p.name for p in DEFS.iterdir() if (p / "__init__.py").is_file())


def imported_modules(tree: ast.AST) -> list[str]:
    """Every module an ``import`` or ``from ... import`` names, with ``from a import b`` also as
    ``a.b`` (``b`` may be a module)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def stage_of(module: str) -> str | None:
    """The stage a module of ``credit_assets.defs`` belongs to (``None``: shared or outside)."""
    parts = module.split(".")
    if parts[:2] != PACKAGE.split(".") or len(parts) < 3:
        return None
    return parts[2] if parts[2] in STAGES else None


def foreign_imports(stage: str) -> list[str]:
    """``file: module`` for each import of another stage in the modules of ``stage``."""
    problems = []
    for path in sorted((DEFS / stage).rglob("*.py")):
        for module in imported_modules(ast.parse(path.read_text(), str(path))):
            other = stage_of(module)
            if other is not None and other != stage:
                problems.append(f"{path.relative_to(DEFS)}: {module}")
    return problems


def test_the_stages_are_found() -> None:
    assert {"raw", "features", "training", "models", "monitoring", "deployment"} <= set(STAGES)


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_no_other_stage(stage: str) -> None:
    assert foreign_imports(stage) == []


@pytest.mark.parametrize(
    ("source", "foreign"),
    [
        ("from credit_assets.defs.training.assets import read_frame", True),
        ("from credit_assets.defs.training import assets", True),
        ("import credit_assets.defs.models.champion", True),
        ("from credit_assets.defs.features.checks import x", False),  # its own stage
        ("from credit_assets.defs.resources import DataLake", False),  # shared
        ("from credit_assets.defs import resources", False),
        ("from credit_assets.models.data import TARGET", False),
    ],
)
def test_an_import_of_another_stage_is_recognised(source: str, foreign: bool) -> None:
    stages = {stage_of(m) for m in imported_modules(ast.parse(source))} - {None}
    assert bool(stages - {"features"}) is foreign


@pytest.mark.parametrize(
    ("module", "unrelated"),
    [
        ("credit_assets.defs.raw.assets", {"features", "models", "monitoring", "serving"}),
        ("credit_assets.defs.features.assets", {"models", "monitoring", "serving"}),
    ],
)
def test_a_stage_is_versioned_on_its_own_code(module: str, unrelated: set[str]) -> None:
    """An asset's code version covers every project module it imports, the shared resources'
    imports included: were the lake to import modelling code, a change to a model would make
    the raw tables stale and re-ingest them."""
    packages = {p.relative_to(settings.PROJECT_ROOT).parts[1] for p in source_files(module)}
    assert packages & unrelated == set()
