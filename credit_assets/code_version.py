"""Code versions of the assets: a hash of the project source an asset runs.

Dagster marks an asset stale when its code version differs from the one its last
materialisation recorded, so ``make run`` retrains only after a change that can alter a result.
An asset's source is its module and every ``credit_assets`` module that module imports,
directly or not (found by reading the import statements, not by importing), plus any files it
ships (the Bento's code). A change elsewhere (the CLI, another stage) leaves it fresh.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from credit_assets import settings

PACKAGE = "credit_assets"
DIGITS = 16
"""Hex digits kept: a version is compared for equality, never searched for collisions."""


def module_file(module: str, root: Path = settings.PROJECT_ROOT) -> Path | None:
    """The source file of a project module (``a.b`` is ``a/b.py`` or ``a/b/__init__.py``)."""
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """The ``credit_assets`` modules named by the import statements of one module's source.

    ``from a import b`` names both ``a`` and ``a.b`` (``b`` may be a module or an attribute;
    ``module_file`` later keeps only what exists). Relative imports are resolved against
    ``module``; imports inside functions count too, since they run when the asset does.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == PACKAGE or name.startswith(f"{PACKAGE}.")}


def _with_parents(module: str) -> list[str]:
    # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def source_files(module: str, root: Path = settings.PROJECT_ROOT) -> set[Path]:
    """Every project source file that importing ``module`` reads, the module's own included."""
    files: set[Path] = set()
    pending = [module]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_file(name, root)
        if path is None:
            continue
        files.add(path)
        imports = imported_modules(path.read_text(), name, path.name == "__init__.py")
        pending.extend(parent for found in imports for parent in _with_parents(found))
    return files


def digest(files: Iterable[Path], root: Path = settings.PROJECT_ROOT) -> str:
    """A short SHA-256 of the files' paths (relative to ``root``) and contents, order-free."""
    hasher = hashlib.sha256()
    for path in sorted(set(files)):
        hasher.update(str(path.relative_to(root)).encode())
        hasher.update(b"\0")
        hasher.update(path.read_bytes())
        hasher.update(b"\0")
    return hasher.hexdigest()[:DIGITS]


@cache
def code_version(module: str, *patterns: str) -> str:
    """The code version of the assets defined in ``module``.

    Args:
        module: The dotted name of the module defining the assets (pass ``__name__``).
        *patterns: Glob patterns, relative to the project root, of further files the assets
            depend on without importing them (the code a Bento is built with).

    Returns:
        16 hex digits that change whenever one of those source files does.
    """
    root = settings.PROJECT_ROOT
    files = source_files(module, root)
    files.update(path for pattern in patterns for path in root.glob(pattern) if path.is_file())
    return digest(files, root)
