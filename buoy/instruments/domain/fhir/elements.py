"""Reading FHIR JSON leniently: the resource, its extensions, weights, strings and ids."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

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

Value = int | float | str


def load_json(data: str | bytes | Mapping[str, Any], source: str) -> Mapping[str, Any]:
    """The resource as a mapping; InteropError with the line and column if not JSON."""
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


def expect_type(resource: Mapping[str, Any], kind: str, source: str) -> None:
    """InteropError unless the resource is a `kind` (a Bundle is named as such)."""
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


def extensions(element: Any, urls: Sequence[str]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(index, extension) for each extension of `element` with one of `urls`."""
    if not isinstance(element, Mapping):
        return
    for index, extension in enumerate(listed(element.get("extension"))):
        if isinstance(extension, Mapping) and extension.get("url") in urls:
            yield index, extension


def listed(value: Any) -> list[Any]:
    """A JSON array, or nothing: lenient where a stray value cannot change a score."""
    return value if isinstance(value, list) else []


def number_value(extension: Mapping[str, Any]) -> float | None:
    """An extension's number (decimal, integer, …), or None."""
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


def weight_of(elements: Sequence[tuple[Any, str]], source: str) -> float | None:
    """The first weight found on any of (element, path), or None."""
    for element, path in elements:
        for index, extension in extensions(element, WEIGHT_URLS):
            value = number_value(extension)
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


def string_of(element: Mapping[str, Any], key: str) -> str:
    """The string at `key`, or "" when it is absent or not a string."""
    value = element.get(key)
    return value if isinstance(value, str) else ""


def slug(text: str) -> str:
    """``"SDC - PHQ-9"`` → ``"sdc_phq-9"``: a lone hyphen stays, other runs become ``_``."""
    return re.sub(
        r"[^a-z0-9]+", lambda run: "-" if run.group() == "-" else "_", text.lower()
    ).strip("_-")


def language_key(code: Any) -> str:
    """A FHIR language code as a Buoy language key ("zh-CN" is "zh-hans")."""
    if not isinstance(code, str) or not code:
        return "en"
    lowered = code.lower()
    if lowered.startswith("zh"):
        return "zh-hant" if any(t in lowered for t in ("hant", "tw", "hk", "mo")) else "zh-hans"
    return lowered.split("-")[0]
