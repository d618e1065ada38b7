"""Writing an `Instrument` as native JSON: `instrument_to_dict`, the exact inverse of reading."""

from __future__ import annotations

from typing import Any

from buoy.instruments.domain.definition.model import (
    FORMAT_VERSION,
    Band,
    Instrument,
    Item,
    ItemGroup,
    Norm,
    Option,
    ScoringRule,
)


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
