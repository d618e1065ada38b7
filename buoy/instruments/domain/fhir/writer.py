"""Writing a Questionnaire (R4 or R5) for an instrument: `write_questionnaire`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from buoy.instruments.domain.definition import Instrument, Item, Option, ScoringRule, text_or_first
from buoy.instruments.domain.fhir.elements import (
    CALCULATED_EXPRESSION,
    ITEM_WEIGHT,
    MAX_VALUE,
    MIN_VALUE,
    ORDINAL_VALUE,
    listed,
)
from buoy.instruments.domain.response_sets import options_of


def _effective_score(instrument: Instrument, item: Item, option: Option) -> float | None:
    """The score an option contributes once reverse keying and item weight are applied."""
    if option.score is None:
        return None
    score = option.score
    if item.reverse:
        scores = [o.score for o in options_of(instrument, item) if o.score is not None]
        score = min(scores) + max(scores) - score
    return score * item.weight


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def fhir_meta(instrument: Instrument) -> Mapping[str, Any]:
    """What a FHIR import kept in the extras (group layout, codes, url), or {}."""
    fhir = instrument.extras.get("fhir")
    return fhir if isinstance(fhir, Mapping) else {}


def _rule_expression(instrument: Instrument, rule: ScoringRule, everything: Sequence[str]) -> str:
    """FHIRPath that computes the rule in any SDC form filler (the minimum answered aside)."""
    aggregate = "avg()" if rule.method in ("mean", "prorated_sum") else "sum()"
    numbers = {i.id for i in instrument.items if i.kind == "number"}
    if numbers & set(rule.items):
        # weight() gives nothing for a number answer: add the items one by one.
        terms = " + ".join(
            f"%resource.repeat(item).where(linkId = '{link}').answer.value"
            + ("" if link in numbers else ".weight()")
            for link in rule.items
        )
        expression = (
            f"({terms}) / {len(rule.items)}" if rule.method in ("mean", "prorated_sum") else terms
        )
    elif list(rule.items) == list(everything):
        expression = f"%resource.repeat(item).answer.value.weight().{aggregate}"
    else:
        condition = " or ".join(f"linkId = '{link}'" for link in rule.items)
        expression = f"%resource.repeat(item).where({condition}).answer.value.weight().{aggregate}"
    factor = rule.multiplier * (len(rule.items) if rule.method == "prorated_sum" else 1)
    if factor != 1:
        expression = f"({expression}) * {_number(factor)}"
    return expression


def write_questionnaire(
    instrument: Instrument, *, fhir_version: str = "R4", language: str = "en"
) -> dict[str, Any]:
    """A FHIR Questionnaire (R4 or R5) for an instrument, with its total as a calculated item."""
    release = fhir_version.upper()
    if release not in ("R4", "R4B", "R5"):
        raise ValueError(f"fhir_version must be R4, R4B or R5, not {fhir_version!r}")
    return _QuestionnaireWriter(instrument, r5=release == "R5", language=language).write()


class _QuestionnaireWriter:
    """One instrument as a Questionnaire, nested as its FHIR import was when it was one."""

    def __init__(self, instrument: Instrument, *, r5: bool, language: str) -> None:
        self.instrument = instrument
        self.r5 = r5
        self.language = language
        self.weight_url = ITEM_WEIGHT if r5 else ORDINAL_VALUE
        self.meta = fhir_meta(instrument)
        self.items_meta: Mapping[str, Any] = self.meta.get("items") or {}
        rule_links: Mapping[str, Any] = self.meta.get("rules") or {}
        # the items a plain weight().sum() adds up: those with weighted options
        self.everything = [
            item.id
            for item in instrument.items
            if item.kind in ("choice", "yesno")
            and item.response_set is not None
            and any(
                _effective_score(instrument, item, o) is not None
                for o in options_of(instrument, item)
            )
            and (self.items_meta.get(item.id) or {}).get("type") != "boolean"
        ]
        self.rules = [instrument.total, *instrument.subscales]
        self.rule_by_link = {str(link): rule_id for rule_id, link in rule_links.items()}
        self.rules_by_id = {rule.id: rule for rule in self.rules}
        self.written: set[str] = set()  # item ids, and "rule:<id>", already placed

    def write(self) -> dict[str, Any]:
        instrument = self.instrument
        items = self.from_layout(listed(self.meta.get("layout")))
        for item in instrument.items:
            if item.id not in self.written:
                items.append(self.item_json(item))
        taken = {i.id for i in instrument.items} | set(self.rule_by_link)
        for rule in self.rules:
            if f"rule:{rule.id}" in self.written:
                continue
            link = rule.id
            while link in taken:
                link = f"{link}_score"
            taken.add(link)
            items.append(self.rule_json(rule, link, {}))
        questionnaire = _heading(instrument, self.meta, self.language)
        questionnaire["item"] = items
        return questionnaire

    def from_layout(self, entries: Sequence[Any]) -> list[dict[str, Any]]:
        """The items in the layout a FHIR import kept: groups, display texts, rules."""
        out: list[dict[str, Any]] = []
        item_ids = {i.id for i in self.instrument.items}
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            link = str(entry.get("linkId", ""))
            kind = entry.get("kind")
            raw_meta = entry.get("meta")
            stored_meta: Mapping[str, Any] = raw_meta if isinstance(raw_meta, Mapping) else {}
            if kind == "group":
                children = self.from_layout(listed(entry.get("item")))
                if children:
                    group: dict[str, Any] = {"linkId": link}
                    if "code" in stored_meta:
                        group["code"] = stored_meta["code"]
                    if entry.get("text"):
                        group["text"] = entry["text"]
                    group.update({"type": "group", "item": children})
                    out.append(group)
            elif kind == "display":
                out.append({"linkId": link, "text": entry.get("text", ""), "type": "display"})
            elif kind == "calculated":
                rule_id = self.rule_by_link.get(link)
                if rule_id in self.rules_by_id:
                    stored = {**stored_meta, "text": entry.get("text")}
                    out.append(self.rule_json(self.rules_by_id[rule_id], link, stored))
                    self.written.add(f"rule:{rule_id}")
            elif kind == "item" and link in item_ids:
                out.append(self.item_json(self.instrument.item(link)))
                self.written.add(link)
        return out

    def item_json(self, item: Item) -> dict[str, Any]:
        stored: Mapping[str, Any] = self.items_meta.get(item.id) or {}
        element: dict[str, Any] = {"linkId": item.id}
        for key in ("code", "prefix"):
            if key in stored:
                element[key] = stored[key]
        text = text_or_first(item.text, self.language)
        if text:
            element["text"] = text
        options = options_of(self.instrument, item)
        if item.kind in ("choice", "yesno") and options and stored.get("type") != "boolean":
            element["type"] = "coding" if self.r5 else "choice"
            if self.r5:
                element["answerConstraint"] = "optionsOnly"
            element["answerOption"] = [self.answer_option(item, o, stored) for o in options]
        elif item.kind == "yesno":
            element["type"] = "boolean"
        elif item.kind == "number":
            element.update(_number_type(item, stored))
        else:
            fhir_type = stored.get("type")
            element["type"] = fhir_type if fhir_type in _TEXT_TYPES else "string"
        for key in ("required", "repeats", "enableWhen", "enableBehavior"):
            if key in stored:
                element[key] = stored[key]
        return element

    def answer_option(self, item: Item, option: Option, stored: Mapping[str, Any]) -> Any:
        """One answerOption, its weight the option's effective score."""
        answer: dict[str, Any] = {}
        score = _effective_score(self.instrument, item, option)
        if score is not None:
            answer["extension"] = [{"url": self.weight_url, "valueDecimal": _number(score)}]
        label = text_or_first(option.label, self.language)
        option_kind = stored.get("option_kind", "coding")
        if option_kind == "integer" and isinstance(option.value, int):
            answer["valueInteger"] = option.value
        elif option_kind == "string":
            answer["valueString"] = str(option.value)
        else:
            coding: dict[str, Any] = {"code": str(option.value)}
            if isinstance(stored.get("system"), str):
                coding["system"] = stored["system"]
            if label:
                coding["display"] = label
            answer["valueCoding"] = coding
        return answer

    def rule_json(self, rule: ScoringRule, link_id: str, stored: Mapping[str, Any]) -> Any:
        """A read-only calculated item whose expression computes the rule."""
        element: dict[str, Any] = {
            "linkId": link_id,
            "extension": [
                {
                    "url": CALCULATED_EXPRESSION,
                    "valueExpression": {
                        "description": rule.describe(),
                        "language": "text/fhirpath",
                        "expression": _rule_expression(self.instrument, rule, self.everything),
                    },
                }
            ],
        }
        if "code" in stored:
            element["code"] = stored["code"]
        label = (
            text_or_first(rule.label, self.language)
            or stored.get("text")
            or ("Total score" if rule.id == "total" else rule.id)
        )
        element.update({"text": label, "type": "decimal", "readOnly": True})
        return element


_TEXT_TYPES = ("string", "text", "date", "dateTime", "time", "url")


def _number_type(item: Item, stored: Mapping[str, Any]) -> dict[str, Any]:
    """A number item's type (integer or decimal) and its minValue / maxValue extensions."""
    fhir_type = stored.get("type")
    element: dict[str, Any] = {
        "type": fhir_type if fhir_type in ("integer", "decimal") else "decimal"
    }
    bounds = []
    for url, bound in ((MIN_VALUE, item.minimum), (MAX_VALUE, item.maximum)):
        if bound is not None:
            key = "valueInteger" if element["type"] == "integer" else "valueDecimal"
            value: int | float = int(bound) if key == "valueInteger" else _number(bound)
            bounds.append({"url": url, key: value})
    if bounds:
        element["extension"] = bounds
    return element


def _heading(instrument: Instrument, meta: Mapping[str, Any], language: str) -> dict[str, Any]:
    """The Questionnaire's own elements, before its items."""
    questionnaire: dict[str, Any] = {"resourceType": "Questionnaire"}
    fhir_id = re.sub(r"[^A-Za-z0-9\-.]", "-", str(meta.get("id") or instrument.id))[:64]
    questionnaire["id"] = fhir_id
    if isinstance(meta.get("url"), str):
        questionnaire["url"] = meta["url"]
    questionnaire["version"] = instrument.version
    questionnaire["name"] = str(meta.get("name") or instrument.id)
    title = text_or_first(instrument.name, language)
    if title:
        questionnaire["title"] = title
    status = meta.get("status")
    questionnaire["status"] = (
        status if status in ("draft", "active", "retired", "unknown") else "active"
    )
    if "code" in meta:
        questionnaire["code"] = meta["code"]
    description = text_or_first(instrument.description, language)
    if description:
        questionnaire["description"] = description
    if instrument.citation:
        questionnaire["copyright"] = instrument.citation
    return questionnaire
