"""A site's licensed wording merged into a definition: `merge_wording`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from buoy.instruments.domain.definition.model import (
    LANGUAGE_CODE,
    DefinitionError,
    Instrument,
    ResponseSet,
)
from buoy.instruments.domain.definition.reading import required


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
    """Check the whole file first (its problems in file order), then merge it."""
    language = _checked_heading(instrument, wording)
    item_texts = _item_texts(instrument, wording, language)
    labels = _option_labels(instrument, wording, language)
    instructions = dict(instrument.instructions)
    if "instructions" in wording:
        instructions.update(_texts(wording["instructions"], "instructions", language))
    items = tuple(
        replace(item, text={**item.text, **item_texts[item.id]}) if item.id in item_texts else item
        for item in instrument.items
    )
    response_sets = {
        set_id: (
            _relabelled(set_id, response_set, labels[set_id]) if set_id in labels else response_set
        )
        for set_id, response_set in instrument.response_sets.items()
    }
    return replace(instrument, items=items, response_sets=response_sets, instructions=instructions)


def _checked_heading(instrument: Instrument, wording: Any) -> str | None:
    """The file's language (None: each text names its own), once its keys, instrument and
    version are known to fit."""
    if not isinstance(wording, Mapping):
        raise DefinitionError("", "a wording file is a JSON object")
    known = {"format", "instrument", "version", "language", "items", "options", "instructions"}
    unknown_keys = sorted(set(wording) - known)
    if unknown_keys:
        raise DefinitionError("", f"unknown keys: {', '.join(map(str, unknown_keys))}")
    target = required(wording, "instrument", "", str)
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
    return language


def _texts(value: Any, path: str, language: str | None) -> dict[str, str]:
    """One text of the file by language: plain text in the file's `language`, or a map."""
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


def _item_texts(
    instrument: Instrument, wording: Mapping[str, Any], language: str | None
) -> dict[str, dict[str, str]]:
    """Item id → its new texts by language; every unknown item named at once."""
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
    return {
        item_id: _texts(value, f"items.{item_id}", language)
        for item_id, value in item_texts.items()
    }


def _option_labels(
    instrument: Instrument, wording: Mapping[str, Any], language: str | None
) -> dict[str, dict[str, dict[str, str]]]:
    """Response set id → option value (as text) → its new labels by language."""
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
            str(value): _texts(label, f"{path}.{value}", language)
            for value, label in labels.items()
        }
    return new_labels


def _relabelled(
    set_id: str, response_set: ResponseSet, labels: Mapping[str, dict[str, str]]
) -> ResponseSet:
    return ResponseSet(
        set_id,
        tuple(
            replace(option, label={**option.label, **labels.get(str(option.value), {})})
            for option in response_set.options
        ),
    )
