"""CSV out: the hot loop of `buoy score`, a batch of lines at a time.

A batch goes one of three ways (the package docstring, "Speed", says why they agree):
`CsvRun.by_text_slices` for the usual layout with one-character answers, `CsvRun.by_fields`
for any other layout, and `CsvRun.slow` line by line when a line has a quote or the
instrument has no tables. Each keeps its per-batch steps as C-level maps over the batch;
rows that miss the tables are handed on, counted once, to the next way.
"""

from __future__ import annotations

import csv
import itertools
import operator
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from buoy.instruments.domain.batch import limits
from buoy.instruments.domain.batch.results import BatchError, BatchSummary
from buoy.instruments.domain.batch.rows import Outcome, csv_line, getter
from buoy.instruments.domain.scoring import INVALID, PRORATED, VALID, format_number

if TYPE_CHECKING:
    from buoy.instruments.domain.batch.plan import Plan

# bound once: the loops below call them through map() over a whole batch
_rstrip = str.rstrip
_split = str.split
_count = str.count
_partition = str.partition
_add = operator.add
_first = operator.itemgetter(0)
_second = operator.itemgetter(2)
_concat = "".join
_join = ",".join
_line_ends = itertools.repeat("\r\n")
_commas = itertools.repeat(",")
_no_suffixes = itertools.repeat("")


class CsvRun:
    """One run of a plan over CSV lines: the output written, the rows counted by status."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.counts = {VALID: 0, PRORATED: 0, INVALID: 0}
        # packed -> output after the passthrough, for valid rows only (a prorated or invalid
        # row is built from its fields' tables instead); kept on the plan for tests
        self.tails: dict[int, str] = {}
        plan.csv_tails = self.tails
        self.line_number = 1
        # A cell not in its item's table gives MISS, so negative that no sum with it is a
        # key of `tails` (packed integers are ≥ 0 and below 2**bits).
        miss = -(1 << (plan.bits + 8)) if plan.fast else 0
        self.misses = itertools.repeat(miss)
        self.pass_get = getter(plan.passthrough)
        self.single_pass = operator.itemgetter(plan.passthrough[0])
        self.blank_row = [""] * plan.width
        self.tables = plan.packed_items if plan.fast else []
        self.commas_after = plan.width - 1 - len(plan.item_positions)  # in ",ward-a,…"

    def run(self, lines: Iterator[str], sink: IO[str]) -> BatchSummary:
        """Write the header and every row of `lines` to `sink`; the counts."""
        plan = self.plan
        sink.write(csv_line(plan.columns))
        try:
            while True:
                batch = list(itertools.islice(lines, limits.BATCH_LINES))
                if not batch:
                    break
                self.line_number += len(batch)
                sink.write("".join(self.batch_lines(batch, lines)))
        except UnicodeDecodeError:
            raise BatchError(
                f"the file is not UTF-8 text (after line {self.line_number})"
            ) from None
        except csv.Error as error:
            raise BatchError(
                f"after line {self.line_number}: not readable as CSV ({error})"
            ) from None
        counts = self.counts
        return BatchSummary(
            rows=sum(counts.values()),
            valid=counts[VALID],
            prorated=counts[PRORATED],
            invalid=counts[INVALID],
        )

    def batch_lines(self, batch: list[str], lines: Iterator[str]) -> list[str]:
        """The output lines of one batch, by whichever way the batch allows."""
        text = "".join(batch)
        if not self.plan.fast or '"' in text:
            # Quoted fields (which may span lines), or no tables: line by line.
            rest = iter(batch)
            more = itertools.chain(rest, lines)
            return [self.slow(line, more) for line in rest]
        if self.plan.text_chunks:
            # the line ends can stay on when they are all a plain "\n"
            raw = "\r" not in text and text.endswith("\n")
            return self.by_text_slices(batch, raw)
        return self.by_fields(batch)

    # --- line by line ------------------------------------------------------------------------

    def tail_of(self, outcome: Outcome) -> str:
        """The output after the passthrough for a row scored the general way."""
        values: list[Any] = ["" if n is None else format_number(n) for n in outcome.numbers]
        values += [outcome.status, outcome.error]
        if self.plan.has_alerts:
            values.append(outcome.alerts)
        return "," + csv_line(values)

    def slow(self, line: str, rest: Iterator[str]) -> str:
        """A line the fast way does not take: parse it properly and score it, counting it;
        the output line ("" for a blank line)."""
        quoted = '"' in line
        if quoted:  # a quoted record may span lines: let the csv module read it
            row = next(csv.reader(itertools.chain([line], rest)), [])
        else:
            row = line.rstrip("\r\n").split(",")
        if row == [] or row == [""]:
            return ""  # a blank line
        passthrough = [row[i] if i < len(row) else "" for i in self.plan.passthrough]
        status, tail = self.row_tail(row)
        self.counts[status] += 1
        if quoted:
            return csv_line(passthrough)[:-1] + tail
        return ",".join(passthrough) + tail

    def row_tail(self, row: list[str]) -> tuple[str, str]:
        """(status, output after the passthrough) for one parsed row."""
        plan = self.plan
        if plan.fast and len(row) == plan.width:
            packed = plan.packed_row(row)
            if packed is not None:
                tail = self.tails.get(packed)
                if tail is not None:
                    return VALID, tail
                (tail,), (status,) = plan.tails_for([packed])
                if status == VALID and len(self.tails) < limits.TABLE_LIMIT:
                    self.tails[packed] = tail
                return status, tail
            tail = plan.refused_tail(row)
            if tail is not None:
                return INVALID, tail
        outcome, _ = plan.general(row)
        return outcome.status, self.tail_of(outcome)

    # --- a batch at a time -------------------------------------------------------------------

    def by_fields(self, batch: list[str]) -> list[str]:
        """The fast way for any layout, a batch at a time, every step a C-level map: split
        each line, look each item cell up in its column's table, add the packed integers,
        look the sum's output text up, and prefix the passthrough. Sums not seen yet
        (prorated and invalid rows among them) are built together by `tails_for`."""
        plan, tables, misses = self.plan, self.tables, self.misses
        width = plan.width
        positions = plan.item_positions
        rows = list(map(_split, map(_rstrip, batch, _line_ends), _commas))
        ragged = set()
        if any(map(width.__ne__, map(len, rows))):
            # a row with too few or too many fields: looked up as a blank row here
            # (which is never in `tails`), then written the slow way
            for k, row in enumerate(rows):
                if len(row) != width:
                    rows[k] = self.blank_row
                    ragged.add(k)
        # column by column: each item's table is small enough to stay in the CPU's cache
        columns = list(zip(*rows, strict=True))  # every row has the header's width here
        packed = list(map(tables[0].get, columns[positions[0]], misses))
        for table, position in zip(tables[1:], positions[1:], strict=True):
            packed = list(map(_add, packed, map(table.get, columns[position], misses)))
        found = list(map(self.tails.get, packed))
        if len(plan.passthrough) == 1:
            prefixes = list(map(self.single_pass, rows))
        else:
            prefixes = list(map(_join, map(self.pass_get, rows)))
        hits = len(batch)
        if None in found:  # a ragged row is too: a blank row is never valid
            hits -= self.fill_misses(batch, rows, packed, found, prefixes, ragged)
        self.counts[VALID] += hits  # `tails` holds valid rows only
        return list(map(_add, prefixes, found))

    def fill_misses(
        self,
        batch: list[str],
        rows: list[list[str]],
        packed: list[int],
        found: list[Any],
        prefixes: list[str],
        ragged: set[int],
    ) -> int:
        """Fill in the rows of a batch whose sums are not in `tails`, counting them; how
        many there were. Ragged rows go the slow way, rows with a cell no table knows go
        one by one (`row_tail`), and the others' sums are built together by `tails_for`."""
        counts, tails = self.counts, self.tails
        redo = [k for k, tail in enumerate(found) if tail is None]
        fresh = [k for k in redo if packed[k] >= 0 and k not in ragged]
        if len(fresh) < len(redo):
            for k in redo:
                if k in ragged:
                    found[k] = self.slow(batch[k], iter(()))  # counts the row itself
                    prefixes[k] = ""
                elif packed[k] < 0:  # not every cell is a known answer or blank
                    status, found[k] = self.row_tail(rows[k])
                    counts[status] += 1
        if fresh:  # known-or-blank cells, sums not in `tails`
            new_tails, statuses = self.plan.tails_for([packed[k] for k in fresh])
            for k, tail in zip(fresh, new_tails, strict=True):
                found[k] = tail
            for status in (VALID, PRORATED, INVALID):
                counts[status] += statuses.count(status)
            if VALID in statuses:
                for k, tail, status in zip(fresh, new_tails, statuses, strict=True):
                    if status == VALID and len(tails) < limits.TABLE_LIMIT:
                        tails[packed[k]] = tail
        return len(redo)

    def by_text_slices(self, batch: list[str], raw: bool) -> list[str]:
        """The fast way for the usual layout (id, then the items, then other columns) with
        one-character answers: each chunk of item cells is a fixed slice of the line after
        the id, looked up as text; no splitting. Other rows: by_fields. `raw`: every line
        ends with a plain "\n", left on (the raw getters skip it)."""
        plan, misses = self.plan, self.misses
        if raw:
            lines, by_text, after_items = batch, plan.raw_text_chunks, plan.raw_after_items
        else:
            lines = list(map(_rstrip, batch, _line_ends))
            by_text, after_items = plan.text_chunks, plan.after_items
        parts = list(map(_partition, lines, _commas))
        rests = list(map(_second, parts))
        (get, table), *others = by_text
        packed = list(map(table.get, map(get, rests), misses))
        for get, table in others:
            packed = list(map(_add, packed, map(table.get, map(get, rests), misses)))
        found: list[Any] = list(map(self.tails.get, packed))
        ids = list(map(_first, parts))
        redo = [k for k, tail in enumerate(found) if tail is None] if None in found else []
        suffixes: Any = _no_suffixes
        if after_items is not None:  # else more or fewer fields miss the last table
            suffixes = list(map(after_items, rests))
            self.drop_extra_fields(suffixes, found, redo)
        if redo:
            for k, text in zip(redo, self.by_fields([batch[k] for k in redo]), strict=True):
                found[k] = text  # by_fields counted these rows
                ids[k] = ""
        self.counts[VALID] += len(batch) - len(redo)  # found here: complete, hence valid
        return list(map(_concat, zip(ids, suffixes, found, strict=False)))

    def drop_extra_fields(self, suffixes: list[str], found: list[Any], redo: list[int]) -> None:
        """Send rows with more fields than the header (their suffix has too many commas) to
        `redo` too, and blank the suffixes of every row in `redo`."""
        commas_after = self.commas_after
        # A found row's suffix starts with the comma after the items, so it has at least one
        # comma: with one column after the items, the found rows' commas adding up to their
        # number means exactly one each (no extra fields).
        if commas_after == 1:
            found_commas = _concat(suffixes).count(",")
            found_commas -= sum([suffixes[k].count(",") for k in redo])
            ragged = found_commas != len(suffixes) - len(redo)
        else:
            ragged = any(map(commas_after.__ne__, map(_count, suffixes, _commas)))
        if ragged:
            for k, suffix in enumerate(suffixes):  # more fields than the header
                if suffix.count(",") != commas_after and found[k] is not None:
                    found[k] = None
                    redo.append(k)
            redo.sort()
        for k in redo:
            suffixes[k] = ""
