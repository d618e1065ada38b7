"""The plan for one input file: where each column is, and the loops that score it."""

from __future__ import annotations

import csv
import itertools
import json
import operator
from collections.abc import Iterator, Sequence
from typing import IO, Any

from buoy.instruments.domain.batch import limits
from buoy.instruments.domain.batch.results import BatchError, BatchSummary
from buoy.instruments.domain.batch.rows import Outcome, csv_line, getter
from buoy.instruments.domain.batch.tables import PackedTables
from buoy.instruments.domain.scoring import (
    INVALID,
    PRORATED,
    VALID,
    CompiledInstrument,
    ScoreResult,
    format_number,
)


class Plan(PackedTables):
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
        self._build_tables()

    def _general(self, row: Sequence[str]) -> tuple[Outcome, list[str]]:
        """The general way: scoring.py's rules and messages. Returns the passthrough too."""
        passthrough = [row[i] if i < len(row) else "" for i in self.passthrough]
        if len(row) != self.width:
            outcome = Outcome(
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

    def _from_result(self, result: ScoreResult) -> Outcome:
        return Outcome(
            (result.total, *result.subscales.values(), *result.profiles.values()),
            result.status,
            result.error,
            ";".join(rule.id for rule in result.alerts),
        )

    # --- the loops ---------------------------------------------------------------------------

    def run_csv(self, lines: Iterator[str], sink: IO[str]) -> BatchSummary:
        """CSV out. The loop below is the hot path; everything unusual goes to `slow`."""
        sink.write(csv_line(self.columns))
        width = self.width
        has_alerts = self.has_alerts
        counts = {VALID: 0, PRORATED: 0, INVALID: 0}
        # packed -> output after the passthrough, for valid rows only (a prorated or invalid
        # row is built from its fields' tables instead); kept on the plan for tests
        tails: dict[int, str] = {}
        self.csv_tails = tails
        line_number = 1

        def tail_of(outcome: Outcome) -> str:
            values: list[Any] = ["" if n is None else format_number(n) for n in outcome.numbers]
            values += [outcome.status, outcome.error]
            if has_alerts:
                values.append(outcome.alerts)
            return "," + csv_line(values)

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
                return csv_line(passthrough)[:-1] + tail
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
                    if status == VALID and len(tails) < limits.TABLE_LIMIT:
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
        pass_get = getter(self.passthrough)
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
                            if status == VALID and len(tails) < limits.TABLE_LIMIT:
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
                batch = list(itertools.islice(lines, limits.BATCH_LINES))
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
