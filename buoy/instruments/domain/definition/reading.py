"""Reading a native definition (a dict, or a JSON file) into an `Instrument`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from buoy.instruments.domain.definition.model import (
    FORMAT_VERSION,
    ITEM_KINDS,
    LICENCE_STATUSES,
    SCORING_METHODS,
    Band,
    DefinitionError,
    Instrument,
    Item,
    ItemGroup,
    Licence,
    Norm,
    Option,
    ResponseSet,
    SafetyRule,
    ScoringRule,
)


def _text(value: Any, path: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"en": value}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise DefinitionError(path, "expected text or a map of language to text")
    return dict(value)


def required(data: Mapping[str, Any], key: str, path: str, kind: type | tuple[type, ...]) -> Any:
    """`data[key]`, checked to be a `kind`; DefinitionError naming the path otherwise."""
    if key not in data:
        raise DefinitionError(f"{path}.{key}" if path else key, "is missing")
    value = data[key]
    if not isinstance(value, kind) or (
        isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))
    ):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise DefinitionError(f"{path}.{key}" if path else key, f"expected {names}")
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DefinitionError(path, "expected a number")
    return float(value)


def _objects(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """An optional list of objects; a clear error, not a traceback, for anything else."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise DefinitionError(key, "expected a list")
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise DefinitionError(f"{key}[{index}]", "expected an object")
    return value


def _whole(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefinitionError(path, "expected a whole number")
    return value


def _count(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DefinitionError(path, "expected a whole number above 0")
    return value


def _rule(data: Any, path: str, item_ids: set[str]) -> ScoringRule:
    if not isinstance(data, Mapping):
        raise DefinitionError(path, "expected an object")
    method = required(data, "method", path, str)
    if method not in SCORING_METHODS:
        raise DefinitionError(f"{path}.method", f"must be one of {', '.join(SCORING_METHODS)}")
    items = required(data, "items", path, list)
    for index, item_id in enumerate(items):
        if item_id not in item_ids:
            raise DefinitionError(f"{path}.items[{index}]", f"unknown item {item_id!r}")
    if not items:
        raise DefinitionError(f"{path}.items", "a rule needs at least one item")
    min_answered = data.get("min_answered", len(items))
    if (
        isinstance(min_answered, bool)
        or not isinstance(min_answered, int)
        or not (1 <= min_answered <= len(items))
    ):
        raise DefinitionError(f"{path}.min_answered", f"must be between 1 and {len(items)}")
    return ScoringRule(
        id=str(data.get("id", path)),
        method=method,
        items=tuple(items),
        min_answered=min_answered,
        multiplier=_number(data.get("multiplier", 1), f"{path}.multiplier"),
        label=_text(data.get("label"), f"{path}.label"),
    )


def instrument_from_dict(data: Any, *, source: str = "") -> Instrument:
    """Read a native definition; raise DefinitionError naming the first problem's path."""
    try:
        return _instrument(data)
    except DefinitionError as error:
        raise DefinitionError(error.path, error.message, source=source) from None


def _instrument(data: Any) -> Instrument:
    if not isinstance(data, Mapping):
        raise DefinitionError("", "a definition is a JSON object")
    fmt = data.get("format", FORMAT_VERSION)
    if fmt != FORMAT_VERSION:
        raise DefinitionError(
            "format", f"unsupported format {fmt!r} (this Buoy reads {FORMAT_VERSION})"
        )
    instrument_id = required(data, "id", "", str)
    if not instrument_id.replace("_", "").replace("-", "").isalnum():
        raise DefinitionError("id", "use letters, digits, - and _ only")
    version = str(required(data, "version", "", (str, int, float)))
    licence_data = required(data, "licence", "", Mapping)
    status = required(licence_data, "status", "licence", str)
    if status not in LICENCE_STATUSES:
        raise DefinitionError("licence.status", f"must be one of {', '.join(LICENCE_STATUSES)}")
    licence = Licence(
        status, str(licence_data.get("holder", "")), str(licence_data.get("note", ""))
    )

    response_sets: dict[str, ResponseSet] = {}
    for set_id, set_data in required(data, "response_sets", "", Mapping).items():
        path = f"response_sets.{set_id}"
        options_data = (
            required(set_data, "options", path, list) if isinstance(set_data, Mapping) else None
        )
        if not options_data:
            raise DefinitionError(f"{path}.options", "needs at least one option")
        options = []
        seen: set[Any] = set()
        for index, option in enumerate(options_data):
            opath = f"{path}.options[{index}]"
            if not isinstance(option, Mapping) or "value" not in option:
                raise DefinitionError(opath, "an option needs a value")
            value = option["value"]
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise DefinitionError(f"{opath}.value", "expected a number or a code")
            if value in seen:
                raise DefinitionError(f"{opath}.value", f"value {value!r} appears twice")
            seen.add(value)
            raw_score = option.get("score", value if not isinstance(value, str) else None)
            score = None if raw_score is None else _number(raw_score, f"{opath}.score")
            options.append(Option(value, score, _text(option.get("label"), f"{opath}.label")))
        response_sets[set_id] = ResponseSet(set_id, tuple(options))

    items: list[Item] = []
    for index, item_data in enumerate(required(data, "items", "", list)):
        path = f"items[{index}]"
        if not isinstance(item_data, Mapping):
            raise DefinitionError(path, "expected an object")
        item_id = required(item_data, "id", path, str)
        if any(i.id == item_id for i in items):
            raise DefinitionError(f"{path}.id", f"item id {item_id!r} appears twice")
        kind = item_data.get("kind", "choice")
        if kind not in ITEM_KINDS:
            raise DefinitionError(f"{path}.kind", "must be choice, number, text or yesno")
        response_set = item_data.get("options")
        if (kind == "choice" or response_set is not None) and response_set not in response_sets:
            raise DefinitionError(f"{path}.options", f"unknown response set {response_set!r}")
        if (
            item_data.get("reverse")
            and kind not in ("choice", "yesno")
            and (item_data.get("min") is None or item_data.get("max") is None)
        ):
            raise DefinitionError(
                f"{path}.reverse", "a reverse-keyed number item needs min and max"
            )
        items.append(
            Item(
                id=item_id,
                number=_whole(item_data.get("number", index + 1), f"{path}.number"),
                response_set=response_set,
                kind=kind,
                text=_text(item_data.get("text"), f"{path}.text"),
                reverse=bool(item_data.get("reverse", False)),
                weight=_number(item_data.get("weight", 1), f"{path}.weight"),
                scored=bool(item_data.get("scored", kind != "text")),
                minimum=None
                if item_data.get("min") is None
                else _number(item_data["min"], f"{path}.min"),
                maximum=None
                if item_data.get("max") is None
                else _number(item_data["max"], f"{path}.max"),
                identifier=bool(item_data.get("identifier", False)),
            )
        )
    if not items:
        raise DefinitionError("items", "an instrument needs at least one item")
    item_ids = {i.id for i in items}
    scored_ids = {i.id for i in items if i.scored}

    total = _rule(required(data, "total", "", Mapping), "total", scored_ids)
    total = ScoringRule(
        "total", total.method, total.items, total.min_answered, total.multiplier, total.label
    )
    subscales = []
    for index, rule_data in enumerate(_objects(data, "subscales")):
        rule = _rule(rule_data, f"subscales[{index}]", scored_ids)
        if "id" not in rule_data:
            raise DefinitionError(f"subscales[{index}].id", "is missing")
        subscales.append(rule)
    scale_ids = {"total", *(s.id for s in subscales)}

    groups = []
    for index, group in enumerate(_objects(data, "item_groups")):
        path = f"item_groups[{index}]"
        group_items = required(group, "items", path, list)
        for position, item_id in enumerate(group_items):
            if item_id not in item_ids:
                raise DefinitionError(f"{path}.items[{position}]", f"unknown item {item_id!r}")
        groups.append(
            ItemGroup(
                id=required(group, "id", path, str),
                items=tuple(group_items),
                label=_text(group.get("label"), f"{path}.label"),
                description=_text(group.get("description"), f"{path}.description"),
            )
        )

    bands = []
    for index, band in enumerate(_objects(data, "bands")):
        path = f"bands[{index}]"
        scale = band.get("scale", "total")
        if scale not in scale_ids:
            raise DefinitionError(f"{path}.scale", f"unknown scale {scale!r}")
        low = _number(required(band, "low", path, (int, float)), f"{path}.low")
        high = _number(required(band, "high", path, (int, float)), f"{path}.high")
        if low > high:
            raise DefinitionError(path, "low is above high")
        bands.append(
            Band(
                scale,
                low,
                high,
                _text(band.get("label"), f"{path}.label"),
                str(band.get("source", "")),
            )
        )

    norms = []
    for index, norm in enumerate(_objects(data, "norms")):
        path = f"norms[{index}]"
        sd = _number(required(norm, "sd", path, (int, float)), f"{path}.sd")
        if sd <= 0:
            raise DefinitionError(f"{path}.sd", "must be above 0")
        reliability = norm.get("reliability")
        if reliability is not None and not 0 < _number(reliability, f"{path}.reliability") < 1:
            raise DefinitionError(f"{path}.reliability", "must be between 0 and 1")
        quartiles = tuple(
            (_number(q[0], f"{path}.quartiles[{k}]"), _number(q[1], f"{path}.quartiles[{k}]"))
            for k, q in enumerate(norm.get("quartiles", []))
        )
        norms.append(
            Norm(
                id=required(norm, "id", path, str),
                population=_text(norm.get("population"), f"{path}.population"),
                mean=_number(required(norm, "mean", path, (int, float)), f"{path}.mean"),
                sd=sd,
                reliability=None if reliability is None else float(reliability),
                reliability_kind=str(norm.get("reliability_kind", "")),
                n=_count(norm.get("n"), f"{path}.n"),
                source=str(norm.get("source", "")),
                quartiles=quartiles,
                default=bool(norm.get("default", False)),
            )
        )

    safety = []
    for index, safety_data in enumerate(_objects(data, "safety_rules")):
        path = f"safety_rules[{index}]"
        item_id = required(safety_data, "item", path, str)
        if item_id not in item_ids:
            raise DefinitionError(f"{path}.item", f"unknown item {item_id!r}")
        safety.append(
            SafetyRule(
                id=required(safety_data, "id", path, str),
                item=item_id,
                above=_number(required(safety_data, "above", path, (int, float)), f"{path}.above"),
                message=_text(safety_data.get("message"), f"{path}.message"),
            )
        )

    name = _text(required(data, "name", "", (str, Mapping)), "name")
    return Instrument(
        id=instrument_id,
        version=version,
        name=name,
        licence=licence,
        response_sets=response_sets,
        items=tuple(items),
        total=total,
        subscales=tuple(subscales),
        item_groups=tuple(groups),
        bands=tuple(bands),
        norms=tuple(norms),
        safety_rules=tuple(safety),
        citation=str(data.get("citation", "")),
        description=_text(data.get("description"), "description"),
        instructions=_text(data.get("instructions"), "instructions"),
        extras=dict(required(data, "extras", "", Mapping)) if "extras" in data else {},
    )


def read_json_file(path: str | Path) -> Any:
    """A JSON file's value; DefinitionError naming the file (and line and column) otherwise."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise DefinitionError("", f"cannot be read: {reason}", source=source) from None
    if b"\x00" in raw[:8192]:
        raise DefinitionError("", "is not a JSON text file (it looks binary)", source=source)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DefinitionError(
            "", f"is not UTF-8 text (byte {error.start + 1})", source=source
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DefinitionError(
            "", f"line {error.lineno}, column {error.colno}: {error.msg}", source=source
        ) from None


def load_instrument_file(path: str | Path) -> Instrument:
    """Read a native JSON definition from `path`; errors name the file and where in it."""
    return instrument_from_dict(read_json_file(path), source=str(path))
