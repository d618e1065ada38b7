"""Reading a `buoy stats` CSV file: the header, the rows, and errors that name where.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is
row 2. Blank lines are skipped. A bad file raises `InputError`, whose text is the one line the
command prints before it exits 2.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass

SNIFF_BYTES = 8192


class InputError(Exception):
    """A file, row or field the command cannot use; str() is the line to print."""


@dataclass(frozen=True)
class Table:
    """A CSV file's header and data rows, each row with its spreadsheet row number."""

    name: str  # the file as the user named it (``-`` for standard input)
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]

    def where(self, row: int, column: str | None = None) -> str:
        """``FILE row 3, column weight`` for messages."""
        return f"{self.name} row {row}" + ("" if column is None else f", column {column}")

    def require(self, columns: Sequence[str]) -> None:
        """InputError unless every column in `columns` is in the header."""
        missing = [c for c in columns if c not in self.header]
        if missing:
            have = ", ".join(self.header) or "none"
            raise InputError(
                f"{self.name}: no column {', '.join(missing)} in the header (the columns: {have})"
            )


def read_table(path: str) -> Table:
    """The CSV file at `path` (``-``: standard input), UTF-8 with or without a BOM."""
    if path == "-":
        text = sys.stdin.read()
    else:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise InputError(f"cannot read {path}: {error.strerror or error}") from None
        if b"\x00" in data[:SNIFF_BYTES]:
            raise InputError(f"{path} is not a CSV file (it looks binary)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InputError(
                f"{path} is not UTF-8 text (byte {error.start + 1}); save it as UTF-8 CSV"
            ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header: tuple[str, ...] | None = None
        rows: list[tuple[int, dict[str, str]]] = []
        number = 0
        for fields in reader:
            number += 1
            if not fields or all(not cell.strip() for cell in fields):
                continue
            if header is None:
                header = tuple(cell.strip() for cell in fields)
                _check_header(path, header)
                continue
            if len(fields) != len(header):
                raise InputError(
                    f"{path} row {number}: {len(fields)} fields, the header has {len(header)}"
                )
            rows.append((number, dict(zip(header, (c.strip() for c in fields), strict=True))))
    except csv.Error as error:
        raise InputError(f"{path} row {number + 1}: not valid CSV ({error})") from None
    if header is None:
        raise InputError(f"{path}: the file is empty (no header row)")
    return Table(name=path, header=header, rows=tuple(rows))


def _check_header(path: str, header: tuple[str, ...]) -> None:
    seen: set[str] = set()
    for column in header:
        if not column:
            raise InputError(f"{path} row 1: a column has no name")
        if column in seen:
            raise InputError(f"{path} row 1: column {column} appears twice")
        seen.add(column)
