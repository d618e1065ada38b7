"""The options of a choice item: from ``answerOption`` or a contained ValueSet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from buoy.instruments.domain.fhir.elements import Value, listed, string_of, weight_of
from buoy.instruments.domain.interop_errors import InteropError


@dataclass
class OptionDraft:
    """An option as read, before the instrument is built."""

    value: Value
    score: float | None
    label: str
    system: str | None = None
    kind: str = "coding"  # coding | integer | string | date | time


def options_from_answer_options(
    item: Mapping[str, Any], path: str, source: str
) -> list[OptionDraft]:
    """An item's ``answerOption`` list as options; InteropError naming the bad one."""
    options: list[OptionDraft] = []
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
            weight = weight_of([(answer_option, opath), (coding, f"{opath}.valueCoding")], source)
            system = coding.get("system") if isinstance(coding.get("system"), str) else None
            label = string_of(coding, "display")
            options.append(OptionDraft(code, weight, label, system, "coding"))
            continue
        integer = answer_option.get("valueInteger")
        if isinstance(integer, int) and not isinstance(integer, bool):
            weight = weight_of([(answer_option, opath)], source)
            options.append(
                OptionDraft(
                    integer, float(integer) if weight is None else weight, "", None, "integer"
                )
            )
            continue
        for key, kind in (("valueString", "string"), ("valueDate", "date"), ("valueTime", "time")):
            text = answer_option.get(key)
            if isinstance(text, str) and text:
                weight = weight_of([(answer_option, opath)], source)
                options.append(OptionDraft(text, weight, text, None, kind))
                break
        else:
            raise InteropError(source, None, None, "no code or value", path=opath)
    return options


def options_from_value_set(
    value_set: Mapping[str, Any], path: str, source: str
) -> list[OptionDraft]:
    """A contained ValueSet's codes (expansion, else compose) as options."""
    options: list[OptionDraft] = []

    def concept(element: Mapping[str, Any], epath: str, system: Any) -> None:
        code = element.get("code")
        if not isinstance(code, str) or not code.strip():
            raise InteropError(source, None, None, "no code", path=epath)
        display = string_of(element, "display")
        options.append(
            OptionDraft(
                code,
                weight_of([(element, epath)], source),
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
        for index, include in enumerate(listed(includes)):
            if not isinstance(include, Mapping):
                continue
            for position, element in enumerate(listed(include.get("concept"))):
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
