"""Records exports (flat or EAV) read back into answers per record, event, instance and form."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from buoy.instruments.domain.definition import Instrument, Item, Option
from buoy.instruments.domain.interop_errors import InteropError, decode_text
from buoy.instruments.domain.redcap.csv_io import read_csv
from buoy.instruments.domain.redcap.dictionary import DictionaryImport
from buoy.instruments.domain.redcap.fields import INT, NUMBER, Value, shorten
from buoy.instruments.domain.redcap.header import normalise
from buoy.instruments.domain.response_sets import options_of

_COMPLETE = {"incomplete": 0, "unverified": 1, "complete": 2}
_RESERVED_FLAT = {
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "redcap_data_access_group",
    "redcap_survey_identifier",
}


@dataclass(frozen=True)
class RecordAnswers:
    """The answers of one record to one form at one event and repeat instance."""

    record_id: str
    event: str | None
    repeat_instance: int | None
    form: str
    answers: dict[str, Value]
    complete: int | None
    instrument_id: str = ""


@dataclass
class _Target:
    form: str
    instrument: Instrument
    items: dict[str, Item]
    options: dict[str, tuple[Option, ...]]
    checkbox_groups: dict[str, dict[str, str]]  # field -> normalised code -> item id


def _targets(
    dictionary_or_instrument: DictionaryImport | Instrument | Sequence[Instrument],
) -> list[_Target]:
    if isinstance(dictionary_or_instrument, DictionaryImport):
        instruments: Sequence[Instrument] = dictionary_or_instrument.instruments
    elif isinstance(dictionary_or_instrument, Instrument):
        instruments = [dictionary_or_instrument]
    else:
        instruments = list(dictionary_or_instrument)
    targets = []
    for instrument in instruments:
        form = str(instrument.extras.get("redcap_form") or instrument.id)
        redcap = instrument.extras.get("redcap") or {}
        groups: dict[str, dict[str, str]] = {}
        for field_name, group in (redcap.get("checkboxes") or {}).items():
            groups[str(field_name)] = {
                normalise(str(code)): str(item_id) for code, item_id in group.get("options", [])
            }
        targets.append(
            _Target(
                form=form,
                instrument=instrument,
                items={item.id: item for item in instrument.items},
                options={item.id: options_of(instrument, item) for item in instrument.items},
                checkbox_groups=groups,
            )
        )
    return targets


def _convert(target: _Target, item_id: str, raw: str, source: str, row: int, column: str) -> Value:
    item = target.items[item_id]
    value = raw.strip()
    options = target.options.get(item_id, ())
    if item.kind in ("choice", "yesno") and options:
        for option in options:
            if str(option.value) == value:
                return option.value
        if NUMBER.fullmatch(value):
            for option in options:
                if isinstance(option.value, int | float) and float(option.value) == float(value):
                    return option.value
        folded = value.casefold()
        matches = [o for o in options if any(lbl.casefold() == folded for lbl in o.label.values())]
        if len(matches) == 1:
            return matches[0].value
        codes = ", ".join(str(o.value) for o in options)
        raise InteropError(
            source,
            row,
            column,
            f'"{shorten(value, 40)}" is not one of the codes of "{item_id}" ({shorten(codes, 60)})',
        )
    if item.kind == "yesno":
        lowered = value.lower()
        if lowered in ("1", "yes", "true", "checked"):
            return 1
        if lowered in ("0", "no", "false", "unchecked"):
            return 0
        raise InteropError(source, row, column, f'"{shorten(value, 40)}" is not yes (1) or no (0)')
    if item.kind == "number":
        if INT.fullmatch(value):
            return int(value)
        if NUMBER.fullmatch(value):
            return float(value)
        raise InteropError(
            source, row, column, f'"{shorten(value, 40)}" is not a number (item "{item_id}")'
        )
    return raw


def _complete(raw: str, source: str, row: int, column: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if value in ("0", "1", "2"):
        return int(value)
    if value.lower() in _COMPLETE:
        return _COMPLETE[value.lower()]
    raise InteropError(
        source,
        row,
        column,
        f'"{shorten(value, 40)}" is not a form status (0 incomplete, 1 unverified, 2 complete)',
    )


def _instance(raw: str, source: str, row: int, column: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if not re.fullmatch(r"[0-9]+", value):
        raise InteropError(source, row, column, f'"{value}" is not a repeat instance number')
    return int(value)


@dataclass
class _Group:
    record_id: str
    event: str | None
    repeat_instrument: str | None
    instance: int | None
    answers: dict[str, dict[str, Value]] = field(default_factory=dict)  # form -> answers
    complete: dict[str, int] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)


def read_records(
    text: str | bytes,
    *,
    dictionary_or_instrument: DictionaryImport | Instrument | Sequence[Instrument],
    source: str,
) -> list[RecordAnswers]:
    """Answers from a flat or EAV records export; InteropError for the first bad value."""
    rows = read_csv(decode_text(text, source), source)
    header = [cell.strip() for cell in rows[0]]
    targets = _targets(dictionary_or_instrument)
    if not targets:
        raise InteropError(source, None, None, "there is no instrument to read answers for")
    lowered = [h.lower() for h in header]
    if {"record", "field_name", "value"} <= set(lowered):
        groups = _read_eav(rows, lowered, targets, source)
    else:
        groups = list(_read_flat(rows, header, targets, source))
    results: list[RecordAnswers] = []
    for group in groups:
        for target in targets:
            if target.form not in group.present:
                continue
            answers = group.answers.get(target.form, {})
            for codes in target.checkbox_groups.values():
                for item_id in codes.values():
                    answers.setdefault(item_id, 0)
            ordered = {i: answers[i] for i in target.items if i in answers}
            results.append(
                RecordAnswers(
                    record_id=group.record_id,
                    event=group.event,
                    repeat_instance=group.instance,
                    form=target.form,
                    answers=ordered,
                    complete=group.complete.get(target.form),
                    instrument_id=target.instrument.id,
                )
            )
    return results


def _column_map(
    header: list[str], targets: list[_Target]
) -> tuple[dict[int, tuple[_Target, str]], dict[int, _Target]]:
    columns: dict[int, tuple[_Target, str]] = {}
    completes: dict[int, _Target] = {}
    for index, name in enumerate(header):
        for target in targets:
            if name == f"{target.form}_complete":
                completes[index] = target
            elif name in target.items:
                columns[index] = (target, name)
            elif "___" in name:
                base, _, suffix = name.partition("___")
                item_id = target.checkbox_groups.get(base, {}).get(normalise(suffix))
                if item_id is not None:
                    columns[index] = (target, item_id)
    return columns, completes


def _check_width(row: list[str], width: int, source: str, number: int) -> None:
    """A records row has as many columns as the header; fewer or more means a broken file."""
    if len(row) != width:
        raise InteropError(
            source,
            number,
            None,
            f"has {len(row)} columns where the header has {width} (is the file cut short?)",
        )


def _read_flat(
    rows: list[list[str]], header: list[str], targets: list[_Target], source: str
) -> Iterator[_Group]:
    columns, completes = _column_map(header, targets)
    if not columns and not completes:
        forms = ", ".join(t.form for t in targets)
        raise InteropError(
            source,
            1,
            None,
            f"no column names a field of {forms}: is this the records export of this project?",
        )
    position = {name: index for index, name in enumerate(header) if name in _RESERVED_FLAT}
    width = len(header)
    for number, row in enumerate(rows[1:], start=2):
        _check_width(row, width, source, number)
        record_id = row[0].strip()
        if not record_id:
            raise InteropError(source, number, header[0], "the record id is empty")

        def cell(name: str, _row: list[str] = row) -> str:
            return _row[position[name]].strip() if name in position else ""

        repeat_instrument = cell("redcap_repeat_instrument") or None
        group = _Group(
            record_id,
            cell("redcap_event_name") or None,
            repeat_instrument,
            _instance(cell("redcap_repeat_instance"), source, number, "redcap_repeat_instance"),
        )
        for index, (target, item_id) in columns.items():
            raw = row[index]
            if not raw.strip() or (repeat_instrument and repeat_instrument != target.form):
                continue
            value = _convert(target, item_id, raw, source, number, header[index])
            group.answers.setdefault(target.form, {})[item_id] = value
            is_checkbox = any(item_id in c.values() for c in target.checkbox_groups.values())
            if not is_checkbox or value == 1:
                group.present.add(target.form)
        for index, target in completes.items():
            if repeat_instrument and repeat_instrument != target.form:
                continue
            status = _complete(row[index], source, number, header[index])
            if status is not None:
                group.complete[target.form] = status
                group.present.add(target.form)
        yield group


def _read_eav(
    rows: list[list[str]], lowered: list[str], targets: list[_Target], source: str
) -> list[_Group]:
    index = {name: i for i, name in enumerate(lowered)}
    event_column = index.get("redcap_event_name", index.get("event_id"))
    groups: dict[tuple[str, str | None, str | None, int | None], _Group] = {}
    width = len(lowered)
    for number, row in enumerate(rows[1:], start=2):
        _check_width(row, width, source, number)
        record_id = row[index["record"]].strip()
        field_name = row[index["field_name"]].strip()
        value = row[index["value"]]
        if not record_id:
            raise InteropError(source, number, "record", "the record id is empty")
        event = row[event_column].strip() or None if event_column is not None else None
        repeat_instrument = (
            row[index["redcap_repeat_instrument"]].strip() or None
            if "redcap_repeat_instrument" in index
            else None
        )
        instance_column = index.get("redcap_repeat_instance")
        instance = (
            None
            if instance_column is None
            else _instance(row[instance_column], source, number, "redcap_repeat_instance")
        )
        key = (record_id, event, repeat_instrument, instance)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(record_id, event, repeat_instrument, instance)
        if not value.strip():
            continue
        for target in targets:
            if repeat_instrument and repeat_instrument != target.form:
                continue
            if field_name == f"{target.form}_complete":
                status = _complete(value, source, number, field_name)
                if status is not None:
                    group.complete[target.form] = status
                    group.present.add(target.form)
            elif field_name in target.checkbox_groups:
                item_id = target.checkbox_groups[field_name].get(normalise(value))
                if item_id is None:
                    codes = ", ".join(target.checkbox_groups[field_name])
                    raise InteropError(
                        source,
                        number,
                        field_name,
                        f'"{shorten(value, 40)}" is not an option of the checkbox '
                        f'"{field_name}" ({codes})',
                    )
                group.answers.setdefault(target.form, {})[item_id] = 1
                group.present.add(target.form)
            elif field_name in target.items:
                converted = _convert(target, field_name, value, source, number, field_name)
                group.answers.setdefault(target.form, {})[field_name] = converted
                group.present.add(target.form)
    return list(groups.values())
