"""Scoring CSV text from one stream into another: `score_csv` and `score_text`."""

from __future__ import annotations

import csv
import io
from typing import IO, Any

from buoy.instruments.domain.batch.plan import Plan
from buoy.instruments.domain.batch.results import BatchError, BatchSummary
from buoy.instruments.domain.definition import Instrument
from buoy.instruments.domain.scoring import compile_instrument

FORMATS = ("csv", "json")


def score_csv(
    instrument: Instrument,
    source: IO[str],
    sink: IO[str],
    *,
    fmt: str = "csv",
    id_column: str | None = None,
) -> BatchSummary:
    """Score every row of `source` (CSV text) into `sink`; BatchError if it cannot be read.

    `source` should be opened with ``newline=""`` (as the csv module asks), so that a quoted
    field may hold a line break.
    """
    if fmt not in FORMATS:
        raise BatchError(f"unknown format {fmt!r} (use csv or json)")
    lines = iter(source)
    header_reader = csv.reader(lines)  # reads exactly the header's line(s) from `lines`
    try:
        try:
            header = next(header_reader)
        except StopIteration:
            raise BatchError("the file is empty (no header row)") from None
    except UnicodeDecodeError:
        raise BatchError("the file is not UTF-8 text") from None
    except csv.Error as error:
        raise BatchError(f"line 1: not readable as CSV ({error})") from None
    plan = Plan(compile_instrument(instrument), header, id_column)
    if fmt == "csv":
        return plan.run_csv(lines, sink)
    return plan.run_json(lines, sink)


def score_text(instrument: Instrument, text: str, **options: Any) -> str:
    """Score CSV text held in memory and return the output text (handy in tests and docs)."""
    sink = io.StringIO()
    score_csv(instrument, io.StringIO(text, newline=""), sink, **options)
    return sink.getvalue()
