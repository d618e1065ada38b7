"""What every part of the import shares: the log of repairs and the XML element helpers."""

from __future__ import annotations

from typing import Any

from lxml import etree

Element = Any  # lxml elements (lxml ships no type hints)
_UTF8_BOM = b"\xef\xbb\xbf"


class _RepairLog:
    """The file being read, as the user named it, and what was repaired in it, in words."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.repairs: list[str] = []

    def repair(self, message: str) -> None:
        """Say a repair (once, however often it is met)."""
        if message not in self.repairs:
            self.repairs.append(message)


def _local(element: Element) -> str:
    return str(etree.QName(element).localname)


def _child_elements(element: Element | None) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if isinstance(child.tag, str)]


def _children(element: Element | None, name: str) -> list[Element]:
    return [child for child in _child_elements(element) if _local(child) == name]


def _child(element: Element | None, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _target(element: Element, name: str) -> str | None:
    """The GUID the element's first <name> reference (<CodeRef>, <VariableRef>) points to."""
    reference = _child(element, name)
    return reference.get("targetGUID") if reference is not None else None


def _text(element: Element | None) -> str:
    return "".join(element.itertext()) if element is not None else ""


def _where(element: Element) -> str:
    """An element as a repair message names it: <Code name="risk"> (line 7)."""
    label = ""
    for attribute in ("name", "guid", "targetGUID"):
        value = element.get(attribute)
        if value:
            shown = value if len(value) <= 60 else value[:57] + "..."
            label = f' {attribute}="{shown}"'
            break
    line = f" (line {element.sourceline})" if element.sourceline else ""
    return f"<{_local(element)}{label}>{line}"
