"""Reading a Questionnaire into a Buoy instrument: `read_questionnaire`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from buoy.instruments.domain.definition import DefinitionError, Instrument, instrument_from_dict
from buoy.instruments.domain.fhir.answer_options import (
    OptionDraft,
    options_from_answer_options,
    options_from_value_set,
)
from buoy.instruments.domain.fhir.elements import (
    CALCULATED_EXPRESSION,
    MAX_VALUE,
    MIN_VALUE,
    VARIABLE,
    expect_type,
    extensions,
    language_key,
    listed,
    load_json,
    number_value,
    slug,
    string_of,
)
from buoy.instruments.domain.fhir.expressions import Recognised, Recogniser, restore_buoy_rule
from buoy.instruments.domain.interop_errors import InteropError
from buoy.instruments.domain.response_sets import ResponseSets

_CHOICE_TYPES = ("choice", "open-choice", "coding")
_NUMBER_TYPES = ("integer", "decimal", "quantity")
_INT_CODE = re.compile(r"-?(?:0|[1-9][0-9]*)")
# what an item element keeps beside its answers, to write it back as it was
_KEPT_KEYS = (
    "code",
    "prefix",
    "required",
    "repeats",
    "readOnly",
    "enableWhen",
    "enableBehavior",
    "answerConstraint",
)


@dataclass
class _ItemDraft:
    link_id: str
    kind: str  # choice | number | text | yesno
    text: str
    path: str
    fhir_type: str
    options: list[OptionDraft] | None = None
    minimum: float | None = None
    maximum: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class _CalcDraft:
    link_id: str
    text: str
    path: str
    expression: str
    variables: dict[str, str]
    meta: dict[str, Any]
    description: str = ""


class _QuestionnaireReader:
    def __init__(self, resource: Mapping[str, Any], source: str, language: str) -> None:
        self.resource = resource
        self.source = source
        self.language = language
        self.items: dict[str, _ItemDraft] = {}
        self.calcs: list[_CalcDraft] = []
        self.seen: dict[str, str] = {}
        self.notes: list[str] = []
        self.value_sets = self.contained_value_sets()
        self.groups: dict[str, list[str]] = {}
        self.calculations: list[dict[str, Any]] = []
        self.release = "R4"

    def fail(self, path: str, reason: str) -> InteropError:
        return InteropError(self.source, None, None, reason, path=path)

    def contained_value_sets(self) -> dict[str, tuple[Mapping[str, Any], str]]:
        found: dict[str, tuple[Mapping[str, Any], str]] = {}
        for index, contained in enumerate(listed(self.resource.get("contained"))):
            if isinstance(contained, Mapping) and contained.get("resourceType") == "ValueSet":
                path = f"contained[{index}]"
                if isinstance(contained.get("id"), str):
                    found[f"#{contained['id']}"] = (contained, path)
                if isinstance(contained.get("url"), str):
                    found[contained["url"]] = (contained, path)
        return found

    def variables_of(self, element: Mapping[str, Any]) -> dict[str, str]:
        variables: dict[str, str] = {}
        for _, extension in extensions(element, (VARIABLE,)):
            expression = extension.get("valueExpression")
            if isinstance(expression, Mapping) and isinstance(expression.get("name"), str):
                variables[expression["name"]] = str(expression.get("expression", ""))
        return variables

    def read(self) -> list[dict[str, Any]]:
        items = self.resource.get("item")
        if not isinstance(items, list) or not items:
            raise self.fail("item", "the questionnaire has no items")
        return self.walk(items, "", self.variables_of(self.resource), [])

    def walk(
        self, items: list[Any], prefix: str, variables: dict[str, str], parents: list[str]
    ) -> list[dict[str, Any]]:
        """Read `items` (and their children) into drafts; their layout, to write them back."""
        layout: list[dict[str, Any]] = []
        if not isinstance(items, list):
            raise self.fail(prefix + "item", "expected a list of items")
        for index, element in enumerate(items):
            layout.extend(self.read_element(element, f"{prefix}item[{index}]", variables, parents))
        return layout

    def read_element(
        self, element: Any, path: str, variables: dict[str, str], parents: list[str]
    ) -> list[dict[str, Any]]:
        """One item element: a group, a display text, a calculated item or an answer."""
        if not isinstance(element, Mapping):
            raise self.fail(path, "expected an object")
        link_id = element.get("linkId")
        if not isinstance(link_id, str) or not link_id.strip():
            raise self.fail(f"{path}.linkId", "is missing")
        if link_id in self.seen:
            raise self.fail(
                f"{path}.linkId", f"'{link_id}' is used twice (also at {self.seen[link_id]})"
            )
        self.seen[link_id] = path
        kind = element.get("type")
        if not isinstance(kind, str) or not kind:
            raise self.fail(f"{path}.type", "is missing")
        if kind in ("coding", "question") or "answerConstraint" in element:
            self.release = "R5"
        text = string_of(element, "text")
        scope = {**variables, **self.variables_of(element)}
        meta = {key: element[key] for key in _KEPT_KEYS if key in element}
        if kind == "group":
            for parent in parents:
                self.groups.setdefault(parent, [])
            self.groups.setdefault(link_id, [])
            children = self.walk(element.get("item", []), f"{path}.", scope, [*parents, link_id])
            return [
                {"linkId": link_id, "kind": "group", "text": text, "meta": meta, "item": children}
            ]
        if kind == "display":
            return [{"linkId": link_id, "kind": "display", "text": text, "meta": meta}]
        calculated = [e for _, e in extensions(element, (CALCULATED_EXPRESSION,))]
        if calculated:
            expression = calculated[0].get("valueExpression")
            given = expression if isinstance(expression, Mapping) else {}
            self.calcs.append(
                _CalcDraft(
                    link_id,
                    text,
                    path,
                    str(given.get("expression", "")),
                    scope,
                    meta,
                    str(given.get("description", "")),
                )
            )
            return [
                {"linkId": link_id, "kind": "calculated", "text": text, "type": kind, "meta": meta}
            ]
        draft = self.item(element, link_id, kind, text, path, meta)
        self.items[link_id] = draft
        if draft.options and any(o.score is not None for o in draft.options):
            for parent in parents:
                self.groups.setdefault(parent, []).append(link_id)
        layout = [{"linkId": link_id, "kind": "item"}]
        if element.get("item"):
            layout.extend(self.walk(element["item"], f"{path}.", scope, parents))
        return layout

    def item(
        self,
        element: Mapping[str, Any],
        link_id: str,
        kind: str,
        text: str,
        path: str,
        meta: dict[str, Any],
    ) -> _ItemDraft:
        if kind in _CHOICE_TYPES or "answerOption" in element:
            if "answerOption" in element:
                options = options_from_answer_options(element, path, self.source)
            elif isinstance(element.get("answerValueSet"), str):
                reference = element["answerValueSet"]
                found = self.value_sets.get(reference)
                if found is None:
                    self.notes.append(
                        f"{path} ('{link_id}'): its options are in the value set "
                        f"{reference}, which the file does not contain; kept as a text item."
                    )
                    meta["answerValueSet"] = reference
                    return _ItemDraft(link_id, "text", text, path, kind, meta=meta)
                options = options_from_value_set(found[0], found[1], self.source)
            else:
                raise self.fail(path, "a choice item without answerOption or answerValueSet")
            if not options:
                raise self.fail(f"{path}.answerOption", "lists no options")
            seen: set[str] = set()
            for index, option in enumerate(options):
                if str(option.value) in seen:
                    raise self.fail(
                        f"{path}.answerOption[{index}]", f"the code '{option.value}' appears twice"
                    )
                seen.add(str(option.value))
            if all(o.kind == "coding" and _INT_CODE.fullmatch(str(o.value)) for o in options):
                for option in options:
                    option.value = int(str(option.value))
            systems = {o.system for o in options if o.system}
            if len(systems) == 1:
                meta["system"] = systems.pop()
            kinds = {o.kind for o in options}
            if kinds != {"coding"}:
                meta["option_kind"] = kinds.pop() if len(kinds) == 1 else "mixed"
            return _ItemDraft(link_id, "choice", text, path, kind, options, meta=meta)
        if kind in _NUMBER_TYPES:
            low = [number_value(e) for _, e in extensions(element, (MIN_VALUE,))]
            high = [number_value(e) for _, e in extensions(element, (MAX_VALUE,))]
            return _ItemDraft(
                link_id,
                "number",
                text,
                path,
                kind,
                minimum=low[0] if low else None,
                maximum=high[0] if high else None,
                meta=meta,
            )
        if kind == "boolean":
            return _ItemDraft(
                link_id,
                "yesno",
                text,
                path,
                kind,
                [
                    OptionDraft(1, 1.0, "Yes", None, "boolean"),
                    OptionDraft(0, 0.0, "No", None, "boolean"),
                ],
                meta=meta,
            )
        return _ItemDraft(link_id, "text", text, path, kind, meta=meta)

    def rules(self) -> tuple[list[tuple[_CalcDraft, Recognised]], str]:
        weighted = [
            link
            for link, item in self.items.items()
            if item.kind == "choice" and any(o.score is not None for o in item.options or [])
        ]
        known = set(self.seen)
        recognised: list[tuple[_CalcDraft, Recognised]] = []
        kept: list[dict[str, Any]] = []
        for calc in self.calcs:
            numbers = {link for link, item in self.items.items() if item.kind == "number"}
            result = Recogniser(calc.variables, weighted, self.groups, known, numbers).recognise(
                calc.expression
            )
            if isinstance(result, Recognised):
                recognised.append((calc, restore_buoy_rule(calc.description, result)))
                kept.append(
                    {"linkId": calc.link_id, "expression": calc.expression, "used_as": "rule"}
                )
            else:
                kept.append(
                    {"linkId": calc.link_id, "expression": calc.expression, "reason": result}
                )
                short = " ".join(calc.expression.split())
                short = short if len(short) <= 90 else short[:89] + "…"
                self.notes.append(
                    f"{calc.path} ('{calc.link_id}'): kept the calculatedExpression \"{short}\" "
                    f"in extras; not scored because {result}."
                )
        self.calculations = kept
        return recognised, "calc" if recognised else "default"


def _meta_json(value: Any) -> Any:
    """Plain JSON values only (extras must stay serialisable)."""
    return json.loads(json.dumps(value))


def read_questionnaire(
    json_text_or_dict: str | bytes | Mapping[str, Any],
    *,
    source: str,
    language: str | None = None,
) -> Instrument:
    """A FHIR Questionnaire as a Buoy instrument; InteropError names the JSON path at fault."""
    resource = load_json(json_text_or_dict, source)
    expect_type(resource, "Questionnaire", source)
    lang = language or language_key(resource.get("language"))
    reader = _QuestionnaireReader(resource, source, lang)
    layout = reader.read()
    recognised, total_source = reader.rules()
    rules = _named_rules(reader, recognised, source)
    scored = {link for _, _, _, rule in rules for link in rule.items}
    name = string_of(resource, "name")
    title = string_of(resource, "title")
    instrument_id = (
        slug(name)
        or slug(string_of(resource, "id"))
        or slug(title)
        or slug(PurePath(source).stem)
        or "questionnaire"
    )
    version = resource.get("version")
    response_sets = ResponseSets(lang)
    items = [
        _item_dict(draft, number, draft.link_id in scored, response_sets, lang)
        for number, draft in enumerate(reader.items.values(), start=1)
    ]
    if not items:
        raise InteropError(
            source, None, None, "the questionnaire has no answerable items", path="item"
        )
    data = {
        "id": instrument_id,
        "version": str(version)
        if isinstance(version, str | int | float) and version != ""
        else "1",
        "name": {lang: title or name or instrument_id},
        "licence": {
            "status": "licensed",
            "note": (
                f"Imported from the FHIR Questionnaire {source}; Buoy does not read licences "
                "from FHIR (see the questionnaire's copyright)."
            ),
        },
        "response_sets": response_sets.sets,
        "items": items,
        "total": _rule_dict(rules[0][0], rules[0][2], rules[0][3], lang),
        "subscales": [
            _rule_dict(rule_id, label, rule, lang) for rule_id, _, label, rule in rules[1:]
        ],
        "description": resource["description"]
        if isinstance(resource.get("description"), str)
        else None,
        "citation": str(resource.get("copyright", ""))
        if isinstance(resource.get("copyright"), str)
        else "",
        "extras": {
            "source": {"format": "fhir-questionnaire", "file": source},
            "total_source": total_source,
            "fhir": _meta_json(_fhir_extras(resource, reader, layout, rules)),
            "import_notes": list(reader.notes),
        },
    }
    try:
        return instrument_from_dict(data, source=source)
    except DefinitionError as error:
        raise InteropError(
            source,
            None,
            None,
            f"does not make a valid instrument: {error.message}",
            path=error.path,
        ) from None


_NamedRule = tuple[str, str, str, Recognised]  # (rule id, linkId, label, rule)


def _named_rules(
    reader: _QuestionnaireReader,
    recognised: list[tuple[_CalcDraft, Recognised]],
    source: str,
) -> list[_NamedRule]:
    """The total first, then the subscales; without a recognised expression, the sum of
    every weighted item (InteropError when there is none). Each is noted."""
    rules: list[_NamedRule] = []
    if recognised:
        # The rule over most items is the total (the first of equal ones); the others keep
        # their order in the questionnaire.
        first = max(range(len(recognised)), key=lambda i: len(recognised[i][1].items))
        order = [first, *(i for i in range(len(recognised)) if i != first)]
        for position, index in enumerate(order):
            calc, rule = recognised[index]
            rule_id = "total" if position == 0 else (slug(calc.link_id) or f"subscale{position}")
            rules.append((rule_id, calc.link_id, calc.text, rule))
            reader.notes.append(
                f"{calc.path} ('{calc.link_id}'): "
                f"{'total' if position == 0 else 'subscale ' + rule_id} = {rule.method} "
                f"of {len(rule.items)} items ({rule.how}); the expression adds "
                f"whatever is answered, Buoy asks for all {len(rule.items)} (lower min_answered "
                "if the instrument allows missing items)."
            )
        return rules
    weighted = [
        link
        for link, item in reader.items.items()
        if item.kind == "choice" and any(o.score is not None for o in item.options or [])
    ]
    if not weighted:
        raise InteropError(
            source,
            None,
            None,
            "no answer option carries a weight (ordinalValue or itemWeight) and no "
            "integer options: there is nothing Buoy can score",
            path="item",
        )
    rules.append(("total", "", "", Recognised("sum", tuple(weighted), 1.0, "default")))
    reader.notes.append(
        f"no calculatedExpression adds up the answers; Buoy's total is the sum of the "
        f"{len(weighted)} weighted items, all required. Check it before relying on it."
    )
    return rules


def _item_dict(
    draft: _ItemDraft, number: int, scored: bool, response_sets: ResponseSets, language: str
) -> dict[str, Any]:
    set_id = None
    if draft.options is not None:
        set_name = slug(draft.link_id) or f"options{number}"
        set_id = response_sets.id_for(draft.options, name=set_name)
    entry: dict[str, Any] = {
        "id": draft.link_id,
        "number": number,
        "kind": draft.kind,
        "options": set_id,
        "scored": scored,
    }
    if draft.text:
        entry["text"] = {language: draft.text}
    if draft.minimum is not None:
        entry["min"] = draft.minimum
    if draft.maximum is not None:
        entry["max"] = draft.maximum
    return entry


def _rule_dict(rule_id: str, label: str, rule: Recognised, language: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "method": rule.method,
        "items": list(rule.items),
        "min_answered": rule.min_answered or len(rule.items),
        "multiplier": rule.multiplier,
        **({"label": {language: label}} if label else {}),
    }


def _fhir_extras(
    resource: Mapping[str, Any],
    reader: _QuestionnaireReader,
    layout: list[dict[str, Any]],
    rules: list[_NamedRule],
) -> dict[str, Any]:
    """What `write_questionnaire` needs to give the questionnaire back as it came."""
    fhir_extras: dict[str, Any] = {
        key: resource[key]
        for key in ("id", "url", "version", "name", "title", "status", "code", "language")
        if key in resource
    }
    fhir_extras.update(
        {
            "release": reader.release,
            "layout": layout,
            "items": {
                draft.link_id: {"type": draft.fhir_type, **draft.meta}
                for draft in reader.items.values()
            },
            "rules": {rule_id: link for rule_id, link, _, _ in rules if link},
        }
    )
    if reader.calcs:
        fhir_extras["calculations"] = reader.calculations
    return fhir_extras
