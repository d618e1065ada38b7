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
    """The definition read part by part, in the order its problems are reported."""
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
    licence = _licence(required(data, "licence", "", Mapping))
    response_sets = {
        set_id: _response_set(set_id, set_data)
        for set_id, set_data in required(data, "response_sets", "", Mapping).items()
    }
    items = _items(required(data, "items", "", list), response_sets)
    item_ids = {i.id for i in items}
    scored_ids = {i.id for i in items if i.scored}
    total = _rule(required(data, "total", "", Mapping), "total", scored_ids)
    total = ScoringRule(
        "total", total.method, total.items, total.min_answered, total.multiplier, total.label
    )
    subscales = _subscales(_objects(data, "subscales"), scored_ids)
    scale_ids = {"total", *(s.id for s in subscales)}
    groups = [
        _item_group(group, f"item_groups[{index}]", item_ids)
        for index, group in enumerate(_objects(data, "item_groups"))
    ]
    bands = [
        _band(band, f"bands[{index}]", scale_ids)
        for index, band in enumerate(_objects(data, "bands"))
    ]
    norms = [_norm(norm, f"norms[{index}]") for index, norm in enumerate(_objects(data, "norms"))]
    safety = [
        _safety_rule(rule, f"safety_rules[{index}]", item_ids)
        for index, rule in enumerate(_objects(data, "safety_rules"))
    ]
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


def _licence(data: Mapping[str, Any]) -> Licence:
    status = required(data, "status", "licence", str)
    if status not in LICENCE_STATUSES:
        raise DefinitionError("licence.status", f"must be one of {', '.join(LICENCE_STATUSES)}")
    return Licence(status, str(data.get("holder", "")), str(data.get("note", "")))


def _response_set(set_id: str, data: Any) -> ResponseSet:
    path = f"response_sets.{set_id}"
    options_data = required(data, "options", path, list) if isinstance(data, Mapping) else None
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
    return ResponseSet(set_id, tuple(options))


def _items(data: list[Any], response_sets: Mapping[str, ResponseSet]) -> list[Item]:
    items: list[Item] = []
    for index, item_data in enumerate(data):
        path = f"items[{index}]"
        if not isinstance(item_data, Mapping):
            raise DefinitionError(path, "expected an object")
        item_id = required(item_data, "id", path, str)
        if any(i.id == item_id for i in items):
            raise DefinitionError(f"{path}.id", f"item id {item_id!r} appears twice")
        items.append(_item(item_data, item_id, index, response_sets))
    if not items:
        raise DefinitionError("items", "an instrument needs at least one item")
    return items


def _item(
    data: Mapping[str, Any], item_id: str, index: int, response_sets: Mapping[str, ResponseSet]
) -> Item:
    path = f"items[{index}]"
    kind = data.get("kind", "choice")
    if kind not in ITEM_KINDS:
        raise DefinitionError(f"{path}.kind", "must be choice, number, text or yesno")
    response_set = data.get("options")
    if (kind == "choice" or response_set is not None) and response_set not in response_sets:
        raise DefinitionError(f"{path}.options", f"unknown response set {response_set!r}")
    if (
        data.get("reverse")
        and kind not in ("choice", "yesno")
        and (data.get("min") is None or data.get("max") is None)
    ):
        raise DefinitionError(f"{path}.reverse", "a reverse-keyed number item needs min and max")
    return Item(
        id=item_id,
        number=_whole(data.get("number", index + 1), f"{path}.number"),
        response_set=response_set,
        kind=kind,
        text=_text(data.get("text"), f"{path}.text"),
        reverse=bool(data.get("reverse", False)),
        weight=_number(data.get("weight", 1), f"{path}.weight"),
        scored=bool(data.get("scored", kind != "text")),
        minimum=None if data.get("min") is None else _number(data["min"], f"{path}.min"),
        maximum=None if data.get("max") is None else _number(data["max"], f"{path}.max"),
        identifier=bool(data.get("identifier", False)),
    )


def _subscales(data: list[Mapping[str, Any]], scored_ids: set[str]) -> list[ScoringRule]:
    subscales = []
    for index, rule_data in enumerate(data):
        rule = _rule(rule_data, f"subscales[{index}]", scored_ids)
        if "id" not in rule_data:
            raise DefinitionError(f"subscales[{index}].id", "is missing")
        subscales.append(rule)
    return subscales


def _item_group(data: Mapping[str, Any], path: str, item_ids: set[str]) -> ItemGroup:
    group_items = required(data, "items", path, list)
    for position, item_id in enumerate(group_items):
        if item_id not in item_ids:
            raise DefinitionError(f"{path}.items[{position}]", f"unknown item {item_id!r}")
    return ItemGroup(
        id=required(data, "id", path, str),
        items=tuple(group_items),
        label=_text(data.get("label"), f"{path}.label"),
        description=_text(data.get("description"), f"{path}.description"),
    )


def _band(data: Mapping[str, Any], path: str, scale_ids: set[str]) -> Band:
    scale = data.get("scale", "total")
    if scale not in scale_ids:
        raise DefinitionError(f"{path}.scale", f"unknown scale {scale!r}")
    low = _number(required(data, "low", path, (int, float)), f"{path}.low")
    high = _number(required(data, "high", path, (int, float)), f"{path}.high")
    if low > high:
        raise DefinitionError(path, "low is above high")
    return Band(
        scale, low, high, _text(data.get("label"), f"{path}.label"), str(data.get("source", ""))
    )


def _norm(data: Mapping[str, Any], path: str) -> Norm:
    sd = _number(required(data, "sd", path, (int, float)), f"{path}.sd")
    if sd <= 0:
        raise DefinitionError(f"{path}.sd", "must be above 0")
    reliability = data.get("reliability")
    if reliability is not None and not 0 < _number(reliability, f"{path}.reliability") < 1:
        raise DefinitionError(f"{path}.reliability", "must be between 0 and 1")
    quartiles = tuple(
        (_number(q[0], f"{path}.quartiles[{k}]"), _number(q[1], f"{path}.quartiles[{k}]"))
        for k, q in enumerate(data.get("quartiles", []))
    )
    return Norm(
        id=required(data, "id", path, str),
        population=_text(data.get("population"), f"{path}.population"),
        mean=_number(required(data, "mean", path, (int, float)), f"{path}.mean"),
        sd=sd,
        reliability=None if reliability is None else float(reliability),
        reliability_kind=str(data.get("reliability_kind", "")),
        n=_count(data.get("n"), f"{path}.n"),
        source=str(data.get("source", "")),
        quartiles=quartiles,
        default=bool(data.get("default", False)),
    )


def _safety_rule(data: Mapping[str, Any], path: str, item_ids: set[str]) -> SafetyRule:
    item_id = required(data, "item", path, str)
    if item_id not in item_ids:
        raise DefinitionError(f"{path}.item", f"unknown item {item_id!r}")
    return SafetyRule(
        id=required(data, "id", path, str),
        item=item_id,
        above=_number(required(data, "above", path, (int, float)), f"{path}.above"),
        message=_text(data.get("message"), f"{path}.message"),
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
