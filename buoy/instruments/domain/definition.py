"""Instrument definitions: versioned data describing a questionnaire and how to score it.

The native format is JSON (documented in docs/instruments/format.md). `instrument_from_dict`
turns it into frozen dataclasses and refuses a malformed definition with the path of the
offending value, e.g. ``items[3].options: unknown response set 'agree5'``;
`instrument_to_dict` is its exact inverse, `load_instrument_file` reads a file, and
`merge_wording` adds a site's licensed item wording (CD-RISC-10) to a bundled definition.
`with_item_groups` replaces the descriptive item groups a department edits.

Nothing here imports Django: definitions are read, checked and scored without a database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
SCORING_METHODS = ("sum", "mean", "prorated_sum", "weighted_sum", "count")
LICENCE_STATUSES = ("public_domain", "free", "licensed")
ITEM_KINDS = ("choice", "number", "text", "yesno")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")  # "en", "zh-hans", lower case

Text = Mapping[str, str]  # language code ("en", "zh-hans") -> text


def text_or_first(text: Text, language: str) -> str:
    """The text in `language`, else in the first language it has ("" when it has none)."""
    if language in text:
        return text[language]
    return next(iter(text.values()), "")


class DefinitionError(ValueError):
    """A definition that cannot be used; `path` says where (``items[2].id``)."""

    def __init__(self, path: str, message: str, *, source: str = "") -> None:
        self.path = path
        self.message = message
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{path}: {message}" if path else f"{where}{message}")


@dataclass(frozen=True)
class Option:
    """One answer an item accepts: its stored value, scored value and labels per language."""

    value: int | float | str
    score: float | None
    label: Text = field(default_factory=dict)


@dataclass(frozen=True)
class ResponseSet:
    """A named list of options shared by several items (e.g. 0–4 "not true at all" …)."""

    id: str
    options: tuple[Option, ...]

    @property
    def scores(self) -> tuple[float, ...]:
        return tuple(o.score for o in self.options if o.score is not None)


@dataclass(frozen=True)
class Item:
    """One question. `text` is empty when the wording is licensed and not imported."""

    id: str
    number: int
    response_set: str | None
    kind: str = "choice"  # choice | number | text | yesno
    text: Text = field(default_factory=dict)
    reverse: bool = False
    weight: float = 1.0
    scored: bool = True
    minimum: float | None = None
    maximum: float | None = None
    identifier: bool = False


@dataclass(frozen=True)
class ScoringRule:
    """How a total or a subscale is computed from item scores.

    `min_answered` is the fewest answered items for a valid score; `multiplier` rescales the
    result (WHO-5's ×4). A prorated sum stands for all of `items` (mean of answered × count).
    What each method does with missing items is in buoy/instruments/domain/scoring.py.
    """

    id: str
    method: str
    items: tuple[str, ...]
    min_answered: int
    multiplier: float = 1.0
    label: Text = field(default_factory=dict)

    def describe(self) -> str:
        """One line naming the rule, stored beside every score it produced."""
        return (
            f"{self.id}: {self.method} of {len(self.items)} items, "
            f"at least {self.min_answered} answered"
            + (f", ×{self.multiplier:g}" if self.multiplier != 1 else "")
        )


@dataclass(frozen=True)
class ItemGroup:
    """A descriptive profile (item mean of a group), never a normed score."""

    id: str
    items: tuple[str, ...]
    label: Text = field(default_factory=dict)
    description: Text = field(default_factory=dict)


@dataclass(frozen=True)
class Band:
    """A labelled score range on a scale (``total`` or a subscale id), with its source."""

    scale: str
    low: float
    high: float
    label: Text
    source: str = ""


@dataclass(frozen=True)
class Norm:
    """A reference population to compare scores with."""

    id: str
    population: Text
    mean: float
    sd: float
    reliability: float | None = None
    reliability_kind: str = ""  # "alpha" | "test-retest"
    n: int | None = None
    source: str = ""
    quartiles: tuple[tuple[float, float], ...] = ()  # (low, high) per quartile, if published
    default: bool = False


@dataclass(frozen=True)
class SafetyRule:
    """An answer that must alert the worker (PHQ-9 item 9 above 0)."""

    id: str
    item: str
    above: float
    message: Text


@dataclass(frozen=True)
class Licence:
    """Who holds the instrument's rights and whether its wording may ship with Buoy."""

    status: str
    holder: str = ""
    note: str = ""


@dataclass(frozen=True)
class Instrument:
    """A versioned instrument definition."""

    id: str
    version: str
    name: Text
    licence: Licence
    response_sets: Mapping[str, ResponseSet]
    items: tuple[Item, ...]
    total: ScoringRule
    subscales: tuple[ScoringRule, ...] = ()
    item_groups: tuple[ItemGroup, ...] = ()
    bands: tuple[Band, ...] = ()
    norms: tuple[Norm, ...] = ()
    safety_rules: tuple[SafetyRule, ...] = ()
    citation: str = ""
    description: Text = field(default_factory=dict)
    # What a respondent reads before the items (recall period, how to answer); per language,
    # absent like item wording when it is licensed.
    instructions: Text = field(default_factory=dict)
    # What an import kept that Buoy does not score: REDCap form name, unparsed calc
    # expressions, a FHIR canonical url. Plain JSON values only.
    extras: Mapping[str, Any] = field(default_factory=dict)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.scored)

    def has_wording(self, language: str) -> bool:
        """Whether every item has text in `language` and every answer of those items a label
        in it: what a caregiver needs to answer alone (licensed wording may be missing)."""
        return not self.missing_wording(language)

    def missing_wording(self, language: str) -> tuple[str, ...]:
        """The items whose text, or one of whose answers' labels, is missing in `language`."""
        missing = []
        for item in self.items:
            response_set = self.response_set_of(item)
            options = response_set.options if response_set is not None else ()
            if language not in item.text or any(language not in o.label for o in options):
                missing.append(item.id)
        return tuple(missing)

    def response_set_of(self, item: Item) -> ResponseSet | None:
        return None if item.response_set is None else self.response_sets[item.response_set]


# --- parsing -----------------------------------------------------------------------------


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


def _required(data: Mapping[str, Any], key: str, path: str, kind: type | tuple[type, ...]) -> Any:
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
    method = _required(data, "method", path, str)
    if method not in SCORING_METHODS:
        raise DefinitionError(f"{path}.method", f"must be one of {', '.join(SCORING_METHODS)}")
    items = _required(data, "items", path, list)
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
    instrument_id = _required(data, "id", "", str)
    if not instrument_id.replace("_", "").replace("-", "").isalnum():
        raise DefinitionError("id", "use letters, digits, - and _ only")
    version = str(_required(data, "version", "", (str, int, float)))
    licence_data = _required(data, "licence", "", Mapping)
    status = _required(licence_data, "status", "licence", str)
    if status not in LICENCE_STATUSES:
        raise DefinitionError("licence.status", f"must be one of {', '.join(LICENCE_STATUSES)}")
    licence = Licence(
        status, str(licence_data.get("holder", "")), str(licence_data.get("note", ""))
    )

    response_sets: dict[str, ResponseSet] = {}
    for set_id, set_data in _required(data, "response_sets", "", Mapping).items():
        path = f"response_sets.{set_id}"
        options_data = (
            _required(set_data, "options", path, list) if isinstance(set_data, Mapping) else None
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
    for index, item_data in enumerate(_required(data, "items", "", list)):
        path = f"items[{index}]"
        if not isinstance(item_data, Mapping):
            raise DefinitionError(path, "expected an object")
        item_id = _required(item_data, "id", path, str)
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

    total = _rule(_required(data, "total", "", Mapping), "total", scored_ids)
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
        group_items = _required(group, "items", path, list)
        for position, item_id in enumerate(group_items):
            if item_id not in item_ids:
                raise DefinitionError(f"{path}.items[{position}]", f"unknown item {item_id!r}")
        groups.append(
            ItemGroup(
                id=_required(group, "id", path, str),
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
        low = _number(_required(band, "low", path, (int, float)), f"{path}.low")
        high = _number(_required(band, "high", path, (int, float)), f"{path}.high")
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
        sd = _number(_required(norm, "sd", path, (int, float)), f"{path}.sd")
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
                id=_required(norm, "id", path, str),
                population=_text(norm.get("population"), f"{path}.population"),
                mean=_number(_required(norm, "mean", path, (int, float)), f"{path}.mean"),
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
        item_id = _required(safety_data, "item", path, str)
        if item_id not in item_ids:
            raise DefinitionError(f"{path}.item", f"unknown item {item_id!r}")
        safety.append(
            SafetyRule(
                id=_required(safety_data, "id", path, str),
                item=item_id,
                above=_number(_required(safety_data, "above", path, (int, float)), f"{path}.above"),
                message=_text(safety_data.get("message"), f"{path}.message"),
            )
        )

    name = _text(_required(data, "name", "", (str, Mapping)), "name")
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
        extras=dict(_required(data, "extras", "", Mapping)) if "extras" in data else {},
    )


# --- writing -----------------------------------------------------------------------------


def instrument_to_dict(instrument: Instrument) -> dict[str, Any]:
    """The native JSON form of `instrument`: ``instrument_from_dict(instrument_to_dict(i)) == i``.

    Values that equal the parser's defaults are left out, so a written definition reads like a
    hand-written one; everything else is written out, including empty wording maps' absence.
    """
    data: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "id": instrument.id,
        "version": instrument.version,
        "name": dict(instrument.name),
    }
    if instrument.description:
        data["description"] = dict(instrument.description)
    if instrument.instructions:
        data["instructions"] = dict(instrument.instructions)
    if instrument.citation:
        data["citation"] = instrument.citation
    licence: dict[str, Any] = {"status": instrument.licence.status}
    if instrument.licence.holder:
        licence["holder"] = instrument.licence.holder
    if instrument.licence.note:
        licence["note"] = instrument.licence.note
    data["licence"] = licence
    data["response_sets"] = {
        set_id: {"options": [_option_to_dict(option) for option in response_set.options]}
        for set_id, response_set in instrument.response_sets.items()
    }
    data["items"] = [_item_to_dict(item, index) for index, item in enumerate(instrument.items)]
    data["total"] = _rule_to_dict(instrument.total, with_id=False)
    if instrument.subscales:
        data["subscales"] = [_rule_to_dict(rule, with_id=True) for rule in instrument.subscales]
    if instrument.item_groups:
        data["item_groups"] = [_group_to_dict(group) for group in instrument.item_groups]
    if instrument.bands:
        data["bands"] = [_band_to_dict(band) for band in instrument.bands]
    if instrument.norms:
        data["norms"] = [_norm_to_dict(norm) for norm in instrument.norms]
    if instrument.safety_rules:
        data["safety_rules"] = [
            {"id": rule.id, "item": rule.item, "above": rule.above, "message": dict(rule.message)}
            for rule in instrument.safety_rules
        ]
    if instrument.extras:
        data["extras"] = dict(instrument.extras)
    return data


def _option_to_dict(option: Option) -> dict[str, Any]:
    data: dict[str, Any] = {"value": option.value}
    default = None if isinstance(option.value, str) else float(option.value)
    if option.score != default:
        data["score"] = option.score
    if option.label:
        data["label"] = dict(option.label)
    return data


def _item_to_dict(item: Item, index: int) -> dict[str, Any]:
    data: dict[str, Any] = {"id": item.id}
    if item.number != index + 1:
        data["number"] = item.number
    if item.kind != "choice":
        data["kind"] = item.kind
    if item.response_set is not None:
        data["options"] = item.response_set
    if item.text:
        data["text"] = dict(item.text)
    if item.reverse:
        data["reverse"] = True
    if item.weight != 1:
        data["weight"] = item.weight
    if item.scored != (item.kind != "text"):
        data["scored"] = item.scored
    if item.minimum is not None:
        data["min"] = item.minimum
    if item.maximum is not None:
        data["max"] = item.maximum
    if item.identifier:
        data["identifier"] = True
    return data


def _rule_to_dict(rule: ScoringRule, *, with_id: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"id": rule.id} if with_id else {}
    data["method"] = rule.method
    data["items"] = list(rule.items)
    if rule.min_answered != len(rule.items):
        data["min_answered"] = rule.min_answered
    if rule.multiplier != 1:
        data["multiplier"] = rule.multiplier
    if rule.label:
        data["label"] = dict(rule.label)
    return data


def _group_to_dict(group: ItemGroup) -> dict[str, Any]:
    data: dict[str, Any] = {"id": group.id, "items": list(group.items)}
    if group.label:
        data["label"] = dict(group.label)
    if group.description:
        data["description"] = dict(group.description)
    return data


def _band_to_dict(band: Band) -> dict[str, Any]:
    data: dict[str, Any] = {"scale": band.scale, "low": band.low, "high": band.high}
    if band.label:
        data["label"] = dict(band.label)
    if band.source:
        data["source"] = band.source
    return data


def _norm_to_dict(norm: Norm) -> dict[str, Any]:
    data: dict[str, Any] = {"id": norm.id}
    if norm.population:
        data["population"] = dict(norm.population)
    data["mean"] = norm.mean
    data["sd"] = norm.sd
    if norm.reliability is not None:
        data["reliability"] = norm.reliability
    if norm.reliability_kind:
        data["reliability_kind"] = norm.reliability_kind
    if norm.n is not None:
        data["n"] = norm.n
    if norm.source:
        data["source"] = norm.source
    if norm.quartiles:
        data["quartiles"] = [[low, high] for low, high in norm.quartiles]
    if norm.default:
        data["default"] = True
    return data


# --- editing item groups -----------------------------------------------------------------

GROUP_ID = re.compile(r"^[A-Za-z0-9_-]+$")
GROUP_LABEL_LANGUAGES = ("en", "zh-hans")  # a department's groups are labelled in both


@dataclass(frozen=True)
class GroupProblem:
    """Why a proposed item group is refused, as data, so the caller words it for its reader.

    `index` is the group's place in the list given (from 0); `field` is ``id``, ``items`` or
    ``label.<language>``; `kind` is ``missing``, ``invalid``, ``duplicate``, ``empty`` or
    ``unknown``; `values` are the offending ids.
    """

    index: int
    field: str
    kind: str
    values: tuple[str, ...] = ()

    def describe(self) -> str:
        """The problem in English, for errors outside the pages (definition paths)."""
        subject = ", ".join(self.values)
        return {
            "missing": "is missing",
            "invalid": f"{subject!r}: use letters, digits, - and _ only",
            "duplicate": f"group id {subject!r} appears twice",
            "empty": "a group needs at least one item",
            "unknown": f"not a scored item of this instrument: {subject}",
        }[self.kind]


def item_group_problems(instrument: Instrument, groups: Sequence[ItemGroup]) -> list[GroupProblem]:
    """Every reason `groups` cannot be `instrument`'s item groups; empty when they can.

    Each group needs an id (letters, digits, - and _) that no earlier group has, a label in
    English and in Chinese, and at least one item, all of them scored items of the instrument.
    An empty list of groups is allowed: the instrument then shows no profiles.
    """
    scored = {item.id for item in instrument.scored_items}
    problems: list[GroupProblem] = []
    seen: set[str] = set()
    for index, group in enumerate(groups):
        group_id = group.id.strip()
        if not group_id:
            problems.append(GroupProblem(index, "id", "missing"))
        elif not GROUP_ID.match(group_id):
            problems.append(GroupProblem(index, "id", "invalid", (group_id,)))
        elif group_id in seen:
            problems.append(GroupProblem(index, "id", "duplicate", (group_id,)))
        seen.add(group_id)
        for language in GROUP_LABEL_LANGUAGES:
            if not group.label.get(language, "").strip():
                problems.append(GroupProblem(index, f"label.{language}", "missing"))
        unknown = tuple(dict.fromkeys(i for i in group.items if i not in scored))
        if not group.items:
            problems.append(GroupProblem(index, "items", "empty"))
        elif unknown:
            problems.append(GroupProblem(index, "items", "unknown", unknown))
    return problems


def tidy_item_groups(instrument: Instrument, groups: Sequence[ItemGroup]) -> tuple[ItemGroup, ...]:
    """`groups` as they are stored: ids and texts stripped, empty texts left out, and each
    group's items once, in the instrument's order (a group is a set of items)."""
    order = {item.id: index for index, item in enumerate(instrument.items)}

    def texts(text: Text) -> dict[str, str]:
        return {language: value.strip() for language, value in text.items() if value.strip()}

    return tuple(
        ItemGroup(
            id=group.id.strip(),
            items=tuple(sorted(set(group.items), key=lambda i: (order.get(i, len(order)), i))),
            label=texts(group.label),
            description=texts(group.description),
        )
        for group in groups
    )


def with_item_groups(instrument: Instrument, groups: Sequence[ItemGroup]) -> Instrument:
    """A copy of `instrument` whose item groups are `groups` (tidied); nothing else changes.

    Raises DefinitionError on the first problem `item_group_problems` finds. The copy keeps
    the version number: the caller gives it the next one.
    """
    for problem in item_group_problems(instrument, groups):
        raise DefinitionError(f"item_groups[{problem.index}].{problem.field}", problem.describe())
    return replace(instrument, item_groups=tidy_item_groups(instrument, groups))


# --- files -------------------------------------------------------------------------------


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


# --- licensed wording --------------------------------------------------------------------


def merge_wording(instrument: Instrument, wording: Any, *, source: str = "") -> Instrument:
    """A copy of `instrument` with a site's item texts and option labels added or replaced.

    `wording` is a wording file's value (docs/instruments/cdrisc10.md):
    ``{"instrument": "cdrisc10", "version": "1", "language": "zh-hans",
    "items": {"item1": "…"}, "options": {"set_id": {"0": "…"}}, "instructions": "…"}``.
    With a top-level ``language`` the texts are plain strings; without one each text is a map
    of language to text, so one file may carry several languages. Only the languages in the
    file change; items it leaves out keep what they had (a partial file is allowed:
    `Instrument.has_wording` says whether a language is complete). Unknown items, response sets
    or option values are refused, all of them named, and nothing is merged.
    """
    try:
        return _merge_wording(instrument, wording)
    except DefinitionError as error:
        raise DefinitionError(error.path, error.message, source=source) from None


def _merge_wording(instrument: Instrument, wording: Any) -> Instrument:
    if not isinstance(wording, Mapping):
        raise DefinitionError("", "a wording file is a JSON object")
    known = {"format", "instrument", "version", "language", "items", "options", "instructions"}
    unknown_keys = sorted(set(wording) - known)
    if unknown_keys:
        raise DefinitionError("", f"unknown keys: {', '.join(map(str, unknown_keys))}")
    target = _required(wording, "instrument", "", str)
    if target != instrument.id:
        raise DefinitionError("instrument", f"the file is for {target!r}, not {instrument.id!r}")
    if "version" in wording and str(wording["version"]) != instrument.version:
        raise DefinitionError(
            "version",
            f"the file is for version {wording['version']!r}; this definition is version "
            f"{instrument.version!r}",
        )
    language = wording.get("language")
    if language is not None and (
        not isinstance(language, str) or not LANGUAGE_CODE.match(language)
    ):
        raise DefinitionError("language", "expected a lower-case language code such as zh-hans")

    def texts(value: Any, path: str) -> dict[str, str]:
        if language is not None:
            if not isinstance(value, str) or not value.strip():
                raise DefinitionError(path, "expected non-empty text")
            return {language: value}
        if not isinstance(value, Mapping) or not value:
            raise DefinitionError(
                path, "expected a map of language to text (or give a top-level language)"
            )
        for code, text in value.items():
            if not isinstance(code, str) or not LANGUAGE_CODE.match(code):
                raise DefinitionError(path, f"{code!r} is not a lower-case language code")
            if not isinstance(text, str) or not text.strip():
                raise DefinitionError(f"{path}.{code}", "expected non-empty text")
        return dict(value)

    item_texts = wording.get("items", {})
    if not isinstance(item_texts, Mapping):
        raise DefinitionError("items", "expected an object of item id to text")
    item_ids = {item.id for item in instrument.items}
    unknown_items = [str(item_id) for item_id in item_texts if item_id not in item_ids]
    if unknown_items:
        raise DefinitionError(
            "items",
            f"unknown item{'s' if len(unknown_items) > 1 else ''} "
            f"{', '.join(unknown_items)} (this instrument has {', '.join(sorted(item_ids))})",
        )
    new_item_texts = {
        item_id: texts(value, f"items.{item_id}") for item_id, value in item_texts.items()
    }

    option_labels = wording.get("options", {})
    if not isinstance(option_labels, Mapping):
        raise DefinitionError("options", "expected an object of response set id to labels")
    unknown_sets = [str(s) for s in option_labels if s not in instrument.response_sets]
    if unknown_sets:
        raise DefinitionError("options", f"unknown response set(s) {', '.join(unknown_sets)}")
    new_labels: dict[str, dict[str, dict[str, str]]] = {}
    for set_id, labels in option_labels.items():
        path = f"options.{set_id}"
        if not isinstance(labels, Mapping):
            raise DefinitionError(path, "expected an object of option value to label")
        values = {str(option.value): option for option in instrument.response_sets[set_id].options}
        unknown_values = [str(v) for v in labels if str(v) not in values]
        if unknown_values:
            raise DefinitionError(
                path,
                f"unknown option value(s) {', '.join(unknown_values)} "
                f"(the set has {', '.join(values)})",
            )
        new_labels[set_id] = {
            str(value): texts(label, f"{path}.{value}") for value, label in labels.items()
        }

    instructions = dict(instrument.instructions)
    if "instructions" in wording:
        instructions.update(texts(wording["instructions"], "instructions"))

    items = tuple(
        replace(item, text={**item.text, **new_item_texts[item.id]})
        if item.id in new_item_texts
        else item
        for item in instrument.items
    )
    response_sets = {
        set_id: (
            ResponseSet(
                set_id,
                tuple(
                    replace(
                        option,
                        label={**option.label, **new_labels[set_id].get(str(option.value), {})},
                    )
                    for option in response_set.options
                ),
            )
            if set_id in new_labels
            else response_set
        )
        for set_id, response_set in instrument.response_sets.items()
    }
    return replace(instrument, items=items, response_sets=response_sets, instructions=instructions)
