"""What the standard allows in a value, and how GUIDs compare and are derived."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime

_GUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}"
)
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
# Characters XML 1.0 cannot carry at all, even escaped (and lone surrogates, which UTF-8 cannot).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"(-?[0-9]{4,}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?")
_DATE_TIME = re.compile(
    r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)
_BOOLEANS = ("true", "false", "1", "0")

# GUIDs Buoy derives (selections, links, categories made from "parent/child" names) are
# UUID5s in this namespace, so the same input always gives the same file and the same import.
_BUOY_NAMESPACE = uuid.UUID("3ea35653-0aa5-4408-9862-2a31d2ab493e")


def _derived(kind: str, *parts: str) -> str:
    return str(uuid.uuid5(_BUOY_NAMESPACE, ":".join([kind, *(_key(p) for p in parts)])))


def _key(guid: str) -> str:
    """GUIDs compare without braces and case (Taguette writes upper case, others lower)."""
    return guid.strip().strip("{}").lower()


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def _valid_value(type_name: str, value: str) -> bool:
    if type_name == "Text":
        return not _NOT_XML.search(value)
    if type_name == "Boolean":
        return value in _BOOLEANS
    if type_name == "Integer":
        return bool(_INTEGER.fullmatch(value))
    if type_name == "Float":
        return bool(_DECIMAL.fullmatch(value))
    if type_name == "Date":
        match = _DATE.fullmatch(value)
        return match is not None and _parses(date.fromisoformat, match.group(1))
    if type_name == "DateTime":
        return bool(_DATE_TIME.fullmatch(value)) and _parses(datetime.fromisoformat, value)
    return False


def _parses(parse: Callable[[str], object], value: str) -> bool:
    # The patterns check the shape; parsing catches impossible dates such as 2026-02-30.
    try:
        parse(value)
    except ValueError:
        return False
    return True
