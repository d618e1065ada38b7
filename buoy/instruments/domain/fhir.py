"""FHIR Questionnaire and QuestionnaireResponse (R4, R4B, R5; SDC), read and written.

Pure Python and lenient: the JSON is read here, not through a FHIR model library, because
real files that every form filler accepts fail strict validation (an ``Expression.name`` with
``_``, a narrative without ``div``). What Buoy needs is checked, with a JSON path in the error
(``phq9.json, item[3].answerOption[1]: no code or value``).

Reading a Questionnaire (`read_questionnaire`)
----------------------------------------------
* The instrument id is ``Questionnaire.name`` made into a slug (lower case; a lone ``-``
  stays, other runs of anything but letters and digits become ``_``: "SDC - PHQ-9" is
  ``sdc_phq-9``): ``name`` describes the definition, while ``id`` is the
  logical id one server happened to give it. Without a name: the resource ``id``, then the
  ``title``, then the file name. ``url``, ``version``, ``id``, ``name``, ``title``, ``status``
  and the questionnaire's codes (LOINC 44249-1) are kept in ``extras["fhir"]``; the instrument
  version is ``Questionnaire.version`` or "1".
* Groups are flattened; every item keeps its ``linkId`` as its id, and the group layout is kept
  in ``extras["fhir"]["layout"]`` so that `write_questionnaire` can nest them again.
* ``choice``/``open-choice`` (R4) and ``coding`` (R5) items take their options from
  ``answerOption`` (``valueCoding``, ``valueInteger``, ``valueString``, ``valueDate``…) or a
  *contained* ``answerValueSet`` (``#id`` or the ValueSet's url; ``compose`` or ``expansion``).
  Option weights come from ``ordinalValue`` (R4), ``itemWeight`` (current SDC) or the older
  ``iso21090-CO-value`` extension, on the answerOption or on its valueCoding / concept.
  Integer options without a weight score as themselves. When every code of an item is a whole
  number ("0", "1", …) the option values are numbers.
* ``integer``/``decimal`` items are unscored number items (min/max from ``minValue`` and
  ``maxValue``); ``boolean`` a yes/no item (1/0); text, date and other types unscored text
  items; ``display`` items are kept in the layout only.
* A read-only item with ``sdc-questionnaire-calculatedExpression`` that adds up answer scores
  becomes a scoring rule. Recognised (spaces ignored):
  ``%resource.item.answer.value.weight().sum()`` and the ``repeat(item)``/``descendants()``
  variants, ``ordinal()`` for ``weight()``, ``.avg()`` for a mean,
  ``answers().sum(value.ordinal())`` (the SDC example), an optional
  ``.where(linkId != 'x' and …)`` or ``.where(linkId = 'a' or …)`` (``.where(linkId = 'g').item``
  for a group's items), a final ``* k``, and a sum of per-item scores (directly or through
  ``variable`` extensions, each possibly ``iif(%v.exists(), %v, 0)``, the whole possibly
  ``iif(%any, …, {})``, which is how LHC-Forms writes PHQ-9; ``(…) / n`` of n items is a
  mean). The sum of all answers means every item with weights. The rule
  covering most items is the total (the first of equal ones), the others are subscales named
  after their linkIds. Like REDCap's ``sum()``, these expressions add whatever is answered;
  Buoy asks for all items (``min_answered`` = number of items) and says so in the notes,
  unless the expression's ``description`` is a Buoy rule (``ScoringRule.describe``, which
  `write_questionnaire` writes) over the same number of items: then method and minimum come
  from it. Any other expression is kept in ``extras["fhir"]["calculations"]`` and reported.
* Without a recognised expression the total is the sum of all weighted items, reported as a
  default. A questionnaire with no weighted item cannot be scored and is refused.
* Notes (what was read how, what was kept unscored) are in ``extras["import_notes"]``.

Writing (`write_questionnaire`, `write_questionnaire_response`)
---------------------------------------------------------------
R4 uses ``choice`` items and ``ordinalValue``; R5 ``coding`` items with
``answerConstraint: optionsOnly`` and ``itemWeight``. Options are ``valueCoding`` (code =
the option value) with the weight on the answerOption. FHIR has no reverse keying or item
weight: the written option weights are the *effective* scores (reversed, multiplied), so any
SDC form filler computes Buoy's total; re-reading gives those effective scores. Yes/no items
are written as choice items with weighted 1/0 options (a ``boolean`` has no weights) and
come back as choice items. The total is a read-only ``decimal`` item with a
``weight().sum()`` (``.avg()`` for a mean, ``.avg() * n`` for a prorated sum) calculated
expression; number items in a rule are added one by one (``weight()`` has nothing for them).
The minimum answered is not expressed in FHIRPath; the expression's description states it.
Extras from a FHIR import (group layout, LOINC codes, code systems, url) are written back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from buoy.instruments.domain.definition import (
    DefinitionError,
    Instrument,
    Item,
    Option,
    ScoringRule,
    instrument_from_dict,
)
from buoy.instruments.domain.interop_errors import InteropError, decode_text, undecodable_byte

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
CO_VALUE = "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value"
WEIGHT_URLS = (ORDINAL_VALUE, ITEM_WEIGHT, CO_VALUE)
CALCULATED_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
)
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
RESPONSE_STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")

_CHOICE_TYPES = ("choice", "open-choice", "coding")
_NUMBER_TYPES = ("integer", "decimal", "quantity")
_INT_CODE = re.compile(r"-?(?:0|[1-9][0-9]*)")

Value = int | float | str


# --- reading JSON ----------------------------------------------------------------------------


def _load(data: str | bytes | Mapping[str, Any], source: str) -> Mapping[str, Any]:
    if isinstance(data, Mapping):
        return data
    text = decode_text(data, source)
    byte = undecodable_byte(text)
    if byte is not None:
        offset = text.index(chr(int(byte, 16) + 0xDC00))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise InteropError(
            source,
            None,
            None,
            f"is not UTF-8 text (byte {byte}); save the file as UTF-8",
            path=f"line {line}, column {column}",
        )
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()) or _unclosed(text):
            reason = "the JSON ends before the resource does: the file looks cut short"
        else:
            reason = f"is not valid JSON ({error.msg})"
        raise InteropError(
            source, None, None, reason, path=f"line {error.lineno}, column {error.colno}"
        ) from None
    if not isinstance(loaded, Mapping):
        raise InteropError(source, None, None, "is JSON but not a FHIR resource (an object)")
    return loaded


def _unclosed(text: str) -> bool:
    """Whether the text ends inside a string or with brackets still open (a cut file)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return in_string or depth > 0


def _expect(resource: Mapping[str, Any], kind: str, source: str) -> None:
    found = resource.get("resourceType")
    if found != kind:
        hint = "; export the resource itself, not a Bundle" if found == "Bundle" else ""
        raise InteropError(
            source,
            None,
            None,
            f"expected a {kind}, found {json.dumps(found) if found else 'no resourceType'}{hint}",
            path="resourceType",
        )


def _extensions(element: Any, urls: Sequence[str]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if not isinstance(element, Mapping):
        return
    for index, extension in enumerate(_listed(element.get("extension"))):
        if isinstance(extension, Mapping) and extension.get("url") in urls:
            yield index, extension


def _listed(value: Any) -> list[Any]:
    """A JSON array, or nothing: lenient where a stray value cannot change a score."""
    return value if isinstance(value, list) else []


def _number_value(extension: Mapping[str, Any]) -> float | None:
    for key in ("valueDecimal", "valueInteger", "valueUnsignedInt", "valuePositiveInt"):
        value = extension.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # lforms writes some durations and numbers as strings
            try:
                return float(value)
            except ValueError:
                return None
    return None


def _weight(elements: Sequence[tuple[Any, str]], source: str) -> float | None:
    """The first weight found on any of (element, path), or None."""
    for element, path in elements:
        for index, extension in _extensions(element, WEIGHT_URLS):
            value = _number_value(extension)
            if value is None:
                raise InteropError(
                    source,
                    None,
                    None,
                    "the weight (ordinalValue/itemWeight) is not a number",
                    path=f"{path}.extension[{index}]",
                )
            return value
    return None


def _string(element: Mapping[str, Any], key: str) -> str:
    value = element.get(key)
    return value if isinstance(value, str) else ""


def _slug(text: str) -> str:
    """``"SDC - PHQ-9"`` → ``"sdc_phq-9"``: a lone hyphen stays, other runs become ``_``."""
    return re.sub(
        r"[^a-z0-9]+", lambda run: "-" if run.group() == "-" else "_", text.lower()
    ).strip("_-")


def _language_key(code: Any) -> str:
    if not isinstance(code, str) or not code:
        return "en"
    lowered = code.lower()
    if lowered.startswith("zh"):
        return "zh-hant" if any(t in lowered for t in ("hant", "tw", "hk", "mo")) else "zh-hans"
    return lowered.split("-")[0]


# --- options ---------------------------------------------------------------------------------


@dataclass
class _OptionDraft:
    value: Value
    score: float | None
    label: str
    system: str | None = None
    kind: str = "coding"  # coding | integer | string | date | time


def _options_from_answer_options(
    item: Mapping[str, Any], path: str, source: str
) -> list[_OptionDraft]:
    options: list[_OptionDraft] = []
    raw = item.get("answerOption")
    if not isinstance(raw, list):
        raise InteropError(source, None, None, "expected a list", path=f"{path}.answerOption")
    for index, answer_option in enumerate(raw):
        opath = f"{path}.answerOption[{index}]"
        if not isinstance(answer_option, Mapping):
            raise InteropError(source, None, None, "expected an object", path=opath)
        coding = answer_option.get("valueCoding")
        if isinstance(coding, Mapping):
            code = coding.get("code")
            if not isinstance(code, str) or not code.strip():
                raise InteropError(source, None, None, "no code or value", path=opath)
            weight = _weight([(answer_option, opath), (coding, f"{opath}.valueCoding")], source)
            system = coding.get("system") if isinstance(coding.get("system"), str) else None
            label = _string(coding, "display")
            options.append(_OptionDraft(code, weight, label, system, "coding"))
            continue
        integer = answer_option.get("valueInteger")
        if isinstance(integer, int) and not isinstance(integer, bool):
            weight = _weight([(answer_option, opath)], source)
            options.append(
                _OptionDraft(
                    integer, float(integer) if weight is None else weight, "", None, "integer"
                )
            )
            continue
        for key, kind in (("valueString", "string"), ("valueDate", "date"), ("valueTime", "time")):
            text = answer_option.get(key)
            if isinstance(text, str) and text:
                weight = _weight([(answer_option, opath)], source)
                options.append(_OptionDraft(text, weight, text, None, kind))
                break
        else:
            raise InteropError(source, None, None, "no code or value", path=opath)
    return options


def _options_from_value_set(
    value_set: Mapping[str, Any], path: str, source: str
) -> list[_OptionDraft]:
    options: list[_OptionDraft] = []

    def concept(element: Mapping[str, Any], epath: str, system: Any) -> None:
        code = element.get("code")
        if not isinstance(code, str) or not code.strip():
            raise InteropError(source, None, None, "no code", path=epath)
        display = _string(element, "display")
        options.append(
            _OptionDraft(
                code,
                _weight([(element, epath)], source),
                display,
                system if isinstance(system, str) else None,
            )
        )

    expansion = value_set.get("expansion")
    if isinstance(expansion, Mapping) and isinstance(expansion.get("contains"), list):

        def walk(entries: list[Any], epath: str) -> None:
            for index, entry in enumerate(entries):
                if not isinstance(entry, Mapping):
                    continue
                if entry.get("code"):
                    concept(entry, f"{epath}[{index}]", entry.get("system"))
                if isinstance(entry.get("contains"), list):
                    walk(entry["contains"], f"{epath}[{index}].contains")

        walk(expansion["contains"], f"{path}.expansion.contains")
    else:
        compose = value_set.get("compose")
        includes = compose.get("include") if isinstance(compose, Mapping) else None
        for index, include in enumerate(_listed(includes)):
            if not isinstance(include, Mapping):
                continue
            for position, element in enumerate(_listed(include.get("concept"))):
                if isinstance(element, Mapping):
                    concept(
                        element,
                        f"{path}.compose.include[{index}].concept[{position}]",
                        include.get("system"),
                    )
    if not options:
        raise InteropError(
            source,
            None,
            None,
            "the value set lists no codes (compose.concept or expansion)",
            path=path,
        )
    return options


# --- expressions -----------------------------------------------------------------------------


def _squash(expression: str) -> str:
    """The expression without whitespace outside quoted strings."""
    out: list[str] = []
    quote: str | None = None
    for char in expression:
        if quote:
            out.append(char)
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
            out.append(char)
        elif not char.isspace():
            out.append(char)
    return "".join(out)


_SOURCE = r"(?:%resource\.|%context\.)?(?P<source>repeat\(item\)|descendants\(\)|item(?:\.item)*)"
_FILTER = r"(?:\.where\((?P<filter>[^()]*)\))?(?P<children>(?:\.item)*)"
_ANSWER_TAIL = r"\.answer(?:\.value)?\.(?:weight|ordinal)\(\)"
_ALL_ANSWERS = re.compile(
    rf"^{_SOURCE}{_FILTER}{_ANSWER_TAIL}\.(?P<agg>sum\(\)|avg\(\)|aggregate\(\$this\+\$total,0\))$"
)
_ANSWERS_FN = re.compile(
    r"^(?:%resource\.)?answers\(\)\.(?P<agg>sum|avg)\((?:value\.)?(?:weight|ordinal)\(\)\)$"
)
_ONE_ANSWER = re.compile(
    r"^%resource\.(?:repeat\(item\)|item|descendants\(\))\.where\(linkId='(?P<id>[^']+)'\)"
    rf"{_ANSWER_TAIL}(?:\.sum\(\))?$"
)
_ONE_NUMBER = re.compile(
    r"^%resource\.(?:repeat\(item\)|item|descendants\(\))\.where\(linkId='(?P<id>[^']+)'\)"
    r"\.answer\.value(?:\.sum\(\))?$"
)
_ONE_LOOKUP = re.compile(
    r"^%questionnaire\.(?:repeat\(item\)|item)\.where\(linkId='(?P<id>[^']+)'\)\.answerOption"
    r"\.where\(valueCoding\.code=%resource\.(?:repeat\(item\)|item)\.where\(linkId='(?P=id)'\)"
    r"\.answer\.valueCoding\.code\)\.extension\.where\(url=(?:%\w+|'[^']+')\)"
    r"\.value(?:Decimal|Integer)$"
)
_EXISTS_OR_ZERO = re.compile(r"iif\(%(\w+)\.exists\(\),%\1,0\)")
_ANY_ANSWERED = re.compile(r"^iif\(%(\w+),(?P<body>.*),\{\}\)$")


@dataclass(frozen=True)
class _Recognised:
    method: str  # sum | mean, or any Buoy method restored from the description
    items: tuple[str, ...]
    multiplier: float
    how: str
    min_answered: int | None = None


def _split_top(expression: str, separator: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    quote: str | None = None
    for char in expression:
        if quote:
            current.append(char)
            if char == quote:
                quote = None
            continue
        if char in "'\"":
            quote = char
        elif char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _strip_parens(expression: str) -> str:
    while expression.startswith("(") and expression.endswith(")"):
        inner = expression[1:-1]
        if _split_top(inner, ",") != [inner] or inner.count("(") != inner.count(")"):
            break
        depth = 0
        balanced = True
        for char in inner:
            depth += char == "("
            depth -= char == ")"
            if depth < 0:
                balanced = False
                break
        if not balanced:
            break
        expression = inner
    return expression


class _Recogniser:
    def __init__(
        self,
        variables: Mapping[str, str],
        weighted: Sequence[str],
        groups: Mapping[str, Sequence[str]],
        known: set[str],
        numbers: set[str] | None = None,
    ) -> None:
        self.variables = variables
        self.weighted = weighted  # linkIds with option weights, in document order
        self.groups = groups  # group linkId -> weighted descendants
        self.known = known
        self.numbers = numbers or set()  # integer and decimal items, added by their value

    def recognise(self, expression: str) -> _Recognised | str:
        text = _squash(expression)
        multiplier = 1.0
        times = re.fullmatch(r"(?P<body>.+)\*(?P<k>[0-9]+(?:\.[0-9]+)?)", text)
        if times and len(_split_top(times.group("body"), "+")) == 1:
            text, multiplier = _strip_parens(times.group("body")), float(times.group("k"))
        text = self.expand(text, 0)
        divided = re.fullmatch(r"\((?P<body>.+)\)/(?P<n>[0-9]+)", text)
        if divided:
            found = self.item_sum(divided.group("body"))
            if isinstance(found, tuple) and len(found[1]) == int(divided.group("n")):
                return _Recognised("mean", tuple(found[1]), multiplier, "a mean of item scores")
            return "it divides by something other than its number of items"
        found = self.all_answers(text)
        if found is None:
            found = self.item_sum(text)
        if isinstance(found, str):
            return found
        if found is None:
            return "Buoy turns only sums (or means) of answer weights into scoring rules"
        method, items, how = found
        if not items:
            return "it adds up no weighted item"
        return _Recognised(method, tuple(items), multiplier, how)

    def expand(self, text: str, depth: int) -> str:
        if depth < 5 and re.fullmatch(r"%\w+", text) and text[1:] in self.variables:
            return self.expand(_squash(self.variables[text[1:]]), depth + 1)
        return text

    def all_answers(self, text: str) -> tuple[str, list[str], str] | str | None:
        match = _ANSWERS_FN.fullmatch(text)
        if match:
            method = "mean" if match.group("agg") == "avg" else "sum"
            return method, list(self.weighted), "the weights of all answers"
        match = _ALL_ANSWERS.fullmatch(text)
        if match is None:
            return None
        method = "mean" if match.group("agg") == "avg()" else "sum"
        items = list(self.weighted)
        condition = match.group("filter")
        if not condition:
            return method, items, "the weights of all answers"
        include = re.fullmatch(
            r"linkId='[^']+'(?:or linkId='[^']+')*", condition.replace("orlinkId", "or linkId")
        )
        exclude = re.fullmatch(
            r"linkId!='[^']+'(?:and linkId!='[^']+')*", condition.replace("andlinkId", "and linkId")
        )
        named = re.findall(r"'([^']+)'", condition)
        unknown = [n for n in named if n not in self.known]
        if unknown:
            return f"it names the linkId '{unknown[0]}', which the questionnaire does not have"
        if include:
            if match.group("children"):
                chosen = [i for n in named for i in self.groups.get(n, ())]
                return (
                    method,
                    [i for i in items if i in chosen],
                    "the weights of the group's answers",
                )
            return method, [i for i in items if i in named], "the weights of the named answers"
        if exclude and not match.group("children"):
            return (
                method,
                [i for i in items if i not in named],
                "the weights of all answers but some",
            )
        return None

    def item_link(self, term: str, depth: int = 0) -> str | None:
        term = _strip_parens(term)
        guarded = _EXISTS_OR_ZERO.fullmatch(term)
        if guarded:
            term = f"%{guarded.group(1)}"
        if re.fullmatch(r"%\w+", term):
            name = term[1:]
            if name in self.variables and depth < 5:
                return self.item_link(_squash(self.variables[name]), depth + 1)
            return None
        for pattern in (_ONE_ANSWER, _ONE_LOOKUP):
            match = pattern.fullmatch(term)
            if match:
                return match.group("id")
        match = _ONE_NUMBER.fullmatch(term)
        if match and match.group("id") in self.numbers:
            return match.group("id")
        return None

    def item_sum(self, text: str) -> tuple[str, list[str], str] | str | None:
        any_answered = _ANY_ANSWERED.fullmatch(text)
        if any_answered:
            text = any_answered.group("body")
        text = _strip_parens(text)
        terms = _split_top(text, "+")
        if len(terms) < 2:
            return None
        items: list[str] = []
        for term in terms:
            link = self.item_link(term)
            if link is None:
                return None
            if link not in self.known:
                return f"it names the linkId '{link}', which the questionnaire does not have"
            if link not in self.weighted and link not in self.numbers:
                return f"it adds '{link}', whose answers carry no weight"
            if link in items:
                return f"it counts '{link}' twice"
            items.append(link)
        return "sum", items, "a sum of item scores"


# --- reading a Questionnaire -----------------------------------------------------------------


@dataclass
class _ItemDraft:
    link_id: str
    kind: str  # choice | number | text | yesno
    text: str
    path: str
    fhir_type: str
    options: list[_OptionDraft] | None = None
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
        for index, contained in enumerate(_listed(self.resource.get("contained"))):
            if isinstance(contained, Mapping) and contained.get("resourceType") == "ValueSet":
                path = f"contained[{index}]"
                if isinstance(contained.get("id"), str):
                    found[f"#{contained['id']}"] = (contained, path)
                if isinstance(contained.get("url"), str):
                    found[contained["url"]] = (contained, path)
        return found

    def variables_of(self, element: Mapping[str, Any]) -> dict[str, str]:
        variables: dict[str, str] = {}
        for _, extension in _extensions(element, (VARIABLE,)):
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
        layout: list[dict[str, Any]] = []
        if not isinstance(items, list):
            raise self.fail(prefix + "item", "expected a list of items")
        for index, element in enumerate(items):
            path = f"{prefix}item[{index}]"
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
            text = _string(element, "text")
            scope = {**variables, **self.variables_of(element)}
            meta = {
                key: element[key]
                for key in (
                    "code",
                    "prefix",
                    "required",
                    "repeats",
                    "readOnly",
                    "enableWhen",
                    "enableBehavior",
                    "answerConstraint",
                )
                if key in element
            }
            if kind == "group":
                for parent in parents:
                    self.groups.setdefault(parent, [])
                self.groups.setdefault(link_id, [])
                children = self.walk(
                    element.get("item", []), f"{path}.", scope, [*parents, link_id]
                )
                layout.append(
                    {
                        "linkId": link_id,
                        "kind": "group",
                        "text": text,
                        "meta": meta,
                        "item": children,
                    }
                )
                continue
            if kind == "display":
                layout.append({"linkId": link_id, "kind": "display", "text": text, "meta": meta})
                continue
            calculated = [e for _, e in _extensions(element, (CALCULATED_EXPRESSION,))]
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
                layout.append(
                    {
                        "linkId": link_id,
                        "kind": "calculated",
                        "text": text,
                        "type": kind,
                        "meta": meta,
                    }
                )
                continue
            draft = self.item(element, link_id, kind, text, path, meta)
            self.items[link_id] = draft
            if draft.options and any(o.score is not None for o in draft.options):
                for parent in parents:
                    self.groups.setdefault(parent, []).append(link_id)
            layout.append({"linkId": link_id, "kind": "item"})
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
                options = _options_from_answer_options(element, path, self.source)
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
                options = _options_from_value_set(found[0], found[1], self.source)
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
            low = [_number_value(e) for _, e in _extensions(element, (MIN_VALUE,))]
            high = [_number_value(e) for _, e in _extensions(element, (MAX_VALUE,))]
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
                    _OptionDraft(1, 1.0, "Yes", None, "boolean"),
                    _OptionDraft(0, 0.0, "No", None, "boolean"),
                ],
                meta=meta,
            )
        return _ItemDraft(link_id, "text", text, path, kind, meta=meta)

    def rules(self) -> tuple[list[tuple[_CalcDraft, _Recognised]], str]:
        weighted = [
            link
            for link, item in self.items.items()
            if item.kind == "choice" and any(o.score is not None for o in item.options or [])
        ]
        known = set(self.seen)
        recognised: list[tuple[_CalcDraft, _Recognised]] = []
        kept: list[dict[str, Any]] = []
        for calc in self.calcs:
            numbers = {link for link, item in self.items.items() if item.kind == "number"}
            result = _Recogniser(calc.variables, weighted, self.groups, known, numbers).recognise(
                calc.expression
            )
            if isinstance(result, _Recognised):
                recognised.append((calc, _restore_buoy_rule(calc.description, result)))
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


_BUOY_RULE = re.compile(
    r"^[\w-]+: (?P<method>sum|mean|prorated_sum|weighted_sum|count) of (?P<n>[0-9]+) items, "
    r"at least (?P<min>[0-9]+) answered(?:, ×(?P<k>[0-9.]+))?$"
)


def _restore_buoy_rule(description: str, rule: _Recognised) -> _Recognised:
    """A Buoy export describes its rule (`ScoringRule.describe`); read it back when it fits."""
    match = _BUOY_RULE.fullmatch(description.strip())
    if match is None or int(match.group("n")) != len(rule.items):
        return rule
    minimum = int(match.group("min"))
    if not 1 <= minimum <= len(rule.items):
        return rule
    return _Recognised(
        match.group("method"),
        rule.items,
        float(match.group("k") or 1),
        f"{rule.how}; the rule as its description states it",
        minimum,
    )


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
    resource = _load(json_text_or_dict, source)
    _expect(resource, "Questionnaire", source)
    lang = language or _language_key(resource.get("language"))
    reader = _QuestionnaireReader(resource, source, lang)
    layout = reader.read()
    recognised, total_source = reader.rules()
    weighted = [
        link
        for link, item in reader.items.items()
        if item.kind == "choice" and any(o.score is not None for o in item.options or [])
    ]
    rules: list[tuple[str, str, str, _Recognised]] = []  # (id, linkId, label, rule)
    if recognised:
        # The rule over most items is the total (the first of equal ones); the others keep
        # their order in the questionnaire.
        first = max(range(len(recognised)), key=lambda i: len(recognised[i][1].items))
        order = [first, *(i for i in range(len(recognised)) if i != first)]
        for position, index in enumerate(order):
            calc, rule = recognised[index]
            rule_id = "total" if position == 0 else (_slug(calc.link_id) or f"subscale{position}")
            rules.append((rule_id, calc.link_id, calc.text, rule))
            reader.notes.append(
                f"{calc.path} ('{calc.link_id}'): "
                f"{'total' if position == 0 else 'subscale ' + rule_id} = {rule.method} "
                f"of {len(rule.items)} items ({rule.how}); the expression adds "
                f"whatever is answered, Buoy asks for all {len(rule.items)} (lower min_answered "
                "if the instrument allows missing items)."
            )
    else:
        if not weighted:
            raise InteropError(
                source,
                None,
                None,
                "no answer option carries a weight (ordinalValue or itemWeight) and no "
                "integer options: there is nothing Buoy can score",
                path="item",
            )
        rules.append(("total", "", "", _Recognised("sum", tuple(weighted), 1.0, "default")))
        reader.notes.append(
            f"no calculatedExpression adds up the answers; Buoy's total is the sum of the "
            f"{len(weighted)} weighted items, all required. Check it before relying on it."
        )
    scored = {link for _, _, _, rule in rules for link in rule.items}
    name = _string(resource, "name")
    title = _string(resource, "title")
    resource_id = _string(resource, "id")
    instrument_id = (
        _slug(name)
        or _slug(resource_id)
        or _slug(title)
        or _slug(PurePath(source).stem)
        or "questionnaire"
    )
    version = resource.get("version")

    response_sets: dict[str, dict[str, Any]] = {}
    set_ids: dict[tuple[Any, ...], str] = {}
    items = []
    items_meta: dict[str, Any] = {}
    for number, draft in enumerate(reader.items.values(), start=1):
        set_id = None
        if draft.options is not None:
            key = tuple((o.value, o.score, o.label) for o in draft.options)
            if key not in set_ids:
                set_id = _slug(draft.link_id) or f"options{number}"
                while set_id in response_sets:
                    set_id = f"{set_id}_"
                set_ids[key] = set_id
                response_sets[set_id] = {
                    "options": [
                        {
                            "value": o.value,
                            "score": o.score,
                            **({"label": {lang: o.label}} if o.label else {}),
                        }
                        for o in draft.options
                    ]
                }
            set_id = set_ids[key]
        entry: dict[str, Any] = {
            "id": draft.link_id,
            "number": number,
            "kind": draft.kind,
            "options": set_id,
            "scored": draft.link_id in scored,
        }
        if draft.text:
            entry["text"] = {lang: draft.text}
        if draft.minimum is not None:
            entry["min"] = draft.minimum
        if draft.maximum is not None:
            entry["max"] = draft.maximum
        items.append(entry)
        items_meta[draft.link_id] = {"type": draft.fhir_type, **draft.meta}

    if not items:
        raise InteropError(
            source, None, None, "the questionnaire has no answerable items", path="item"
        )

    def rule_dict(rule_id: str, label: str, rule: _Recognised) -> dict[str, Any]:
        return {
            "id": rule_id,
            "method": rule.method,
            "items": list(rule.items),
            "min_answered": rule.min_answered or len(rule.items),
            "multiplier": rule.multiplier,
            **({"label": {lang: label}} if label else {}),
        }

    fhir_extras: dict[str, Any] = {
        key: resource[key]
        for key in ("id", "url", "version", "name", "title", "status", "code", "language")
        if key in resource
    }
    fhir_extras.update(
        {
            "release": reader.release,
            "layout": layout,
            "items": items_meta,
            "rules": {rule_id: link for rule_id, link, _, _ in rules if link},
        }
    )
    if reader.calcs:
        fhir_extras["calculations"] = reader.calculations
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
        "response_sets": response_sets,
        "items": items,
        "total": rule_dict(rules[0][0], rules[0][2], rules[0][3]),
        "subscales": [rule_dict(rule_id, label, rule) for rule_id, _, label, rule in rules[1:]],
        "description": resource["description"]
        if isinstance(resource.get("description"), str)
        else None,
        "citation": str(resource.get("copyright", ""))
        if isinstance(resource.get("copyright"), str)
        else "",
        "extras": {
            "source": {"format": "fhir-questionnaire", "file": source},
            "total_source": total_source,
            "fhir": _meta_json(fhir_extras),
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


# --- writing a Questionnaire -----------------------------------------------------------------


def _text_in(text: Mapping[str, str], language: str) -> str:
    if language in text:
        return text[language]
    return next(iter(text.values()), "")


def _options_of(instrument: Instrument, item: Item) -> tuple[Option, ...]:
    if item.response_set is None or item.response_set not in instrument.response_sets:
        return ()
    return tuple(instrument.response_sets[item.response_set].options)


def _effective_score(instrument: Instrument, item: Item, option: Option) -> float | None:
    """The score an option contributes once reverse keying and item weight are applied."""
    if option.score is None:
        return None
    score = option.score
    if item.reverse:
        scores = [o.score for o in _options_of(instrument, item) if o.score is not None]
        score = min(scores) + max(scores) - score
    return score * item.weight


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _fhir_meta(instrument: Instrument) -> Mapping[str, Any]:
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
    meta = _fhir_meta(instrument)
    items_meta: Mapping[str, Any] = meta.get("items") or {}
    rule_links: Mapping[str, Any] = meta.get("rules") or {}
    everything = [
        item.id
        for item in instrument.items
        if item.kind in ("choice", "yesno")
        and item.response_set is not None
        and any(
            _effective_score(instrument, item, o) is not None for o in _options_of(instrument, item)
        )
        and (items_meta.get(item.id) or {}).get("type") != "boolean"
    ]

    def item_json(item: Item) -> dict[str, Any]:
        stored: Mapping[str, Any] = items_meta.get(item.id) or {}
        element: dict[str, Any] = {"linkId": item.id}
        for key in ("code", "prefix"):
            if key in stored:
                element[key] = stored[key]
        text = _text_in(item.text, language)
        if text:
            element["text"] = text
        options = _options_of(instrument, item)
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
                label = _text_in(option.label, language)
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
            _text_in(rule.label, language)
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
                children = from_layout(_listed(entry.get("item")))
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

    items = from_layout(_listed(meta.get("layout")))
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
    title = _text_in(instrument.name, language)
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
    description = _text_in(instrument.description, language)
    if description:
        questionnaire["description"] = description
    if instrument.citation:
        questionnaire["copyright"] = instrument.citation
    questionnaire["item"] = items
    return questionnaire


# --- QuestionnaireResponse -------------------------------------------------------------------


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
    resource = _load(json_text_or_dict, source)
    _expect(resource, "QuestionnaireResponse", source)
    meta = _fhir_meta(instrument)
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
    if not isinstance(answer, Mapping):
        raise InteropError(source, None, None, "expected an object", path=path)
    options = _options_of(instrument, item)
    if options:
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
    meta = _fhir_meta(instrument)
    items_meta: Mapping[str, Any] = meta.get("items") or {}

    def answer_json(item: Item, value: Value) -> dict[str, Any]:
        stored: Mapping[str, Any] = items_meta.get(item.id) or {}
        options = _options_of(instrument, item)
        if options and stored.get("type") != "boolean":
            for option in options:
                if option.value == value or str(option.value) == str(value):
                    kind = stored.get("option_kind", "coding")
                    if kind == "integer" and isinstance(option.value, int):
                        return {"valueInteger": option.value}
                    if kind == "string":
                        return {"valueString": str(option.value)}
                    coding: dict[str, Any] = {"code": str(option.value)}
                    if isinstance(stored.get("system"), str):
                        coding["system"] = stored["system"]
                    label = _text_in(option.label, language)
                    if label:
                        coding["display"] = label
                    return {"valueCoding": coding}
            codes = ", ".join(str(o.value) for o in options)
            raise InteropError(
                instrument.id, None, None, f"{value!r} is not an option of '{item.id}' ({codes})"
            )
        if item.kind == "yesno":
            return {"valueBoolean": bool(int(value))}
        if item.kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InteropError(instrument.id, None, None, f"'{item.id}' needs a number")
            if stored.get("type") == "integer" and float(value).is_integer():
                return {"valueInteger": int(value)}
            return {"valueDecimal": value}
        return {"valueString": str(value)}

    def item_json(item: Item) -> dict[str, Any]:
        element: dict[str, Any] = {"linkId": item.id}
        text = _text_in(item.text, language)
        if text:
            element["text"] = text
        element["answer"] = [answer_json(item, answers[item.id])]
        return element

    written: set[str] = set()

    def from_layout(entries: Sequence[Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            link = str(entry.get("linkId", ""))
            if entry.get("kind") == "group":
                children = from_layout(_listed(entry.get("item")))
                if children:
                    group: dict[str, Any] = {"linkId": link}
                    if entry.get("text"):
                        group["text"] = entry["text"]
                    group["item"] = children
                    out.append(group)
            elif entry.get("kind") == "item" and link in answers and link in items:
                out.append(item_json(items[link]))
                written.add(link)
        return out

    response_items = from_layout(_listed(meta.get("layout")))
    for item in instrument.items:
        if item.id in answers and item.id not in written:
            response_items.append(item_json(item))
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire_url,
        "status": status,
    }
    if authored:
        response["authored"] = authored
    response["item"] = response_items
    return response
