"""One output row: its outcome after the passthrough columns, and how it is written."""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


def getter(indices: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """itemgetter that always returns a tuple (itemgetter(i) alone returns the item)."""
    if not indices:
        return lambda row: ()
    if len(indices) == 1:
        index = indices[0]
        return lambda row: (row[index],)
    return operator.itemgetter(*indices)


@dataclass(frozen=True)
class Outcome:
    """What the output says of a row after its passthrough columns."""

    numbers: tuple[float | None, ...]  # total, subscales, profiles
    status: str
    error: str
    alerts: str  # safety rule ids joined by ";"

    def json_values(self) -> list[Any]:
        return [None if n is None else json_number(n) for n in self.numbers] + [
            self.status,
            self.error,
        ]


_LINE_BUFFER = io.StringIO()
_LINE_WRITER = csv.writer(_LINE_BUFFER, lineterminator="\n")


def csv_line(values: Sequence[Any]) -> str:
    """One CSV line (with its line end) for `values`, quoted as the csv module quotes."""
    _LINE_BUFFER.seek(0)
    _LINE_BUFFER.truncate()
    _LINE_WRITER.writerow(values)
    return _LINE_BUFFER.getvalue()


def json_number(value: float | int) -> float | int:
    """A number as the JSON output writes it: ``23``, not ``23.0``."""
    return int(value) if value == int(value) and abs(value) < 1e15 else value
