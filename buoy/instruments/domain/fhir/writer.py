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
    r5 = release == "R5"
    weight_url = ITEM_WEIGHT if r5 else ORDINAL_VALUE
    meta = fhir_meta(instrument)
    items_meta: Mapping[str, Any] = meta.get("items") or {}
    rule_links: Mapping[str, Any] = meta.get("rules") or {}
    everything = [
        item.id
        for item in instrument.items
        if item.kind in ("choice", "yesno")
        and item.response_set is not None
        and any(
            _effective_score(instrument, item, o) is not None for o in options_of(instrument, item)
        )
        and (items_meta.get(item.id) or {}).get("type") != "boolean"
    ]

    def item_json(item: Item) -> dict[str, Any]:
        stored: Mapping[str, Any] = items_meta.get(item.id) or {}
        element: dict[str, Any] = {"linkId": item.id}
        for key in ("code", "prefix"):
            if key in stored:
                element[key] = stored[key]
        text = text_or_first(item.text, language)
        if text:
            element["text"] = text
        options = options_of(instrument, item)
        if item.kind in ("choice", "yesno") and options and stored.get("type") != "boolean":
            element["type"] = "coding" if r5 else "choice"
            if r5:
                element["answerConstraint"] = "optionsOnly"
            answer_options = []
            option_kind = stored.get("option_kind", "coding")
            for option in options:
                answer: dict[str, Any] = {}
                score = _effective_score(instrument, item, option)
                if score is not None:
                    answer["extension"] = [{"url": weight_url, "valueDecimal": _number(score)}]
                label = text_or_first(option.label, language)
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
                answer_options.append(answer)
            element["answerOption"] = answer_options
        elif item.kind == "yesno":
            element["type"] = "boolean"
        elif item.kind == "number":
            fhir_type = stored.get("type")
            element["type"] = fhir_type if fhir_type in ("integer", "decimal") else "decimal"
            bounds = []
            for url, bound in ((MIN_VALUE, item.minimum), (MAX_VALUE, item.maximum)):
                if bound is not None:
                    key = "valueInteger" if element["type"] == "integer" else "valueDecimal"
                    value: int | float = int(bound) if key == "valueInteger" else _number(bound)
                    bounds.append({"url": url, key: value})
            if bounds:
                element["extension"] = bounds
        else:
            fhir_type = stored.get("type")
            element["type"] = (
                fhir_type
                if fhir_type in ("string", "text", "date", "dateTime", "time", "url")
                else "string"
            )
        for key in ("required", "repeats", "enableWhen", "enableBehavior"):
            if key in stored:
                element[key] = stored[key]
        return element

    rules = [instrument.total, *instrument.subscales]

    def rule_json(rule: ScoringRule, link_id: str, stored: Mapping[str, Any]) -> dict[str, Any]:
        element: dict[str, Any] = {
            "linkId": link_id,
            "extension": [
                {
                    "url": CALCULATED_EXPRESSION,
                    "valueExpression": {
                        "description": rule.describe(),
                        "language": "text/fhirpath",
                        "expression": _rule_expression(instrument, rule, everything),
                    },
                }
            ],
        }
        if "code" in stored:
            element["code"] = stored["code"]
        label = (
            text_or_first(rule.label, language)
            or stored.get("text")
            or ("Total score" if rule.id == "total" else rule.id)
        )
        element.update({"text": label, "type": "decimal", "readOnly": True})
        return element

    written: set[str] = set()
    rule_by_link = {str(link): rule_id for rule_id, link in rule_links.items()}
    rules_by_id = {rule.id: rule for rule in rules}

    def from_layout(entries: Sequence[Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            link = str(entry.get("linkId", ""))
            kind = entry.get("kind")
            raw_meta = entry.get("meta")
            stored_meta: Mapping[str, Any] = raw_meta if isinstance(raw_meta, Mapping) else {}
            if kind == "group":
                children = from_layout(listed(entry.get("item")))
                if children:
                    group: dict[str, Any] = {"linkId": link}
                    if "code" in stored_meta:
                        group["code"] = stored_meta["code"]
                    if entry.get("text"):
                        group["text"] = entry["text"]
                    group.update({"type": "group", "item": children})
                    out.append(group)
            elif kind == "display":
                display: dict[str, Any] = {"linkId": link, "text": entry.get("text", "")}
                display["type"] = "display"
                out.append(display)
            elif kind == "calculated":
                rule_id = rule_by_link.get(link)
                if rule_id in rules_by_id:
                    out.append(
                        rule_json(
                            rules_by_id[rule_id], link, {**stored_meta, "text": entry.get("text")}
                        )
                    )
                    written.add(f"rule:{rule_id}")
            elif kind == "item" and link in {i.id for i in instrument.items}:
                out.append(item_json(instrument.item(link)))
                written.add(link)
        return out

    items = from_layout(listed(meta.get("layout")))
    for item in instrument.items:
        if item.id not in written:
            items.append(item_json(item))
    taken = {i.id for i in instrument.items} | set(rule_by_link)
    for rule in rules:
        if f"rule:{rule.id}" in written:
            continue
        link = rule.id
        while link in taken:
            link = f"{link}_score"
        taken.add(link)
        items.append(rule_json(rule, link, {}))

    questionnaire: dict[str, Any] = {"resourceType": "Questionnaire"}
    fhir_id = re.sub(r"[^A-Za-z0-9\-.]", "-", str(meta.get("id") or instrument.id))[:64]
    questionnaire["id"] = fhir_id
    if isinstance(meta.get("url"), str):
        questionnaire["url"] = meta["url"]
    questionnaire["version"] = instrument.version
    name = str(meta.get("name") or instrument.id)
    questionnaire["name"] = name
    title = text_or_first(instrument.name, language)
    if title:
        questionnaire["title"] = title
    questionnaire["status"] = (
        meta.get("status")
        if meta.get("status")
        in (
            "draft",
            "active",
            "retired",
            "unknown",
        )
        else "active"
    )
    if "code" in meta:
        questionnaire["code"] = meta["code"]
    description = text_or_first(instrument.description, language)
    if description:
        questionnaire["description"] = description
    if instrument.citation:
        questionnaire["copyright"] = instrument.citation
    questionnaire["item"] = items
    return questionnaire
