"""The one exception ingestion raises, naming the file, column and row at fault."""

from __future__ import annotations


class IngestionError(Exception):
    """A Kaggle table could not be ingested.

    Attributes:
        file: The file at fault as a person would find it (``bureau.csv in data.zip``).
        reason: What is wrong, in plain words.
        column: The column at fault, when one is.
        row: The 1-based data row at fault (0 is the header; file line = row + 1), when known.
    """

    def __init__(
        self, file: str, reason: str, *, column: str | None = None, row: int | None = None
    ) -> None:
        self.file = file
        self.reason = reason
        self.column = column
        self.row = row
        super().__init__(self._message())

    def _message(self) -> str:
        where = [self.file]
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.row == 0:
            where.append("header (line 1)")
        elif self.row is not None:
            where.append(f"row {self.row} (line {self.row + 1})")
        return f"{', '.join(where)}: {self.reason}"

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments need help to survive pickling across Dagster's subprocesses.
        return (_rebuild, (self.file, self.reason, self.column, self.row))


def _rebuild(file: str, reason: str, column: str | None, row: int | None) -> IngestionError:
    return IngestionError(file, reason, column=column, row=row)
