"""The plan for one input file: where each column is, and the loops that score it."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from typing import IO

from buoy.instruments.domain.batch.csv_run import CsvRun
from buoy.instruments.domain.batch.results import BatchError, BatchSummary
from buoy.instruments.domain.batch.rows import Outcome
from buoy.instruments.domain.batch.tables import PackedTables
from buoy.instruments.domain.scoring import (
    INVALID,
    PRORATED,
    VALID,
    CompiledInstrument,
    ScoreResult,
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
        self.csv_tails: dict[int, str] = {}  # a CSV run's sums of valid rows (tests look)
        self._build_tables()

    def general(self, row: Sequence[str]) -> tuple[Outcome, list[str]]:
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
        """CSV out, a batch of lines at a time (`csv_run.CsvRun`, the hot path)."""
        return CsvRun(self).run(lines, sink)

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
                packed = self.packed_row(row) if self.fast and len(row) == width else None
                if packed is None:
                    outcome, passthrough = self.general(row)
                else:
                    outcome = self.outcome_of(packed, row)
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
