"""Result tables of the coding queries, and their CSV and XLSX files."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook

Cell = str | int | float | None

# A cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    """A titled grid: one header row, then rows of plain values."""

    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)

    def column(self, header: str) -> list[Cell]:
        """The values under one header."""
        index = self.headers.index(header)
        return [row[index] for row in self.rows]


def _safe(value: Cell) -> Cell:
    # Spreadsheet formula injection: text that looks like a formula is kept as text.
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    """UTF-8 CSV with a byte-order mark (so spreadsheet programs read Chinese correctly)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_safe(h) for h in table.headers])
    for row in table.rows:
        writer.writerow(["" if cell is None else _safe(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """One worksheet per table, headers in bold-free first row, numbers kept as numbers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        name = "".join(ch for ch in table.title if ch not in "[]:*?/\\")[:31] or "Sheet"
        base, n = name, 2
        while name in used:
            name = f"{base[:28]}-{n}"
            n += 1
        used.add(name)
        sheet = workbook.create_sheet(name)
        sheet.append([_safe(h) for h in table.headers])
        for row in table.rows:
            sheet.append([_safe(cell) for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
