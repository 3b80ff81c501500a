"""Errors for bad input: each names the file, row, column and what was expected."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Raised when an input file cannot be used as it is.

    The message always names the file and, where they apply, the spreadsheet
    row (1-based, as a spreadsheet shows it: header rows count), the column
    and what was expected, so the researcher can open the file and fix it.
    """

    def __init__(
        self,
        path: str | Path | None,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        found: object = None,
    ) -> None:
        self.path = None if path is None else Path(path)
        self.problem = problem
        self.row = row
        self.column = column
        self.expected = expected
        self.found = found
        parts = [f"{self.path.name if self.path else '<input>'}"]
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column {column!r}")
        message = ", ".join(parts) + f": {problem}"
        if found is not None:
            message += f"; found {found!r}"
        if expected is not None:
            message += f"; expected {expected}"
        super().__init__(message)
