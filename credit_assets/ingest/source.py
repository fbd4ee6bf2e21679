"""Where the Kaggle tables of a source are, and whether the source is real or synthetic.

A source is a folder of ``<table>.csv`` files (``.csv.gz`` and ``.csv.zip`` work too) or the
Kaggle download ``home-credit-default-risk.zip`` with the CSVs at its top level or in one
subfolder. The synthetic-data generator marks its output with a ``SYNTHETIC.md`` file and a
``_truth/`` folder; anything without them is real data.
"""

from __future__ import annotations

import gzip
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Literal, cast

from credit_assets.ingest.errors import IngestionError
from credit_assets.kaggle import KAGGLE_ZIP, TABLES

SYNTHETIC_MARKER = "SYNTHETIC.md"
TRUTH_FOLDER = "_truth"
SUFFIXES = (".csv", ".csv.gz", ".csv.zip")
SourceKind = Literal["synthetic", "real"]


@dataclass(frozen=True)
class TableFile:
    """The CSV of one table: a file on disk, or a member of the zip at ``path``."""

    table: str
    path: Path
    member: str | None = None

    def __str__(self) -> str:
        return f"{self.member} in {self.path}" if self.member else str(self.path)

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """The CSV bytes, decompressed on the fly (nothing is extracted to disk or memory)."""
        with ExitStack() as stack:
            try:
                if self.member is None:
                    raw: IO[bytes] = stack.enter_context(self.path.open("rb"))
                    name = self.path.name
                else:
                    archive = stack.enter_context(zipfile.ZipFile(self.path))
                    raw = stack.enter_context(archive.open(self.member))
                    name = self.member
                stream = _decompressed(raw, name, stack)
            except (OSError, zipfile.BadZipFile) as err:
                raise IngestionError(str(self), f"cannot open: {err}") from err
            try:
                yield stream
            except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as err:
                raise IngestionError(str(self), f"cannot read or decompress: {err}") from err


def _decompressed(raw: IO[bytes], name: str, stack: ExitStack) -> IO[bytes]:
    lowered = name.lower()
    if lowered.endswith(".gz"):
        return cast(IO[bytes], stack.enter_context(gzip.GzipFile(fileobj=raw)))
    if lowered.endswith(".zip"):
        # A zip member is seekable (slowly), so a zipped CSV inside the Kaggle zip still streams.
        inner = stack.enter_context(zipfile.ZipFile(raw))
        csvs = [n for n in inner.namelist() if n.lower().endswith(".csv")]
        if len(csvs) != 1:
            raise zipfile.BadZipFile(f"expected exactly one .csv inside, found {len(csvs)}")
        return stack.enter_context(inner.open(csvs[0]))
    return raw


@dataclass(frozen=True)
class SourceFiles:
    """The tables found in one source, and its kind."""

    location: Path
    kind: SourceKind
    tables: Mapping[str, TableFile]

    def file(self, table: str) -> TableFile:
        """The file holding ``table``; an ``IngestionError`` when the source has none."""
        if table not in self.tables:
            expected = ", ".join(f"{table}{suffix}" for suffix in SUFFIXES)
            raise IngestionError(f"{table}.csv", f"file not found in {self.location} ({expected})")
        return self.tables[table]


def locate_source(location: Path | str) -> SourceFiles:
    """Find every Kaggle table in a folder or zip.

    Args:
        location: A folder of CSVs, a folder holding the Kaggle zip, or the zip itself.

    Returns:
        The tables found (missing tables are reported by ``SourceFiles.file``) and the kind.

    Raises:
        IngestionError: The location does not exist or is not a readable zip.
    """
    path = Path(location)
    if path.is_dir():
        found = _folder_tables(path)
        if found or not (path / KAGGLE_ZIP).is_file():
            synthetic = (path / TRUTH_FOLDER).is_dir() or (path / SYNTHETIC_MARKER).is_file()
            return SourceFiles(path, "synthetic" if synthetic else "real", found)
        path = path / KAGGLE_ZIP
    if not path.is_file():
        raise IngestionError(str(path), "source not found: expected a folder of CSVs or a zip")
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m.filename for m in archive.infolist() if not m.is_dir()]
    except (OSError, zipfile.BadZipFile) as err:
        raise IngestionError(str(path), f"not a readable zip archive: {err}") from err
    return _zip_source(path, members)


def _folder_tables(folder: Path) -> dict[str, TableFile]:
    by_name = {p.name.lower(): p for p in sorted(folder.iterdir()) if p.is_file()}
    found = {}
    for table in TABLES:
        for suffix in SUFFIXES:
            if (candidate := by_name.get(f"{table}{suffix}".lower())) is not None:
                found[table] = TableFile(table, candidate)
                break
    return found


def _zip_source(path: Path, members: list[str]) -> SourceFiles:
    # The Kaggle zip holds the CSVs at its top level; re-zipped copies often add one folder.
    shallow = [
        PurePosixPath(m) for m in members if m.count("/") <= 1 and not m.startswith("__MACOSX/")
    ]
    found = {}
    for table in TABLES:
        for suffix in SUFFIXES:
            matches = sorted(
                (m for m in shallow if m.name.lower() == f"{table}{suffix}".lower()),
                key=lambda m: len(m.parts),
            )
            if matches:
                found[table] = TableFile(table, path, str(matches[0]))
                break
    synthetic = any(_is_synthetic_marker(PurePosixPath(m)) for m in members)
    return SourceFiles(path, "synthetic" if synthetic else "real", found)


def _is_synthetic_marker(member: PurePosixPath) -> bool:
    top = member.parts[:2]
    return (member.name == SYNTHETIC_MARKER and len(member.parts) <= 2) or TRUTH_FOLDER in top
