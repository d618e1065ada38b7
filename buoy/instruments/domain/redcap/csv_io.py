"""Reading a REDCap CSV file into rows, with an error that names the broken row and column."""

from __future__ import annotations

import csv
import io
import re

from buoy.instruments.domain.interop_errors import InteropError, not_utf8_reason, undecodable_byte
from buoy.instruments.domain.redcap.header import column_name


def _split_physical_lines(text: str) -> list[str]:
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def read_csv(text: str, source: str) -> list[list[str]]:
    """All rows, or an InteropError naming the row (and column) that cannot be read."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines_read = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            row_number = len(rows) + 1
            column = _column_of_broken_row(text, lines_read, rows[0] if rows else [])
            if "unexpected end of data" in str(error) or "EOF" in str(error):
                reason = (
                    "a quoted value is not closed before the file ends: the file looks cut "
                    "short (export it again)"
                )
            elif "expected after" in str(error):
                reason = 'a quote inside a quoted value is not doubled ("")'
            else:
                reason = f"cannot be read as CSV ({error})"
            raise InteropError(source, row_number, column, reason) from None
        lines_read = reader.line_num
        rows.append(row)
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise InteropError(source, None, None, "holds no rows")
    header = rows[0]
    for number, row in enumerate(rows, start=1):
        for index, cell in enumerate(row):
            byte = undecodable_byte(cell)
            if byte is not None:
                name = column_name(header[index]) if index < len(header) and number > 1 else None
                raise InteropError(source, number, name, not_utf8_reason(byte))
    return rows


def _column_of_broken_row(text: str, lines_read: int, header: list[str]) -> str | None:
    """Which column the unreadable row broke in, by re-reading it leniently."""
    rest = "".join(_split_physical_lines(text)[lines_read:])
    try:
        partial = next(csv.reader(io.StringIO(rest, newline="")))
    except (csv.Error, StopIteration):
        return None
    index = len(partial) - 1
    return column_name(header[index]) if 0 <= index < len(header) else None
