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
  per item for a blank (see `_Plan._build_tables`); the row's integers are added, a batch
  of rows at a time, and the sum is looked up in a table of ready-made output text. A sum
  not seen yet (a prorated or invalid row, mostly) gets its text from per-scale tables,
  and an invalid row's text (its error names the missing items) from its pattern of
  blanks. No csv module, no per-item Python code.
* Refused answers (out of range, not a number): the row is invalid with an item-level
  message per refused cell, kept by the refused cells' texts.
* The general way, for anything else (an unusual spelling such as " 3", a ragged row):
  `scoring.CompiledInstrument.score`, with its messages.

A line with a quote character is parsed by the csv module (a quoted field may hold commas
and line breaks), then goes whichever of these ways its cells call for.

Every table is filled on first use and capped in size, so memory stays bounded whatever the
input.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import math
import operator
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from buoy.instruments.domain.definition import (
    DefinitionError,
    Instrument,
    load_instrument_file,
)
from buoy.instruments.domain.library import UnknownInstrument, bundled_instrument
from buoy.instruments.domain.scoring import (
    INVALID,
    PRORATED,
    VALID,
    CompiledInstrument,
    CompiledRule,
    ScoreResult,
    compile_instrument,
    format_number,
)

FORMATS = ("csv", "json")
SNIFF_BYTES = 8192
_TABLE_LIMIT = 65_536  # entries per lookup table: bounds memory whatever the input
_BATCH_LINES = 1024  # lines read, scored and written together
_TEXT_TABLE_LIMIT = 20_000  # answer combinations per chunk for the text-slice tables
_KEPT_CELL_LIMIT = 64  # characters of refused answers in a row beyond which none is kept


class BatchError(Exception):
    """The input cannot be read as this instrument; the message is one line for the user."""


@dataclass
class BatchSummary:
    """How many rows were read, by status."""

    rows: int = 0
    valid: int = 0
    prorated: int = 0
    invalid: int = 0

    def line(self) -> str:
        return (
            f"scored {self.rows:,} rows: {self.valid:,} valid, {self.prorated:,} prorated, "
            f"{self.invalid:,} invalid"
        )


def resolve_instrument(name: str) -> Instrument:
    """A bundled id (``cdrisc10``) or the path of a native .json definition."""
    if name.endswith(".json") or os.sep in name or Path(name).is_file():
        try:
            return load_instrument_file(name)
        except DefinitionError as error:
            raise BatchError(f"instrument definition {error}") from None
    try:
        return bundled_instrument(name)
    except UnknownInstrument as error:
        raise BatchError(str(error)) from None


def run(
    instrument: str,
    input_path: str,
    output_path: str | None = None,
    *,
    fmt: str = "csv",
    id_column: str | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """The `buoy score` command: 0 when the file was read, 2 with a reason on stderr if not."""
    err = stderr if stderr is not None else sys.stderr
    try:
        definition = resolve_instrument(instrument)
        if input_path == "-":
            summary = _score_to(definition, sys.stdin, output_path, fmt, id_column, stdout)
        else:
            _refuse_binary(input_path)
            with _open_text(input_path) as source:
                summary = _score_to(definition, source, output_path, fmt, id_column, stdout)
    except BatchError as error:
        print(f"buoy score: {error}", file=err)
        return 2
    print(f"buoy score: {summary.line()}", file=err)
    return 0


def _score_to(
    instrument: Instrument,
    source: IO[str],
    output_path: str | None,
    fmt: str,
    id_column: str | None,
    stdout: IO[str] | None,
) -> BatchSummary:
    if output_path is None or output_path == "-":
        sink = stdout if stdout is not None else sys.stdout
        return score_csv(instrument, source, sink, fmt=fmt, id_column=id_column)
    target = Path(output_path)
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (moved into place below)
            "w",
            encoding="utf-8",
            newline="",
            dir=target.parent,
            prefix=f".{target.name}.",
            suffix=".part",
            delete=False,
        )
    except OSError as error:
        raise BatchError(f"cannot write {output_path}: {error.strerror or error}") from None
    try:
        with handle:
            summary = score_csv(instrument, source, handle, fmt=fmt, id_column=id_column)
        os.replace(handle.name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise
    return summary


def _refuse_binary(path: str) -> None:
    try:
        with open(path, "rb") as probe:
            head = probe.read(SNIFF_BYTES)
    except OSError as error:
        raise BatchError(f"cannot read {path}: {error.strerror or error}") from None
    if b"\x00" in head:
        raise BatchError(f"{path} is not a CSV file (it looks binary)")


@contextlib.contextmanager
def _open_text(path: str) -> Iterator[IO[str]]:
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as error:
        raise BatchError(f"cannot read {path}: {error.strerror or error}") from None
    with handle:
        yield handle


# --- the streaming scorer -------------------------------------------------------------------


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
    plan = _Plan(compile_instrument(instrument), header, id_column)
    if fmt == "csv":
        return plan.run_csv(lines, sink)
    return plan.run_json(lines, sink)


def _getter(indices: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """itemgetter that always returns a tuple (itemgetter(i) alone returns the item)."""
    if not indices:
        return lambda row: ()
    if len(indices) == 1:
        index = indices[0]
        return lambda row: (row[index],)
    return operator.itemgetter(*indices)


@dataclass(frozen=True)
class _Outcome:
    """What the output says of a row after its passthrough columns."""

    numbers: tuple[float | None, ...]  # total, subscales, profiles
    status: str
    error: str
    alerts: str  # safety rule ids joined by ";"

    def json_values(self) -> list[Any]:
        return [None if n is None else _json_number(n) for n in self.numbers] + [
            self.status,
            self.error,
        ]


_LINE_BUFFER = io.StringIO()
_LINE_WRITER = csv.writer(_LINE_BUFFER, lineterminator="\n")


def _csv_line(values: Sequence[Any]) -> str:
    """One CSV line (with its line end) for `values`, quoted as the csv module quotes."""
    _LINE_BUFFER.seek(0)
    _LINE_BUFFER.truncate()
    _LINE_WRITER.writerow(values)
    return _LINE_BUFFER.getvalue()


class _Plan:
    """Where each column is, and the lookup tables that make the common row cheap."""

    def __init__(
        self, compiled: CompiledInstrument, header: list[str], id_column: str | None
    ) -> None:
        self.compiled = compiled
        instrument = compiled.instrument
        names = [name.strip() for name in header]
        if not any(names):
            raise BatchError("the header row is empty")
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise BatchError(f"the column {name!r} appears twice in the header")
            seen.add(name)
        self.width = len(names)
        item_ids = {item.id for item in instrument.items}
        required = [
            item_id for rule in (instrument.total, *instrument.subscales) for item_id in rule.items
        ]
        missing = sorted(set(required) - seen, key=required.index)
        if missing:
            raise BatchError(
                f"not a CSV of {instrument.id} answers: missing item column"
                f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
            )
        if id_column is None:
            id_position = 0
            if names[0] in item_ids:
                raise BatchError(
                    f"the first column, {names[0]!r}, is an item: put an id column first or name "
                    "it with --id-column"
                )
        else:
            if id_column not in seen:
                raise BatchError(f"no column named {id_column!r} for --id-column")
            if id_column in item_ids:
                raise BatchError(f"--id-column {id_column!r} is an item of {instrument.id}")
            id_position = names.index(id_column)
        self.item_positions = [i for i, name in enumerate(names) if name in item_ids]
        self.item_names = [names[i] for i in self.item_positions]
        self.passthrough = [id_position] + [
            i for i, name in enumerate(names) if name not in item_ids and i != id_position
        ]
        number_columns = ["total"]
        number_columns += [f"subscale_{rule.id}" for rule in compiled.subscales]
        number_columns += [f"profile_{group_id}" for group_id, _ in compiled.groups]
        self.has_alerts = bool(compiled.safety)
        tail = ["status", "error"] + (["alerts"] if self.has_alerts else [])
        self.columns = [names[i] for i in self.passthrough] + number_columns + tail
        clash = sorted({names[i] for i in self.passthrough} & set(number_columns + tail))
        if clash:
            raise BatchError(
                f"the input already has a column named {clash[0]!r}, which the output adds; "
                "rename it"
            )
        self.n_numbers = len(number_columns)
        self.outcomes: dict[int, _Outcome] = {}
        # per scale: its pair of fields (accumulated, answered) -> its number as text
        self.scale_texts: list[dict[int, str]] = []
        self.text_chunks: list[tuple[Callable[[str], str], dict[str, int]]] = []
        self.raw_text_chunks: list[tuple[Callable[[str], str], dict[str, int]]] = []
        self.after_items: Callable[[str], str] | None = None
        self.raw_after_items: Callable[[str], str] | None = None
        self._build_tables()

    # --- tables ------------------------------------------------------------------------------

    def _build_tables(self) -> None:
        """Per item column: answer text → one integer packing what the answer adds.

        The integer has bit fields, each as wide as the largest total it can reach (so adding
        the integers of several items adds every field at once, with no carry between
        fields). Per scale (the total, each subscale, each item group) one field holds the
        accumulated score (a sum, or a count of scores above 0 for a count rule) and one the
        number of items answered; then one 0/1 field per safety rule; then one 0/1 "missing"
        field per item column, the only field a blank cell sets. So the sum over a row's items
        determines the whole output, an invalid row's list of missing items included.

        A row is looked up column by column in these small per-item tables (they stay in
        the CPU's cache). An instrument whose item scores are not whole numbers ≥ 0, or that
        weighs items by fractions, has no tables: every row goes the general way.
        """
        compiled = self.compiled
        self.fast = False
        self.chunk_members: list[list[int]] = []  # item columns in fives, for the text tables
        column = {name: k for k, name in enumerate(self.item_names)}
        for rule in (compiled.total, *compiled.subscales):
            if rule.method == "weighted_sum" and any(w != int(w) or w < 0 for w in rule.weights):
                return
        self.scales: list[tuple[frozenset[str], CompiledRule | None]] = [
            (frozenset(rule.items), rule) for rule in (compiled.total, *compiled.subscales)
        ] + [(frozenset(items), None) for _, items in compiled.groups]
        self.safety = [rule for rule in compiled.safety if rule.item in column]
        if len(self.safety) != len(compiled.safety):
            return
        first_missing = 2 * len(self.scales) + len(self.safety)
        n_fields = first_missing + len(self.item_names)
        self.first_missing = first_missing
        contributions: list[dict[str, list[int]]] = []
        for k, name in enumerate(self.item_names):
            item = compiled.items[name]
            table: dict[str, list[int]] = {"": [0] * n_fields}
            table[""][first_missing + k] = 1  # a blank adds only its own "missing" bit
            for key, parsed in item.table.items():
                if not isinstance(key, str):
                    continue
                item_score = parsed.score
                if item_score is None:
                    if item.item.scored:
                        continue  # an option that carries no score: the general way decides
                    item_score = 0.0
                if item_score != int(item_score) or item_score < 0:
                    return
                value = int(item_score)
                parts = [0] * n_fields
                for s, (scale_items, scale_rule) in enumerate(self.scales):
                    if name in scale_items:
                        parts[2 * s + 1] = 1
                        if scale_rule is not None and scale_rule.method == "count":
                            parts[2 * s] = int(value > 0)
                        elif scale_rule is not None and scale_rule.method == "weighted_sum":
                            weight = scale_rule.weights[scale_rule.items.index(name)]
                            parts[2 * s] = value * int(weight)
                        else:
                            parts[2 * s] = value
                for r, safety in enumerate(self.safety):
                    number = parsed.value
                    if name == safety.item and isinstance(number, float) and number > safety.above:
                        parts[2 * len(self.scales) + r] = 1
                table[key] = parts
            contributions.append(table)
        self.fields: list[tuple[int, int]] = []  # (offset, mask)
        offset = 0
        for f in range(n_fields):
            largest = sum(max(parts[f] for parts in table.values()) for table in contributions)
            width = max(largest.bit_length(), 1)
            self.fields.append((offset, (1 << width) - 1))
            offset += width
        self.bits = offset
        self._build_key_layout()
        self.packed_items = [
            {
                key: sum(v << self.fields[f][0] for f, v in enumerate(parts))
                for key, parts in table.items()
            }
            for table in contributions
        ]
        self.item_cells = _getter(self.item_positions)
        for start in range(0, len(self.item_positions), 5):
            self.chunk_members.append(list(range(start, min(start + 5, len(self.item_positions)))))
        self.fast = True
        self._build_text_tables()

    def _build_text_tables(self) -> None:
        """Tables keyed by slices of the line, for the usual layout: the id, then every item
        column in a row, then any other columns, with one-character answers (0-9).

        After the id and its comma, chunk c of the items is the fixed slice [10c, 10c + 10)
        of the line ("3,2,2,3,2," with its trailing comma; the last chunk ends at the line's
        end when no column follows), so it is looked up without splitting the line. A blank
        or longer cell shifts the slices and misses every table: that row goes by fields.
        The `raw_` getters take the line with its "\n" still on (the line end is not
        stripped when every line of a batch ends with a plain "\n").
        """
        n = len(self.item_positions)
        if self.item_positions != list(range(1, n + 1)) or self.passthrough[0] != 0:
            return
        singles = [{k: v for k, v in t.items() if len(k) == 1} for t in self.packed_items]
        followed = self.width > n + 1  # other columns after the items
        chunks: list[tuple[Callable[[str], str], dict[str, int]]] = []
        raw_chunks: list[tuple[Callable[[str], str], dict[str, int]]] = []
        for c, members in enumerate(self.chunk_members):
            answers = [singles[k] for k in members]
            if not all(answers) or math.prod(map(len, answers)) > _TEXT_TABLE_LIMIT:
                return
            last = c == len(self.chunk_members) - 1
            separator = "," if followed or not last else ""
            table: dict[str, int] = {}
            for combination in itertools.product(*(a.items() for a in answers)):
                cells, parts = zip(*combination, strict=True)
                table[",".join(cells) + separator] = sum(parts)
            start = 2 * members[0]
            stop = start + 2 * len(members) if separator else None
            chunks.append((operator.itemgetter(slice(start, stop)), table))
            raw_chunks.append((operator.itemgetter(slice(start, stop or -1)), table))
        self.text_chunks = chunks
        self.raw_text_chunks = raw_chunks
        if followed:  # ",ward-a": from the comma after the last item
            self.after_items = operator.itemgetter(slice(2 * n - 1, None))
            self.raw_after_items = operator.itemgetter(slice(2 * n - 1, -1))

    def _packed(self, row: Sequence[str]) -> int | None:
        """The row's packed integer; None if a cell is not a known answer or blank."""
        values: list[Any] = list(map(dict.get, self.packed_items, self.item_cells(row)))
        return None if None in values else sum(values)

    def _outcome(self, packed: int, row: Sequence[str]) -> _Outcome:
        """The output for a row of known-or-blank cells, from its packed integer."""
        found = self.outcomes.get(packed)
        if found is not None:
            return found
        fields = [(packed >> offset) & mask for offset, mask in self.fields]
        numbers: list[float | None] = []
        status, error = VALID, ""
        for s, (_, rule) in enumerate(self.scales):
            accumulated, answered = fields[2 * s], fields[2 * s + 1]
            if rule is None:
                numbers.append(accumulated / answered if answered else None)
                continue
            missing: tuple[str, ...] = ()
            if answered < rule.min_answered:  # name the missing items: read from the row
                blank = {
                    name
                    for name, position in zip(self.item_names, self.item_positions, strict=True)
                    if row[position] == ""
                }
                missing = tuple(i for i in rule.items if i in blank)
            result = rule.finish(accumulated, answered, missing)
            if s == 0:
                status, error = result[0], result[3]
            numbers.append(result[1])
        if status == INVALID:
            numbers = [None] * len(numbers)
        first = 2 * len(self.scales)
        alerts = ";".join(rule.id for r, rule in enumerate(self.safety) if fields[first + r])
        outcome = _Outcome(tuple(numbers), status, error, alerts)
        if status != INVALID and len(self.outcomes) < _TABLE_LIMIT:
            self.outcomes[packed] = outcome  # an invalid row's error names its own items
        return outcome

    def _build_key_layout(self) -> None:
        """Where each scale's pair of fields sits in the packed integer, and the tables that
        turn a pair into its output text (filled on first use)."""
        fields = self.fields
        n_scales = len(self.scales)
        # (offset, mask) of a scale's accumulated and answered fields taken together
        self.scale_keys: list[tuple[int, int]] = []
        for s in range(n_scales):
            offset = fields[2 * s][0]
            top_offset, top_mask = fields[2 * s + 1]
            self.scale_keys.append(
                (offset, (1 << (top_offset + top_mask.bit_length() - offset)) - 1)
            )
        self.scale_texts = [{} for _ in range(n_scales)]
        self.total_statuses: dict[int, str] = {}
        # the safety fields, then the missing fields: all that an invalid row's output says
        self.high_offset = fields[2 * n_scales][0]
        self.alert_mask = (1 << len(self.safety)) - 1
        self.alert_texts: dict[int, str] = {}
        self.invalid_tails: dict[int, str] = {}
        # (item position, cell) pairs not known to the tables (+ alert bits) -> output text;
        # "" when one of those cells is an accepted answer (the general way decides)
        self.refused_tails: dict[tuple[Any, ...], str] = {}
        self.refusals: dict[tuple[int, str], str | None] = {}
        ends = "\n" if not self.has_alerts else ""
        self.status_cells = {status: f"{status},{ends}" for status in (VALID, PRORATED, INVALID)}

    def _scale_piece(self, s: int, key: int) -> tuple[str, str]:
        """(number text, status) of scale `s` for its pair of fields `key`; kept if room."""
        acc_mask = self.fields[2 * s][1]
        accumulated, answered = key & acc_mask, key >> acc_mask.bit_length()
        rule = self.scales[s][1]
        if rule is None:  # an item group: the mean of its answered items
            text, status = (format_number(accumulated / answered) if answered else ""), VALID
        else:
            result = rule.finish(accumulated, answered, ())
            text = "" if result[1] is None else format_number(result[1])
            status = result[0]
        if len(self.scale_texts[s]) < _TABLE_LIMIT:
            self.scale_texts[s][key] = text
            if s == 0:
                self.total_statuses[key] = status
        return text, status

    def _alert_text(self, key: int) -> str:
        """The alerts cell (with the line end) for the safety fields `key`; kept if room."""
        text = ";".join(rule.id for r, rule in enumerate(self.safety) if key >> r & 1) + "\n"
        if len(self.alert_texts) < _TABLE_LIMIT:
            self.alert_texts[key] = text
        return text

    def _tails(self, packed: list[int]) -> tuple[list[str], list[str]]:
        """Output after the passthrough, and status, for rows of known-or-blank cells given
        their packed integers: per scale one shift, one mask and one look-up, each a C-level
        map over the rows; an invalid row's text comes from its missing and alert bits."""
        n = len(packed)
        rshift, and_, repeat = operator.rshift, operator.and_, itertools.repeat
        columns: list[list[str]] = [[""] * n]  # joined with "," this starts the tail with ","
        statuses: list[Any] = []
        for s, (offset, mask) in enumerate(self.scale_keys):
            keys = list(map(and_, map(rshift, packed, repeat(offset)), repeat(mask)))
            column: list[Any] = list(map(self.scale_texts[s].get, keys))
            if s == 0:
                statuses = list(map(self.total_statuses.get, keys))
                if None in statuses or None in column:
                    for k, status in enumerate(statuses):
                        if status is None or column[k] is None:
                            column[k], statuses[k] = self._scale_piece(0, keys[k])
            elif None in column:
                for k, text in enumerate(column):
                    if text is None:
                        column[k] = self._scale_piece(s, keys[k])[0]
            columns.append(column)
        columns.append(list(map(self.status_cells.__getitem__, statuses)))
        if self.has_alerts:
            keys = list(
                map(and_, map(rshift, packed, repeat(self.high_offset)), repeat(self.alert_mask))
            )
            column = list(map(self.alert_texts.get, keys))
            if None in column:
                column = [
                    self._alert_text(key) if t is None else t
                    for t, key in zip(column, keys, strict=True)
                ]
            columns.append(column)
        tails = list(map(",".join, zip(*columns, strict=True)))
        if INVALID in statuses:
            for k in itertools.compress(range(n), map(INVALID.__eq__, statuses)):
                tails[k] = self._invalid_tail(packed[k])
        return tails, statuses

    def _invalid_tail(self, packed: int) -> str:
        """Output after the passthrough for an invalid row of known-or-blank cells. It
        depends only on the alert and missing bits (the number answered follows from the
        missing bits), so it is kept by those: one text per pattern of blanks."""
        key = packed >> self.high_offset
        tail = self.invalid_tails.get(key)
        if tail is not None:
            return tail
        rule = self.scales[0][1]
        assert rule is not None
        fields = [(packed >> offset) & mask for offset, mask in self.fields]
        first_missing = self.first_missing
        blank = {name for k, name in enumerate(self.item_names) if fields[first_missing + k]}
        missing = tuple(i for i in rule.items if i in blank)
        error = rule.finish(fields[0], fields[1], missing)[3]
        values = [""] * len(self.scales) + [INVALID, error]
        if self.has_alerts:
            values.append(self._alert_text(key & self.alert_mask)[:-1])
        tail = "," + _csv_line(values)
        if len(self.invalid_tails) < _TABLE_LIMIT:
            self.invalid_tails[key] = tail
        return tail

    def _refused_tail(self, row: Sequence[str]) -> str | None:
        """Output after the passthrough for a row whose unknown cells are all refused
        answers (out of range, not a number): invalid, with an item-level message each, as
        `scoring.py` says. None when an unknown cell is accepted after all (" 3"): such a
        row goes the general way."""
        cells = self.item_cells(row)
        known = list(map(dict.get, self.packed_items, cells))
        refused = [
            (k, cell)
            for k, (value, cell) in enumerate(zip(known, cells, strict=True))
            if value is None
        ]
        alert_key = 0
        if self.has_alerts:
            packed = sum(value for value in known if value is not None)
            alert_key = (packed >> self.high_offset) & self.alert_mask
        key = (alert_key, *refused)
        tail = self.refused_tails.get(key)
        if tail is None:
            messages: list[str] = []
            for k, cell in refused:
                message = self._refusal(k, cell)
                if message is None:
                    messages = []
                    break
                messages.append(f"{self.item_names[k]}: {message}")
            tail = ""
            if messages:
                values = [""] * len(self.scales) + [INVALID, "; ".join(messages)]
                if self.has_alerts:
                    values.append(self._alert_text(alert_key)[:-1])
                tail = "," + _csv_line(values)
            short = sum(len(cell) for _, cell in refused) <= _KEPT_CELL_LIMIT
            if short and len(self.refused_tails) < _TABLE_LIMIT:
                self.refused_tails[key] = tail
        return tail or None

    def _refusal(self, k: int, cell: str) -> str | None:
        """Why item column `k` refuses `cell` (scoring.py's message); None if it accepts it."""
        key = (k, cell)
        if key in self.refusals:
            return self.refusals[key]
        parsed = self.compiled.items[self.item_names[k]].parse(cell)
        found = parsed if isinstance(parsed, str) else None
        if len(cell) <= _KEPT_CELL_LIMIT and len(self.refusals) < _TABLE_LIMIT:
            self.refusals[key] = found
        return found

    def _general(self, row: Sequence[str]) -> tuple[_Outcome, list[str]]:
        """The general way: scoring.py's rules and messages. Returns the passthrough too."""
        passthrough = [row[i] if i < len(row) else "" for i in self.passthrough]
        if len(row) != self.width:
            outcome = _Outcome(
                (None,) * self.n_numbers,
                INVALID,
                f"the row has {len(row)} fields; the header has {self.width}",
                "",
            )
            return outcome, passthrough
        result = self.compiled.score(
            {
                name: row[position]
                for name, position in zip(self.item_names, self.item_positions, strict=True)
            }
        )
        outcome = self._from_result(result)
        return outcome, passthrough

    def _from_result(self, result: ScoreResult) -> _Outcome:
        return _Outcome(
            (result.total, *result.subscales.values(), *result.profiles.values()),
            result.status,
            result.error,
            ";".join(rule.id for rule in result.alerts),
        )

    # --- the loops ---------------------------------------------------------------------------

    def run_csv(self, lines: Iterator[str], sink: IO[str]) -> BatchSummary:
        """CSV out. The loop below is the hot path; everything unusual goes to `slow`."""
        sink.write(_csv_line(self.columns))
        width = self.width
        has_alerts = self.has_alerts
        counts = {VALID: 0, PRORATED: 0, INVALID: 0}
        # packed -> output after the passthrough, for valid rows only (a prorated or invalid
        # row is built from its fields' tables instead); kept on the plan for tests
        tails: dict[int, str] = {}
        self.csv_tails = tails
        line_number = 1

        def tail_of(outcome: _Outcome) -> str:
            values: list[Any] = ["" if n is None else format_number(n) for n in outcome.numbers]
            values += [outcome.status, outcome.error]
            if has_alerts:
                values.append(outcome.alerts)
            return "," + _csv_line(values)

        def slow(line: str, rest: Iterator[str]) -> str:
            """A line the fast way does not take: parse it properly and score it, counting
            it; the output line ("" for a blank line)."""
            quoted = '"' in line
            if quoted:  # a quoted record may span lines: let the csv module read it
                row = next(csv.reader(itertools.chain([line], rest)), [])
            else:
                row = line.rstrip("\r\n").split(",")
            if row == [] or row == [""]:
                return ""  # a blank line
            passthrough = [row[i] if i < len(row) else "" for i in self.passthrough]
            status, tail = row_tail(row)
            counts[status] += 1
            if quoted:
                return _csv_line(passthrough)[:-1] + tail
            return ",".join(passthrough) + tail

        def row_tail(row: list[str]) -> tuple[str, str]:
            """(status, output after the passthrough) for one parsed row."""
            if self.fast and len(row) == width:
                packed = self._packed(row)
                if packed is not None:
                    tail = tails.get(packed)
                    if tail is not None:
                        return VALID, tail
                    (tail,), (status,) = self._tails([packed])
                    if status == VALID and len(tails) < _TABLE_LIMIT:
                        tails[packed] = tail
                    return status, tail
                tail = self._refused_tail(row)
                if tail is not None:
                    return INVALID, tail
            outcome, _ = self._general(row)
            return outcome.status, tail_of(outcome)

        fast = self.fast
        # A cell not in its item's table gives MISS, so negative that no sum with it is a
        # key of `tails` (packed integers are ≥ 0 and below 2**bits).
        miss = -(1 << (self.bits + 8)) if fast else 0
        misses = itertools.repeat(miss)
        rstrip = str.rstrip
        split = str.split
        add = operator.add
        pass_get = _getter(self.passthrough)
        single_pass = operator.itemgetter(self.passthrough[0])
        join = ",".join
        blank_row = [""] * width
        tables = self.packed_items if fast else []
        positions = self.item_positions
        line_ends = itertools.repeat("\r\n")
        commas = itertools.repeat(",")

        def by_fields(batch: list[str]) -> list[str]:
            """The fast way for any layout, a batch at a time, every step a C-level map:
            split each line, look each item cell up in its column's table, add the packed
            integers, look the sum's output text up, and prefix the passthrough. Sums not
            seen yet (prorated and invalid rows among them) are built together by `_tails`."""
            rows = list(map(split, map(rstrip, batch, line_ends), commas))
            ragged = set()
            if any(map(width.__ne__, map(len, rows))):
                # a row with too few or too many fields: looked up as a blank row here
                # (which is never in `tails`), then written the slow way
                for k, row in enumerate(rows):
                    if len(row) != width:
                        rows[k] = blank_row
                        ragged.add(k)
            # column by column: each item's table is small enough to stay in the CPU's cache
            columns = list(zip(*rows, strict=True))  # every row has the header's width here
            packed = list(map(tables[0].get, columns[positions[0]], misses))
            for table, position in zip(tables[1:], positions[1:], strict=True):
                packed = list(map(add, packed, map(table.get, columns[position], misses)))
            found = list(map(tails.get, packed))
            if len(self.passthrough) == 1:
                prefixes = list(map(single_pass, rows))
            else:
                prefixes = list(map(join, map(pass_get, rows)))
            hits = len(batch)
            if None in found:  # a ragged row is too: a blank row is never valid
                redo = [k for k, tail in enumerate(found) if tail is None]
                hits -= len(redo)
                fresh = [k for k in redo if packed[k] >= 0 and k not in ragged]
                if len(fresh) < len(redo):
                    for k in redo:
                        if k in ragged:
                            found[k] = slow(batch[k], iter(()))  # counts the row itself
                            prefixes[k] = ""
                        elif packed[k] < 0:  # not every cell is a known answer or blank
                            status, found[k] = row_tail(rows[k])
                            counts[status] += 1
                if fresh:  # known-or-blank cells, sums not in `tails`
                    new_tails, statuses = self._tails([packed[k] for k in fresh])
                    for k, tail in zip(fresh, new_tails, strict=True):
                        found[k] = tail
                    for status in (VALID, PRORATED, INVALID):
                        counts[status] += statuses.count(status)
                    if VALID in statuses:
                        for k, tail, status in zip(fresh, new_tails, statuses, strict=True):
                            if status == VALID and len(tails) < _TABLE_LIMIT:
                                tails[packed[k]] = tail
            counts[VALID] += hits  # `tails` holds valid rows only
            return list(map(add, prefixes, found))

        commas_after = width - 1 - len(self.item_positions)  # in ",ward-a,…" after the items
        count = str.count
        partition = str.partition
        second = operator.itemgetter(2)
        first = operator.itemgetter(0)
        concat = "".join
        no_suffixes = itertools.repeat("")

        def by_text_slices(batch: list[str], raw: bool) -> list[str]:
            """The fast way for the usual layout (id, then the items, then other columns)
            with one-character answers: each chunk of item cells is a fixed slice of the
            line after the id, looked up as text; no splitting. Other rows: by_fields.
            `raw`: every line ends with a plain "\n", left on (the raw getters skip it)."""
            if raw:
                lines, by_text, after_items = batch, self.raw_text_chunks, self.raw_after_items
            else:
                lines = list(map(rstrip, batch, line_ends))
                by_text, after_items = self.text_chunks, self.after_items
            parts = list(map(partition, lines, commas))
            rests = list(map(second, parts))
            (get, table), *others = by_text
            packed = list(map(table.get, map(get, rests), misses))
            for get, table in others:
                packed = list(map(add, packed, map(table.get, map(get, rests), misses)))
            found: list[Any] = list(map(tails.get, packed))
            ids = list(map(first, parts))
            redo = [k for k, tail in enumerate(found) if tail is None] if None in found else []
            suffixes: Any = no_suffixes
            if after_items is not None:  # else more or fewer fields miss the last table
                suffixes = list(map(after_items, rests))
                # A found row's suffix starts with the comma after the items, so it has at
                # least one comma: with one column after the items, the found rows' commas
                # adding up to their number means exactly one each (no extra fields).
                if commas_after == 1:
                    found_commas = concat(suffixes).count(",")
                    found_commas -= sum([suffixes[k].count(",") for k in redo])
                    ragged = found_commas != len(batch) - len(redo)
                else:
                    ragged = any(map(commas_after.__ne__, map(count, suffixes, commas)))
                if ragged:
                    for k, suffix in enumerate(suffixes):  # more fields than the header
                        if suffix.count(",") != commas_after and found[k] is not None:
                            found[k] = None
                            redo.append(k)
                    redo.sort()
                for k in redo:
                    suffixes[k] = ""
            if redo:
                for k, text in zip(redo, by_fields([batch[k] for k in redo]), strict=True):
                    found[k] = text  # by_fields counted these rows
                    ids[k] = ""
            counts[VALID] += len(batch) - len(redo)  # found here: complete, hence valid
            return list(map(concat, zip(ids, suffixes, found, strict=False)))

        try:
            while True:
                batch = list(itertools.islice(lines, _BATCH_LINES))
                if not batch:
                    break
                line_number += len(batch)
                text = "".join(batch)
                if not fast or '"' in text:
                    # Quoted fields (which may span lines), or no tables: line by line.
                    rest = iter(batch)
                    more = itertools.chain(rest, lines)
                    sink.write("".join([slow(line, more) for line in rest]))
                elif self.text_chunks:
                    # the line ends can stay on when they are all a plain "\n"
                    raw = "\r" not in text and text.endswith("\n")
                    sink.write("".join(by_text_slices(batch, raw)))
                else:
                    sink.write("".join(by_fields(batch)))
        except UnicodeDecodeError:
            raise BatchError(f"the file is not UTF-8 text (after line {line_number})") from None
        except csv.Error as error:
            raise BatchError(f"after line {line_number}: not readable as CSV ({error})") from None
        return BatchSummary(
            rows=sum(counts.values()),
            valid=counts[VALID],
            prorated=counts[PRORATED],
            invalid=counts[INVALID],
        )

    def run_json(self, lines: Iterator[str], sink: IO[str]) -> BatchSummary:
        """JSON Lines out: one object per row, with the same keys as the CSV's columns."""
        counts = {VALID: 0, PRORATED: 0, INVALID: 0}
        columns = self.columns
        width = self.width
        reader = csv.reader(lines)
        try:
            for row in reader:
                if row == [] or row == [""]:
                    continue
                packed = self._packed(row) if self.fast and len(row) == width else None
                if packed is None:
                    outcome, passthrough = self._general(row)
                else:
                    outcome = self._outcome(packed, row)
                    passthrough = [row[i] for i in self.passthrough]
                counts[outcome.status] += 1
                values = passthrough + outcome.json_values()
                if self.has_alerts:
                    values.append(outcome.alerts)
                sink.write(json.dumps(dict(zip(columns, values, strict=True)), ensure_ascii=False))
                sink.write("\n")
        except UnicodeDecodeError:
            raise BatchError(f"the file is not UTF-8 text (after line {reader.line_num})") from None
        except csv.Error as error:
            raise BatchError(f"line {reader.line_num}: not readable as CSV ({error})") from None
        return BatchSummary(
            rows=sum(counts.values()),
            valid=counts[VALID],
            prorated=counts[PRORATED],
            invalid=counts[INVALID],
        )


def _json_number(value: float | int) -> float | int:
    return int(value) if value == int(value) and abs(value) < 1e15 else value


def score_text(instrument: Instrument, text: str, **options: Any) -> str:
    """Score CSV text held in memory and return the output text (handy in tests and docs)."""
    sink = io.StringIO()
    score_csv(instrument, io.StringIO(text, newline=""), sink, **options)
    return sink.getvalue()
