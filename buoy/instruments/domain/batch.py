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

Speed (docs/performance.md): a row goes one of two ways, with the same result.

* The fast way, for a line with no quote character whose item cells are all known answers
  (or blank): the line is split on commas, each chunk of up to five item cells is looked up
  as a tuple in a table that gives one integer packing what those items add to every output
  number (see `_Plan._build_tables`), the chunks' integers are added, and the sum is looked
  up in a table of ready-made output text. No csv module, no per-item Python code.
* The general way, for anything else (quoted fields, a refused answer, an unusual spelling
  such as " 3" or "3.0", too few items to score, a ragged row): csv parsing and
  `scoring.CompiledInstrument.score`, with its item-level messages.

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
        self.scale_texts: dict[tuple[int, int, int], tuple[str, str]] = {}
        self.text_chunks: list[tuple[Callable[[str], str], dict[str, int]]] = []
        self.after_items: Callable[[str], str] | None = None
        self._build_tables()

    # --- tables ------------------------------------------------------------------------------

    def _build_tables(self) -> None:
        """Per item column: answer text → one integer packing what the answer adds.

        The integer has bit fields, each as wide as the largest total it can reach (so adding
        the integers of several items adds every field at once, with no carry between
        fields). Per scale (the total, each subscale, each item group) one field holds the
        accumulated score (a sum, or a count of scores above 0 for a count rule) and one the
        number of items answered; then one 0/1 field per safety rule. A blank cell adds 0 to
        everything. The sum over a row's items determines the whole output except, for an
        invalid row, which items were missing, which is read from the row itself.

        Chunks of up to five item columns (5 options and a blank give at most 6**5 = 7,776
        cell tuples per chunk) map a tuple of cells to the sum of their integers. An
        instrument whose item scores are not whole numbers ≥ 0, or that weighs items by
        fractions, has no tables: every row goes the general way.
        """
        compiled = self.compiled
        self.fast = False
        self.chunks: list[tuple[Callable[[Sequence[str]], tuple[str, ...]], dict[Any, int]]] = []
        self.chunk_members: list[list[int]] = []
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
        n_fields = 2 * len(self.scales) + len(self.safety)
        contributions: list[dict[str, list[int]]] = []
        for name in self.item_names:
            item = compiled.items[name]
            table: dict[str, list[int]] = {"": [0] * n_fields}
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
        self.packed_items = [
            {
                key: sum(v << self.fields[f][0] for f, v in enumerate(parts))
                for key, parts in table.items()
            }
            for table in contributions
        ]
        for start in range(0, len(self.item_positions), 5):
            chunk = list(range(start, min(start + 5, len(self.item_positions))))
            # filled now with every combination of one-character answers and blanks (at most
            # 11**5 for answers 0-9), the rest on first use
            short = [
                [(k, v) for k, v in self.packed_items[m].items() if len(k) <= 1] for m in chunk
            ]
            cache: dict[Any, int] = {}
            if math.prod(map(len, short)) <= _TEXT_TABLE_LIMIT:
                for combination in itertools.product(*short):
                    cells, contributions_ = zip(*combination, strict=True)
                    cache[cells] = sum(contributions_)
            self.chunks.append((_getter([self.item_positions[k] for k in chunk]), cache))
            self.chunk_members.append(chunk)
        self.fast = True
        self._build_text_tables()

    def _build_text_tables(self) -> None:
        """Tables keyed by slices of the line, for the usual layout: the id, then every item
        column in a row, then any other columns, with one-character answers (0-9).

        After the id and its comma, chunk c of the items is the fixed slice [10c, 10c + 10)
        of the line ("3,2,2,3,2," with its trailing comma; the last chunk ends at the line's
        end when no column follows), so it is looked up without splitting the line. A blank
        or longer cell shifts the slices and misses every table: that row goes by fields.
        """
        n = len(self.item_positions)
        if self.item_positions != list(range(1, n + 1)) or self.passthrough[0] != 0:
            return
        singles = [{k: v for k, v in t.items() if len(k) == 1} for t in self.packed_items]
        followed = self.width > n + 1  # other columns after the items
        chunks: list[tuple[Callable[[str], str], dict[str, int]]] = []
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
        self.text_chunks = chunks
        if followed:  # ",ward-a": from the comma after the last item
            self.after_items = operator.itemgetter(slice(2 * n - 1, None))

    def _packed(self, row: Sequence[str]) -> int | None:
        """The row's packed integer, filling the chunk tables; None if a cell is not known."""
        packed = 0
        for (get, cache), members in zip(self.chunks, self.chunk_members, strict=True):
            key = get(row)
            part = cache.get(key)
            if part is None:
                part = 0
                for k, cell in zip(members, key, strict=True):
                    found = self.packed_items[k].get(cell)
                    if found is None:
                        return None
                    part += found
                if len(cache) < _TABLE_LIMIT:
                    cache[key] = part
            packed += part
        return packed

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

    def _csv_tail(self, packed: int, row: Sequence[str]) -> tuple[str, str]:
        """(status, output after the passthrough) for a row of known-or-blank cells; the
        same text as `_outcome` gives, built from per-scale pieces kept once computed."""
        fields = [(packed >> offset) & mask for offset, mask in self.fields]
        pieces = self.scale_texts
        texts: list[str] = []
        status = VALID
        for s, (_, rule) in enumerate(self.scales):
            key = (s, fields[2 * s], fields[2 * s + 1])
            found = pieces.get(key)
            if found is None:
                accumulated, answered = key[1], key[2]
                if rule is None:
                    found = (format_number(accumulated / answered) if answered else "", VALID)
                else:
                    result = rule.finish(accumulated, answered, ())
                    found = ("" if result[1] is None else format_number(result[1]), result[0])
                if len(pieces) < _TABLE_LIMIT:
                    pieces[key] = found
            texts.append(found[0])
            if s == 0:
                status = found[1]
        if self.has_alerts:
            first = 2 * len(self.scales)
            alerts = ";".join(r.id for k, r in enumerate(self.safety) if fields[first + k])
        if status != INVALID:
            texts += [status, ""]
            if self.has_alerts:
                texts.append(alerts)
            return status, "," + ",".join(texts) + "\n"
        return status, "," + _csv_line(
            self._invalid_values(fields, row, alerts=alerts if self.has_alerts else None)
        )

    def _invalid_values(
        self, fields: list[int], row: Sequence[str], *, alerts: str | None
    ) -> list[str]:
        rule = self.scales[0][1]
        assert rule is not None
        blank = {
            name
            for name, position in zip(self.item_names, self.item_positions, strict=True)
            if row[position] == ""
        }
        missing = tuple(i for i in rule.items if i in blank)
        error = rule.finish(fields[0], fields[1], missing)[3]
        values = [""] * len(self.scales) + [INVALID, error]
        return values if alerts is None else [*values, alerts]

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
        # packed -> output after the passthrough (not invalid rows); kept on the plan for tests
        tails: dict[int, str] = {}
        self.csv_tails = tails
        line_number = 1

        def tail_of(outcome: _Outcome) -> str:
            values: list[Any] = ["" if n is None else format_number(n) for n in outcome.numbers]
            values += [outcome.status, outcome.error]
            if has_alerts:
                values.append(outcome.alerts)
            return "," + _csv_line(values)

        prorated_keys: set[int] = set()  # the keys of `tails` whose rows are prorated

        def slow(line: str, rest: Iterator[str]) -> str:
            """A line the fast way does not take: parse it properly, score it fully; the
            output line ("" for a blank line)."""
            quoted = '"' in line
            if quoted:  # a quoted record may span lines: let the csv module read it
                row = next(csv.reader(itertools.chain([line], rest)), [])
            else:
                row = line.rstrip("\r\n").split(",")
            if row == [] or row == [""]:
                return ""  # a blank line
            packed = self._packed(row) if self.fast and len(row) == width else None
            return finish(row, packed, quoted)

        def finish(row: list[str], packed: int | None, quoted: bool) -> str:
            """The output line for a parsed row and its packed integer (None: not known)."""
            if packed is None:
                outcome, passthrough = self._general(row)
                status, tail = outcome.status, tail_of(outcome)
            else:
                passthrough = [row[i] for i in self.passthrough]
                tail = tails.get(packed, "")
                status = PRORATED if packed in prorated_keys else VALID
                if not tail:
                    status, tail = self._csv_tail(packed, row)
                    # an invalid row's error names its own missing items: not shared
                    if status != INVALID and len(tails) < _TABLE_LIMIT:
                        tails[packed] = tail
                        if status == PRORATED:
                            prorated_keys.add(packed)
            counts[status] += 1
            if quoted:
                return _csv_line(passthrough)[:-1] + tail
            return ",".join(passthrough) + tail

        chunks = self.chunks if self.fast else []
        # A chunk's cells not in its table give MISS, so negative that no sum with it is a
        # key of `tails` (packed integers are ≥ 0 and below 2**bits).
        miss = -(1 << (self.bits + 8)) if chunks else 0
        misses = itertools.repeat(miss)
        rstrip = str.rstrip
        split = str.split
        add = operator.add
        pass_get = _getter(self.passthrough)
        single_pass = operator.itemgetter(self.passthrough[0])
        join = ",".join
        blank_row = [""] * width
        line_ends = itertools.repeat("\r\n")
        commas = itertools.repeat(",")

        def by_fields(batch: list[str]) -> list[str]:
            """The fast way for any layout, a batch at a time, every step a C-level map:
            split each line, look each chunk of item cells up, add the chunks' packed
            integers, look the sum's output text up, and prefix the passthrough."""
            rows = list(map(split, map(rstrip, batch, line_ends), commas))
            ragged = set()
            if any(map(width.__ne__, map(len, rows))):
                # a row with too few or too many fields: looked up as a blank row here
                # (which is never in `tails`), then written the slow way
                for k, row in enumerate(rows):
                    if len(row) != width:
                        rows[k] = blank_row
                        ragged.add(k)
            packed = list(map(chunks[0][1].get, map(chunks[0][0], rows), misses))
            for get, table in chunks[1:]:
                packed = list(map(add, packed, map(table.get, map(get, rows), misses)))
            found = list(map(tails.get, packed))
            # rows of known prorated sums took the fast way too: count them as prorated
            moved = sum(map(prorated_keys.__contains__, packed)) if prorated_keys else 0
            if len(self.passthrough) == 1:
                prefixes = list(map(single_pass, rows))
            else:
                prefixes = list(map(join, map(pass_get, rows)))
            fast = len(batch)
            if ragged or None in found:
                for k, tail in enumerate(found):
                    if tail is None or k in ragged:
                        if k in ragged or packed[k] < 0:  # not every cell is known
                            found[k] = slow(batch[k], iter(()))  # counts the row itself
                        else:  # known cells, not yet in `tails` (or invalid)
                            found[k] = finish(rows[k], packed[k], False)
                        prefixes[k] = ""
                        fast -= 1
            counts[VALID] += fast - moved
            counts[PRORATED] += moved
            return list(map(add, prefixes, found))

        by_text = self.text_chunks
        commas_after = width - 1 - len(self.item_positions)  # in ",ward-a,…" after the items
        count = str.count
        partition = str.partition
        second = operator.itemgetter(2)
        first = operator.itemgetter(0)
        after_items = self.after_items

        def by_text_slices(batch: list[str]) -> list[str]:
            """The fast way for the usual layout (id, then the items, then other columns)
            with one-character answers: each chunk of item cells is a fixed slice of the
            line after the id, looked up as text; no splitting. Other rows: by_fields."""
            lines = list(map(rstrip, batch, line_ends))
            parts = list(map(partition, lines, commas))
            rests = list(map(second, parts))
            (get, table), *others = by_text
            packed = list(map(table.get, map(get, rests), misses))
            for get, table in others:
                packed = list(map(add, packed, map(table.get, map(get, rests), misses)))
            found = list(map(tails.get, packed))
            if after_items is None:
                # a row with more or fewer fields misses the last chunk's table
                prefixes = list(map(first, parts))
            else:
                suffixes = list(map(after_items, rests))
                prefixes = list(map(add, map(first, parts), suffixes))
                if any(map(commas_after.__ne__, map(count, suffixes, commas))):
                    for k, suffix in enumerate(suffixes):  # more fields than the header
                        if suffix.count(",") != commas_after:
                            found[k] = None
            redo: list[int] = []
            if None in found:
                redo = [k for k, tail in enumerate(found) if tail is None]
                for k, text in zip(redo, by_fields([batch[k] for k in redo]), strict=True):
                    found[k] = text  # by_fields counted these rows
                    prefixes[k] = ""
            counts[VALID] += len(batch) - len(redo)  # found here: complete, hence valid
            return list(map(add, prefixes, found))

        try:
            while True:
                batch = list(itertools.islice(lines, _BATCH_LINES))
                if not batch:
                    break
                line_number += len(batch)
                if not chunks or '"' in "".join(batch):
                    # Quoted fields (which may span lines), or no tables: line by line.
                    rest = iter(batch)
                    more = itertools.chain(rest, lines)
                    sink.write("".join([slow(line, more) for line in rest]))
                elif by_text:
                    sink.write("".join(by_text_slices(batch)))
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
