"""The definition's parts as frozen dataclasses, and the error that names a bad value."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1
SCORING_METHODS = ("sum", "mean", "prorated_sum", "weighted_sum", "count")
LICENCE_STATUSES = ("public_domain", "free", "licensed")
ITEM_KINDS = ("choice", "number", "text", "yesno")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")  # "en", "zh-hans", lower case

Text = Mapping[str, str]  # language code ("en", "zh-hans") -> text


def text_or_first(text: Text, language: str) -> str:
    """The text in `language`, else in the first language it has ("" when it has none)."""
    if language in text:
        return text[language]
    return next(iter(text.values()), "")


class DefinitionError(ValueError):
    """A definition that cannot be used; `path` says where (``items[2].id``)."""

    def __init__(self, path: str, message: str, *, source: str = "") -> None:
        self.path = path
        self.message = message
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{path}: {message}" if path else f"{where}{message}")


@dataclass(frozen=True)
class Option:
    """One answer an item accepts: its stored value, scored value and labels per language."""

    value: int | float | str
    score: float | None
    label: Text = field(default_factory=dict)


@dataclass(frozen=True)
class ResponseSet:
    """A named list of options shared by several items (e.g. 0–4 "not true at all" …)."""

    id: str
    options: tuple[Option, ...]

    @property
    def scores(self) -> tuple[float, ...]:
        return tuple(o.score for o in self.options if o.score is not None)


@dataclass(frozen=True)
class Item:
    """One question. `text` is empty when the wording is licensed and not imported."""

    id: str
    number: int
    response_set: str | None
    kind: str = "choice"  # choice | number | text | yesno
    text: Text = field(default_factory=dict)
    reverse: bool = False
    weight: float = 1.0
    scored: bool = True
    minimum: float | None = None
    maximum: float | None = None
    identifier: bool = False


@dataclass(frozen=True)
class ScoringRule:
    """How a total or a subscale is computed from item scores.

    `min_answered` is the fewest answered items for a valid score; `multiplier` rescales the
    result (WHO-5's ×4). A prorated sum stands for all of `items` (mean of answered × count).
    What each method does with missing items is in buoy/instruments/domain/scoring.py.
    """

    id: str
    method: str
    items: tuple[str, ...]
    min_answered: int
    multiplier: float = 1.0
    label: Text = field(default_factory=dict)

    def describe(self) -> str:
        """One line naming the rule, stored beside every score it produced."""
        return (
            f"{self.id}: {self.method} of {len(self.items)} items, "
            f"at least {self.min_answered} answered"
            + (f", ×{self.multiplier:g}" if self.multiplier != 1 else "")
        )


@dataclass(frozen=True)
class ItemGroup:
    """A descriptive profile (item mean of a group), never a normed score."""

    id: str
    items: tuple[str, ...]
    label: Text = field(default_factory=dict)
    description: Text = field(default_factory=dict)


@dataclass(frozen=True)
class Band:
    """A labelled score range on a scale (``total`` or a subscale id), with its source."""

    scale: str
    low: float
    high: float
    label: Text
    source: str = ""


@dataclass(frozen=True)
class Norm:
    """A reference population to compare scores with."""

    id: str
    population: Text
    mean: float
    sd: float
    reliability: float | None = None
    reliability_kind: str = ""  # "alpha" | "test-retest"
    n: int | None = None
    source: str = ""
    quartiles: tuple[tuple[float, float], ...] = ()  # (low, high) per quartile, if published
    default: bool = False


@dataclass(frozen=True)
class SafetyRule:
    """An answer that must alert the worker (PHQ-9 item 9 above 0)."""

    id: str
    item: str
    above: float
    message: Text


@dataclass(frozen=True)
class Licence:
    """Who holds the instrument's rights and whether its wording may ship with Buoy."""

    status: str
    holder: str = ""
    note: str = ""


@dataclass(frozen=True)
class Instrument:
    """A versioned instrument definition."""

    id: str
    version: str
    name: Text
    licence: Licence
    response_sets: Mapping[str, ResponseSet]
    items: tuple[Item, ...]
    total: ScoringRule
    subscales: tuple[ScoringRule, ...] = ()
    item_groups: tuple[ItemGroup, ...] = ()
    bands: tuple[Band, ...] = ()
    norms: tuple[Norm, ...] = ()
    safety_rules: tuple[SafetyRule, ...] = ()
    citation: str = ""
    description: Text = field(default_factory=dict)
    # What a respondent reads before the items (recall period, how to answer); per language,
    # absent like item wording when it is licensed.
    instructions: Text = field(default_factory=dict)
    # What an import kept that Buoy does not score: REDCap form name, unparsed calc
    # expressions, a FHIR canonical url. Plain JSON values only.
    extras: Mapping[str, Any] = field(default_factory=dict)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.scored)

    def has_wording(self, language: str) -> bool:
        """Whether every item has text in `language` and every answer of those items a label
        in it: what a caregiver needs to answer alone (licensed wording may be missing)."""
        return not self.missing_wording(language)

    def missing_wording(self, language: str) -> tuple[str, ...]:
        """The items whose text, or one of whose answers' labels, is missing in `language`."""
        missing = []
        for item in self.items:
            response_set = self.response_set_of(item)
            options = response_set.options if response_set is not None else ()
            if language not in item.text or any(language not in o.label for o in options):
                missing.append(item.id)
        return tuple(missing)

    def response_set_of(self, item: Item) -> ResponseSet | None:
        return None if item.response_set is None else self.response_sets[item.response_set]
