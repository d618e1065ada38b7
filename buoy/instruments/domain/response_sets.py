"""Response sets (the option lists items share), as the REDCap and FHIR readers build them.

An import reads each item's options; items whose options are the same (value, score and
label) share one response set, named after the first item that has it. A name already taken
by a different set gets ``_2``, ``_3`` … (``agree``, ``agree_2``). The writers read the options
back with `options_of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from buoy.instruments.domain.definition import Instrument, Item, Option


class DraftOption(Protocol):
    """An option as a reader found it: its stored value, its score and its label."""

    value: int | float | str
    score: float | None
    label: str


class ResponseSets:
    """The response sets of one instrument being read, in the definition's JSON form."""

    def __init__(self, language: str) -> None:
        self.language = language  # the language of the labels
        self.sets: dict[str, dict[str, Any]] = {}  # set id -> {"options": [...]}
        self._ids: dict[tuple[Any, ...], str] = {}

    def id_for(self, options: Sequence[DraftOption], *, name: str) -> str:
        """The id of the set holding exactly `options`; the first time, a new set called
        `name`, or ``name_2``, ``name_3`` … when a different set has that name already."""
        key = tuple((o.value, o.score, o.label) for o in options)
        found = self._ids.get(key)
        if found is not None:
            return found
        set_id, suffix = name, 2
        while set_id in self.sets:
            set_id = f"{name}_{suffix}"
            suffix += 1
        self._ids[key] = set_id
        self.sets[set_id] = {"options": [self._option(o) for o in options]}
        return set_id

    def _option(self, option: DraftOption) -> dict[str, Any]:
        label = {"label": {self.language: option.label}} if option.label else {}
        return {"value": option.value, "score": option.score, **label}


def options_of(instrument: Instrument, item: Item) -> tuple[Option, ...]:
    """The options an item accepts (empty for number and text items)."""
    if item.response_set is None or item.response_set not in instrument.response_sets:
        return ()
    return tuple(instrument.response_sets[item.response_set].options)
