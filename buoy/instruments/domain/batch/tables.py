"""The lookup tables that make the common row cheap (see the package docstring, "Speed")."""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

from buoy.instruments.domain.batch import limits
from buoy.instruments.domain.batch.rows import Outcome, csv_line, getter
from buoy.instruments.domain.scoring import (
    INVALID,
    PRORATED,
    VALID,
    CompiledInstrument,
    CompiledRule,
    format_number,
)


class PackedTables:
    """Per item column, answer text → one packed integer; per sum, the output text.

    Built by the plan (`plan.Plan`) once it knows where the item columns are.
    """

    # set by the plan from the header before the tables are built
    compiled: CompiledInstrument
    width: int
    item_positions: list[int]
    item_names: list[str]
    passthrough: list[int]
    has_alerts: bool

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
        self.outcomes: dict[int, Outcome] = {}
        # per scale: its pair of fields (accumulated, answered) -> its number as text
        self.scale_texts: list[dict[int, str]] = []
        self.text_chunks: list[tuple[Callable[[str], str], dict[str, int]]] = []
        self.raw_text_chunks: list[tuple[Callable[[str], str], dict[str, int]]] = []
        self.after_items: Callable[[str], str] | None = None
        self.raw_after_items: Callable[[str], str] | None = None
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
            table = self._contributions(k, name, n_fields)
            if table is None:
                return
            contributions.append(table)
        self._lay_out_fields(contributions, n_fields)
        self._build_key_layout()
        self.packed_items = [
            {
                key: sum(v << self.fields[f][0] for f, v in enumerate(parts))
                for key, parts in table.items()
            }
            for table in contributions
        ]
        self.item_cells = getter(self.item_positions)
        for start in range(0, len(self.item_positions), 5):
            self.chunk_members.append(list(range(start, min(start + 5, len(self.item_positions)))))
        self.fast = True
        self._build_text_tables()

    def _contributions(self, k: int, name: str, n_fields: int) -> dict[str, list[int]] | None:
        """Item column `k`: answer text → what it adds to each field; None when an answer's
        score is not a whole number ≥ 0 (then the instrument has no tables)."""
        item = self.compiled.items[name]
        table: dict[str, list[int]] = {"": [0] * n_fields}
        table[""][self.first_missing + k] = 1  # a blank adds only its own "missing" bit
        for key, parsed in item.table.items():
            if not isinstance(key, str):
                continue
            item_score = parsed.score
            if item_score is None:
                if item.item.scored:
                    continue  # an option that carries no score: the general way decides
                item_score = 0.0
            if item_score != int(item_score) or item_score < 0:
                return None
            table[key] = self._answer_parts(name, int(item_score), parsed.value, n_fields)
        return table

    def _answer_parts(self, name: str, value: int, answer: float | str, n_fields: int) -> list[int]:
        """What one answer (score `value`) to item `name` adds to each field."""
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
            if name == safety.item and isinstance(answer, float) and answer > safety.above:
                parts[2 * len(self.scales) + r] = 1
        return parts

    def _lay_out_fields(self, contributions: list[dict[str, list[int]]], n_fields: int) -> None:
        """Each field as wide as the largest sum it can hold: (offset, mask) per field."""
        self.fields: list[tuple[int, int]] = []  # (offset, mask)
        offset = 0
        for f in range(n_fields):
            largest = sum(max(parts[f] for parts in table.values()) for table in contributions)
            width = max(largest.bit_length(), 1)
            self.fields.append((offset, (1 << width) - 1))
            offset += width
        self.bits = offset

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
            if not all(answers) or math.prod(map(len, answers)) > limits.TEXT_TABLE_LIMIT:
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

    def packed_row(self, row: Sequence[str]) -> int | None:
        """The row's packed integer; None if a cell is not a known answer or blank."""
        values: list[Any] = list(map(dict.get, self.packed_items, self.item_cells(row)))
        return None if None in values else sum(values)

    def outcome_of(self, packed: int, row: Sequence[str]) -> Outcome:
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
        outcome = Outcome(tuple(numbers), status, error, alerts)
        if status != INVALID and len(self.outcomes) < limits.TABLE_LIMIT:
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
        if len(self.scale_texts[s]) < limits.TABLE_LIMIT:
            self.scale_texts[s][key] = text
            if s == 0:
                self.total_statuses[key] = status
        return text, status

    def _alert_text(self, key: int) -> str:
        """The alerts cell (with the line end) for the safety fields `key`; kept if room."""
        text = ";".join(rule.id for r, rule in enumerate(self.safety) if key >> r & 1) + "\n"
        if len(self.alert_texts) < limits.TABLE_LIMIT:
            self.alert_texts[key] = text
        return text

    def tails_for(self, packed: list[int]) -> tuple[list[str], list[str]]:
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
        tail = "," + csv_line(values)
        if len(self.invalid_tails) < limits.TABLE_LIMIT:
            self.invalid_tails[key] = tail
        return tail

    def refused_tail(self, row: Sequence[str]) -> str | None:
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
                tail = "," + csv_line(values)
            short = sum(len(cell) for _, cell in refused) <= limits.KEPT_CELL_LIMIT
            if short and len(self.refused_tails) < limits.TABLE_LIMIT:
                self.refused_tails[key] = tail
        return tail or None

    def _refusal(self, k: int, cell: str) -> str | None:
        """Why item column `k` refuses `cell` (scoring.py's message); None if it accepts it."""
        key = (k, cell)
        if key in self.refusals:
            return self.refusals[key]
        parsed = self.compiled.items[self.item_names[k]].parse(cell)
        found = parsed if isinstance(parsed, str) else None
        if len(cell) <= limits.KEPT_CELL_LIMIT and len(self.refusals) < limits.TABLE_LIMIT:
            self.refusals[key] = found
        return found
