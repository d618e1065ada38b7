"""QuestionnaireResponses: answers read (checked against the instrument) and written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from buoy.instruments.domain.definition import Instrument, Item, Option, text_or_first
from buoy.instruments.domain.fhir.elements import (
    RESPONSE_STATUSES,
    Value,
    expect_type,
    listed,
    load_json,
)
from buoy.instruments.domain.fhir.writer import fhir_meta
from buoy.instruments.domain.interop_errors import InteropError
from buoy.instruments.domain.response_sets import options_of


@dataclass(frozen=True)
class ResponseAnswers:
    """What a QuestionnaireResponse said: answers by item id, and the scores it reported."""

    answers: dict[str, Value]
    status: str | None
    authored: str | None
    questionnaire: str | None
    reported: dict[str, float] = field(default_factory=dict)  # calculated items, by linkId
    ignored: tuple[str, ...] = ()  # linkIds the instrument does not know


def _canonical(url: str) -> str:
    return url.split("|", 1)[0].rstrip("/")


def read_questionnaire_response(
    json_text_or_dict: str | bytes | Mapping[str, Any],
    instrument: Instrument,
    *,
    source: str,
) -> ResponseAnswers:
    """Answers of a QuestionnaireResponse to `instrument`, checked against its options."""
    resource = load_json(json_text_or_dict, source)
    expect_type(resource, "QuestionnaireResponse", source)
    meta = fhir_meta(instrument)
    questionnaire = resource.get("questionnaire")
    questionnaire = questionnaire if isinstance(questionnaire, str) else None
    url = meta.get("url")
    if questionnaire and isinstance(url, str) and _canonical(questionnaire) != _canonical(url):
        raise InteropError(
            source,
            None,
            None,
            f"answers the questionnaire {questionnaire}, not {url} ({instrument.id})",
            path="questionnaire",
        )
    status = resource.get("status")
    if status is not None and status not in RESPONSE_STATUSES:
        raise InteropError(
            source, None, None, f"'{status}' is not a response status", path="status"
        )
    items = {item.id: item for item in instrument.items}
    calculated = {str(link) for link in (meta.get("rules") or {}).values()}
    answers: dict[str, Value] = {}
    reported: dict[str, float] = {}
    ignored: list[str] = []

    def walk(elements: Any, prefix: str) -> None:
        if not isinstance(elements, list):
            return
        for index, element in enumerate(elements):
            path = f"{prefix}item[{index}]"
            if not isinstance(element, Mapping):
                raise InteropError(source, None, None, "expected an object", path=path)
            link = element.get("linkId")
            if not isinstance(link, str):
                raise InteropError(source, None, None, "is missing", path=f"{path}.linkId")
            given = element.get("answer") or []
            if not isinstance(given, list):
                raise InteropError(source, None, None, "expected a list", path=f"{path}.answer")
            if given:
                if link in items:
                    if len(given) > 1:
                        raise InteropError(
                            source,
                            None,
                            None,
                            f"'{link}' has {len(given)} answers; Buoy keeps one per item",
                            path=f"{path}.answer",
                        )
                    answers[link] = _answer_value(
                        instrument, items[link], given[0], source, f"{path}.answer[0]"
                    )
                else:
                    number = _numeric_answer(given[0])
                    if number is not None and (link in calculated or not calculated):
                        reported[link] = number
                    else:
                        ignored.append(link)
            walk(element.get("item"), f"{path}.")
            for position, answer in enumerate(given):
                if isinstance(answer, Mapping):
                    walk(answer.get("item"), f"{path}.answer[{position}].")

    walk(resource.get("item"), "")
    authored = resource.get("authored")
    return ResponseAnswers(
        answers={item.id: answers[item.id] for item in instrument.items if item.id in answers},
        status=status if isinstance(status, str) else None,
        authored=authored if isinstance(authored, str) else None,
        questionnaire=questionnaire,
        reported=reported,
        ignored=tuple(ignored),
    )


def _numeric_answer(answer: Any) -> float | None:
    if not isinstance(answer, Mapping):
        return None
    for key in ("valueDecimal", "valueInteger"):
        value = answer.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    quantity = answer.get("valueQuantity")
    if isinstance(quantity, Mapping):
        value = quantity.get("value")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _answer_value(instrument: Instrument, item: Item, answer: Any, source: str, path: str) -> Value:
    """One answer as the item's value: an option's value, a number, 1/0 or text."""
    if not isinstance(answer, Mapping):
        raise InteropError(source, None, None, "expected an object", path=path)
    options = options_of(instrument, item)
    if options:
        return _option_value(item, options, answer, source, path)
    if item.kind == "number":
        number = _numeric_answer(answer)
        if number is None:
            raise InteropError(source, None, None, f"'{item.id}' needs a number", path=path)
        return int(number) if number.is_integer() and "valueInteger" in answer else number
    if item.kind == "yesno":
        if isinstance(answer.get("valueBoolean"), bool):
            return 1 if answer["valueBoolean"] else 0
        raise InteropError(source, None, None, f"'{item.id}' needs true or false", path=path)
    for key, value in answer.items():
        if (
            key.startswith("value")
            and isinstance(value, str | int | float)
            and not isinstance(value, bool)
        ):
            return value if isinstance(value, str) else str(value)
        if key == "valueCoding" and isinstance(value, Mapping):
            return str(value.get("code") or value.get("display") or "")
    raise InteropError(source, None, None, f"no value for '{item.id}'", path=path)


def _option_value(
    item: Item, options: Sequence[Option], answer: Mapping[str, Any], source: str, path: str
) -> Value:
    """The option a choice answer names by its code (or integer, string, date, boolean)."""
    candidates: list[str] = []
    if isinstance(answer.get("valueCoding"), Mapping):
        code = answer["valueCoding"].get("code")
        if isinstance(code, str):
            candidates.append(code)
    for key in ("valueInteger", "valueString", "valueDate", "valueTime"):
        value = answer.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool):
            candidates.append(str(value))
    if isinstance(answer.get("valueBoolean"), bool):
        candidates.append("1" if answer["valueBoolean"] else "0")
    if not candidates:
        raise InteropError(
            source, None, None, f"no code or value for the choice item '{item.id}'", path=path
        )
    for option in options:
        if str(option.value) == candidates[0]:
            return option.value
    codes = ", ".join(str(o.value) for o in options)
    raise InteropError(
        source,
        None,
        None,
        f"'{candidates[0]}' is not an option of '{item.id}' ({codes})",
        path=path,
    )


def write_questionnaire_response(
    instrument: Instrument,
    answers: Mapping[str, Value],
    *,
    questionnaire_url: str,
    status: str = "completed",
    authored: str | None = None,
    language: str = "en",
) -> dict[str, Any]:
    """A QuestionnaireResponse with `answers` (by item id), nested like the questionnaire."""
    if status not in RESPONSE_STATUSES:
        raise ValueError(f"status must be one of {', '.join(RESPONSE_STATUSES)}, not {status!r}")
    items = {item.id: item for item in instrument.items}
    for item_id in answers:
        if item_id not in items:
            raise InteropError(
                instrument.id, None, None, f"'{item_id}' is not an item of {instrument.id}"
            )
    writer = _ResponseWriter(instrument, answers, language)
    response_items = writer.from_layout(listed(writer.meta.get("layout")))
    for item in instrument.items:
        if item.id in answers and item.id not in writer.written:
            response_items.append(writer.item_json(item))
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire_url,
        "status": status,
    }
    if authored:
        response["authored"] = authored
    response["item"] = response_items
    return response


class _ResponseWriter:
    """The answers as response items, in the questionnaire's groups when it had some."""

    def __init__(self, instrument: Instrument, answers: Mapping[str, Value], language: str) -> None:
        self.instrument = instrument
        self.answers = answers
        self.language = language
        self.items = {item.id: item for item in instrument.items}
        self.meta = fhir_meta(instrument)
        self.items_meta: Mapping[str, Any] = self.meta.get("items") or {}
        self.written: set[str] = set()

    def from_layout(self, entries: Sequence[Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            link = str(entry.get("linkId", ""))
            if entry.get("kind") == "group":
                children = self.from_layout(listed(entry.get("item")))
                if children:
                    group: dict[str, Any] = {"linkId": link}
                    if entry.get("text"):
                        group["text"] = entry["text"]
                    group["item"] = children
                    out.append(group)
            elif entry.get("kind") == "item" and link in self.answers and link in self.items:
                out.append(self.item_json(self.items[link]))
                self.written.add(link)
        return out

    def item_json(self, item: Item) -> dict[str, Any]:
        element: dict[str, Any] = {"linkId": item.id}
        text = text_or_first(item.text, self.language)
        if text:
            element["text"] = text
        element["answer"] = [self.answer_json(item, self.answers[item.id])]
        return element

    def answer_json(self, item: Item, value: Value) -> dict[str, Any]:
        stored: Mapping[str, Any] = self.items_meta.get(item.id) or {}
        options = options_of(self.instrument, item)
        if options and stored.get("type") != "boolean":
            for option in options:
                if option.value == value or str(option.value) == str(value):
                    return self.option_json(option, stored)
            codes = ", ".join(str(o.value) for o in options)
            raise InteropError(
                self.instrument.id,
                None,
                None,
                f"{value!r} is not an option of '{item.id}' ({codes})",
            )
        if item.kind == "yesno":
            return {"valueBoolean": bool(int(value))}
        if item.kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InteropError(self.instrument.id, None, None, f"'{item.id}' needs a number")
            if stored.get("type") == "integer" and float(value).is_integer():
                return {"valueInteger": int(value)}
            return {"valueDecimal": value}
        return {"valueString": str(value)}

    def option_json(self, option: Option, stored: Mapping[str, Any]) -> dict[str, Any]:
        """An option answer as the questionnaire offered it (integer, string or coding)."""
        kind = stored.get("option_kind", "coding")
        if kind == "integer" and isinstance(option.value, int):
            return {"valueInteger": option.value}
        if kind == "string":
            return {"valueString": str(option.value)}
        coding: dict[str, Any] = {"code": str(option.value)}
        if isinstance(stored.get("system"), str):
            coding["system"] = stored["system"]
        label = text_or_first(option.label, self.language)
        if label:
            coding["display"] = label
        return {"valueCoding": coding}
