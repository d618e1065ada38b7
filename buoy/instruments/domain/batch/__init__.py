"""Batch scoring of a CSV file without a database: `buoy score INSTRUMENT FILE.csv`.

Input: a header row, an id column (the first column unless ``--id-column`` names another) and
one column per item, named by the item ids (``item1`` … ``item10`` for CD-RISC-10). A blank
cell is a missing answer. Every other column passes through unchanged.

Output, in this order: the id column, the other non-item columns as they came, ``total``, a
``subscale_<id>`` column per subscale the authors define (MSPSS), a ``profile_<id>`` column per
item group (CD-RISC-10's three abilities), ``status`` (``valid``, ``prorated`` or ``invalid``),
``error`` (for an invalid row: which items and why), and ``alerts`` (the safety rules
triggered, for instruments that have any, e.g. PHQ-9). Numbers are unrounded: ``23`` or
``24.285714285714285``; an empty cell when there is none. ``--format json`` writes JSON Lines
instead: one object per row with the same keys, numbers as numbers and null for none.

The file is streamed: one row is read, scored and written at a time, so memory does not grow
with the file. Exit status 0 when the file was read, even with invalid rows; 2 with a one-line
reason when it cannot be read as that instrument (missing item columns, not UTF-8 text, binary,
unknown instrument). With ``-o`` the output is written to a temporary file beside it and moved
into place only when the whole input was read, so a failed run leaves no half-written file.

Blank lines are skipped. A row with more or fewer fields than the header is an invalid row
("the row has 9 fields; the header has 12"), not a reason to stop.

Speed (docs/performance.md): a row goes one of three ways, with the same result.

* The fast way, for a row whose item cells are all known answers or blank: each cell maps
  to one integer packing what it adds to every output number, including a "missing" bit
  per item for a blank (see `tables.PackedTables._build_tables`); the row's integers are
  added, a batch of rows at a time, and the sum is looked up in a table of ready-made output
  text. A sum not seen yet (a prorated or invalid row, mostly) gets its text from per-scale
  tables, and an invalid row's text (its error names the missing items) from its pattern of
  blanks. No csv module, no per-item Python code.
* Refused answers (out of range, not a number): the row is invalid with an item-level
  message per refused cell, kept by the refused cells' texts.
* The general way, for anything else (an unusual spelling such as " 3", a ragged row):
  `scoring.CompiledInstrument.score`, with its messages.

A line with a quote character is parsed by the csv module (a quoted field may hold commas
and line breaks), then goes whichever of these ways its cells call for.

Every table is filled on first use and capped in size, so memory stays bounded whatever the
input.

The package: ``command`` (`run`, the files), ``stream`` (`score_csv`, `score_text`), ``plan``
(the columns, the general way, JSON out), ``csv_run`` (CSV out: the hot loop), ``tables``
(the packed-integer tables), ``rows`` (an output row), ``results`` (`BatchError`,
`BatchSummary`) and ``limits`` (the caps on memory).
"""

from __future__ import annotations

from buoy.instruments.domain.batch.command import SNIFF_BYTES, resolve_instrument, run
from buoy.instruments.domain.batch.results import BatchError, BatchSummary
from buoy.instruments.domain.batch.stream import FORMATS, score_csv, score_text

__all__ = [
    "FORMATS",
    "SNIFF_BYTES",
    "BatchError",
    "BatchSummary",
    "resolve_instrument",
    "run",
    "score_csv",
    "score_text",
]
