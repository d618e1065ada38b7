"""Scoring: answers in, a total (or a clear refusal) out, without a database.

`score(instrument, answers)` returns a `ScoreResult`; `check_answers(instrument, answers)` says,
item by item, which answers are refused. Both take answers as a mapping of item id to value:
a number, a numeric string ("3", " 3 ", "3.0") or an option's code. ``None``, an empty or
blank string and a float NaN mean *not answered*.

What each scoring method does (docs/instruments/format.md has the same table with examples):

============== ========================================================= ====================
method         total                                                     with missing items
============== ========================================================= ====================
sum            sum of the item scores                                    see below
weighted_sum   sum of item score × item weight                           see below
count          number of answered items scored above 0 (CSI's "yes")     see below
mean           mean of the answered items' scores                        status ``prorated``
prorated_sum   mean of the answered items × number of items in the rule  status ``prorated``
============== ========================================================= ====================

Every method needs at least ``min_answered`` items answered, else the status is ``invalid``
and the total is None. ``min_answered`` defaults to every item of the rule, so by default a
sum needs every item. When a definition lowers it for ``sum``, ``weighted_sum`` or ``count``,
the missing items count as 0 (what REDCap's ``sum()`` and FHIR's ``sum()`` do with blanks) and
the status stays ``valid``; ``missing`` lists them. ``mean`` and ``prorated_sum`` stand in for
missing items with the mean of the answered ones, so their status is ``prorated`` when any
item is missing (CD-RISC-10's 7-of-10 rule: the total is mean(answered) × 10).

Reverse keying: an item's score becomes (min + max) − score, min and max being the lowest and
highest scores of its response set (or its own min and max for a number item). The
multiplier (WHO-5's ×4) applies last. Totals are never rounded here.

Answers that are refused (out of range, not a number, not one of the options, not an item of
this instrument) make the result ``invalid`` with an item-level message each. Safety rules are
checked on every valid answer whatever the status: an answer of 2 to PHQ-9 item 9 alerts the
worker even when the other items are missing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from buoy.instruments.domain.definition import (
    Band,
    Instrument,
    Item,
    SafetyRule,
    ScoringRule,
    Text,
)

VALID = "valid"
PRORATED = "prorated"
INVALID = "invalid"
STATUSES = (VALID, PRORATED, INVALID)


@dataclass(frozen=True)
class ScoreResult:
    """One administration's score, naming the definition version and rule that produced it.

    `total` is unrounded (show it to one decimal). `raw_total` is the total before the rule's
    multiplier (WHO-5's raw 0–25 beside its 0–100 percentage). `profiles` are item-group means
    (descriptive, never normed), None for a group with no answered item. `band` is the label of
    the band the total falls in, or None. `alerts` are the safety rules the answers triggered.
    For an invalid result the total, subscales, profiles and band are None and `error` says
    which items and why; `item_errors` has the refusals item by item.
    """

    instrument: str
    version: str
    rule: str
    status: str
    total: float | None
    raw_total: float | None = None
    error: str = ""
    item_errors: Mapping[str, str] = field(default_factory=dict)
    answered: int = 0
    missing: tuple[str, ...] = ()
    subscales: Mapping[str, float | None] = field(default_factory=dict)
    profiles: Mapping[str, float | None] = field(default_factory=dict)
    band: Text | None = None
    alerts: tuple[SafetyRule, ...] = ()


def score(instrument: Instrument, answers: Mapping[str, object]) -> ScoreResult:
    """Score one set of answers (see the module docstring for the rules)."""
    return compile_instrument(instrument).score(answers)


def check_answers(instrument: Instrument, answers: Mapping[str, object]) -> dict[str, str]:
    """Item id → why its answer is refused; empty when every answer is acceptable."""
    return compile_instrument(instrument).check(answers)


def format_number(value: float) -> str:
    """A total as written to files: ``23`` for whole numbers, else Python's shortest repr."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def band_for(bands: tuple[Band, ...], value: float) -> Band | None:
    """The band `value` falls in, among bands of one scale.

    A band holds low ≤ value ≤ high. Sources often give ranges at the precision they report
    (MSPSS "1–2.9, 3–5, 5.1–7"), leaving gaps that a mean such as 35/12 = 2.917 can fall in;
    such a value goes to the nearer neighbouring band (the upper one on a tie), which is what
    rounding to the source's precision does. Below the lowest or above the highest band: None.
    """
    ordered = sorted(bands, key=lambda b: (b.low, b.high))
    for band in ordered:
        if band.low <= value <= band.high:
            return band
    for below, above in itertools.pairwise(ordered):
        if below.high < value < above.low:
            return below if value - below.high < above.low - value else above
    return None


# --- compiled form -------------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    """One accepted answer: the value given (a number when numeric) and its item score."""

    value: float | str
    score: float | None  # None: the option carries no score (e.g. "don't know"), or unscored


class CompiledItem:
    """Everything needed to accept one item's answers, looked up once per instrument."""

    def __init__(self, instrument: Instrument, item: Item) -> None:
        self.item = item
        self.id = item.id
        self.kind = item.kind
        # accepted answer (as given, or as a string) -> Parsed
        self.table: dict[object, Parsed] = {}
        self.numeric_values: dict[float, Parsed] = {}
        self.allowed = ""  # for messages: "0, 1, 2, 3, 4"
        self.range: tuple[float, float] | None = None
        response_set = instrument.response_set_of(item)
        if response_set is not None:
            scores = response_set.scores
            low, high = (min(scores), max(scores)) if scores else (0.0, 0.0)
            for option in response_set.options:
                option_score = option.score
                if option_score is not None and item.reverse:
                    option_score = low + high - option_score
                if not item.scored:
                    option_score = None
                if isinstance(option.value, str):
                    parsed = Parsed(option.value, option_score)
                    self.table[option.value] = parsed
                    continue
                number = float(option.value)
                parsed = Parsed(number, option_score)
                self.numeric_values[number] = parsed
                for form in _forms(number):
                    self.table[form] = parsed
            self.allowed = ", ".join(
                format_number(o.value) if not isinstance(o.value, str) else o.value
                for o in response_set.options
            )
            if self.numeric_values:
                self.range = (min(self.numeric_values), max(self.numeric_values))
        elif item.kind == "yesno":
            for number in (0.0, 1.0):
                parsed = Parsed(number, number if item.scored else None)
                self.numeric_values[number] = parsed
                for form in _forms(number):
                    self.table[form] = parsed
            self.table[True] = self.numeric_values[1.0]
            self.table[False] = self.numeric_values[0.0]
            self.allowed = "0 (no), 1 (yes)"
            self.range = (0.0, 1.0)

    def parse(self, raw: object) -> Parsed | str | None:
        """The accepted answer, None when not answered, or a message saying why refused."""
        if isinstance(raw, bool) and self.kind != "yesno":
            return f"{raw!r} is not a number"  # True == 1 in Python; not an answer here
        found = self.table.get(raw) if _hashable(raw) else None
        if found is not None:
            return found
        if raw is None:
            return None
        if isinstance(raw, str):
            text = raw.strip()
            if not text:
                return None
            found = self.table.get(text)
            if found is not None:
                return found
        elif isinstance(raw, float) and math.isnan(raw):
            return None
        return self._parse_unlisted(raw)

    def _parse_unlisted(self, raw: object) -> Parsed | str:
        """An answer not in the table as given: text, a number in range, or why refused."""
        if self.kind == "text":
            return Parsed(str(raw), None)
        number = _number(raw)
        if number is None:
            shown = repr(raw.strip()) if isinstance(raw, str) else repr(raw)
            if self.numeric_values or self.kind == "number":
                return f"{shown} is not a number"
            return f"{shown} is not one of the allowed answers ({self.allowed})"
        if self.kind == "number":
            low, high = self.item.minimum, self.item.maximum
            if (low is not None and number < low) or (high is not None and number > high):
                return f"{format_number(number)} is out of range ({_bound(low)}–{_bound(high)})"
            item_score = number
            if self.item.reverse and low is not None and high is not None:
                item_score = low + high - number
            return Parsed(number, item_score if self.item.scored else None)
        found = self.numeric_values.get(number)
        if found is not None:
            return found
        if self.range is not None and not self.range[0] <= number <= self.range[1]:
            low, high = self.range
            return f"{format_number(number)} is out of range ({_bound(low)}–{_bound(high)})"
        return f"{format_number(number)} is not one of the allowed answers ({self.allowed})"


class CompiledRule:
    """A scoring rule with its items' positions resolved."""

    def __init__(self, instrument: Instrument, rule: ScoringRule) -> None:
        self.rule = rule
        self.id = rule.id
        self.method = rule.method
        self.items = rule.items
        self.count = len(rule.items)
        self.min_answered = rule.min_answered
        self.multiplier = rule.multiplier
        self.weights = tuple(instrument.item(item_id).weight for item_id in rule.items)
        self.description = rule.describe()

    def compute(self, scores: Mapping[str, float]) -> tuple[str, float | None, float | None, str]:
        """(status, total, raw total, error) from the answered items' scores."""
        answered = 0
        accumulated = 0.0
        method = self.method
        for item_id, weight in zip(self.items, self.weights, strict=True):
            if item_id in scores:
                answered += 1
                value = scores[item_id]
                if method == "count":
                    accumulated += value > 0
                elif method == "weighted_sum":
                    accumulated += value * weight
                else:
                    accumulated += value
        if answered < self.min_answered:
            missing = tuple(item_id for item_id in self.items if item_id not in scores)
            return self.finish(accumulated, answered, missing)
        return self.finish(accumulated, answered, ())

    def finish(
        self, accumulated: float, answered: int, missing: tuple[str, ...]
    ) -> tuple[str, float | None, float | None, str]:
        """The result from the accumulated scores (a sum, a weighted sum, or a count of
        scores above 0, depending on the method) of `answered` items; `missing` names the
        unanswered ones for the error message."""
        if answered < self.min_answered:
            return (
                INVALID,
                None,
                None,
                f"{answered} of {self.count} items answered; at least {self.min_answered} "
                f"needed (missing: {', '.join(missing)})",
            )
        status = VALID
        if self.method == "mean":
            raw = accumulated / answered
            status = VALID if answered == self.count else PRORATED
        elif self.method == "prorated_sum":
            raw = accumulated / answered * self.count
            status = VALID if answered == self.count else PRORATED
        else:  # sum, weighted_sum, count: missing items (if allowed) count as 0
            raw = float(accumulated)
        return status, raw * self.multiplier, raw, ""


class CompiledInstrument:
    """An instrument's lookup tables, built once and reused for every set of answers."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.items = {item.id: CompiledItem(instrument, item) for item in instrument.items}
        self.total = CompiledRule(instrument, instrument.total)
        self.subscales = tuple(CompiledRule(instrument, rule) for rule in instrument.subscales)
        self.groups = tuple((group.id, group.items) for group in instrument.item_groups)
        self.total_bands = tuple(b for b in instrument.bands if b.scale == "total")
        self.safety = tuple(instrument.safety_rules)

    def parse(self, answers: Mapping[str, object]) -> tuple[dict[str, Parsed], dict[str, str]]:
        """Accepted answers by item id (not-answered left out), and refusals by item id."""
        accepted: dict[str, Parsed] = {}
        errors: dict[str, str] = {}
        for item_id, raw in answers.items():
            compiled = self.items.get(item_id)
            if compiled is None:
                errors[str(item_id)] = f"not an item of {self.instrument.id}"
                continue
            parsed = compiled.parse(raw)
            if isinstance(parsed, str):
                errors[item_id] = parsed
            elif parsed is not None:
                accepted[item_id] = parsed
        return accepted, errors

    def check(self, answers: Mapping[str, object]) -> dict[str, str]:
        return self.parse(answers)[1]

    def score(self, answers: Mapping[str, object]) -> ScoreResult:
        accepted, errors = self.parse(answers)
        return self.score_parsed(accepted, errors)

    def score_parsed(
        self, accepted: Mapping[str, Parsed], errors: Mapping[str, str]
    ) -> ScoreResult:
        instrument = self.instrument
        alerts = tuple(
            rule
            for rule in self.safety
            if rule.item in accepted
            and isinstance(value := accepted[rule.item].value, float)
            and value > rule.above
        )
        scores = {item_id: p.score for item_id, p in accepted.items() if p.score is not None}
        answered = sum(1 for item_id in self.total.items if item_id in scores)
        missing = tuple(item_id for item_id in self.total.items if item_id not in scores)
        if errors:
            return ScoreResult(
                instrument=instrument.id,
                version=instrument.version,
                rule=self.total.description,
                status=INVALID,
                total=None,
                error="; ".join(f"{item_id}: {message}" for item_id, message in errors.items()),
                item_errors=dict(errors),
                answered=answered,
                missing=missing,
                subscales={rule.id: None for rule in self.subscales},
                profiles={group_id: None for group_id, _ in self.groups},
                alerts=alerts,
            )
        status, total, raw, error = self.total.compute(scores)
        valid = status != INVALID
        band = band_for(self.total_bands, total) if total is not None else None
        return ScoreResult(
            instrument=instrument.id,
            version=instrument.version,
            rule=self.total.description,
            status=status,
            total=total,
            raw_total=raw,
            error=error,
            answered=answered,
            missing=missing,
            subscales={
                rule.id: rule.compute(scores)[1] if valid else None for rule in self.subscales
            },
            profiles={
                group_id: _mean(scores, group_items) if valid else None
                for group_id, group_items in self.groups
            },
            band=None if band is None else band.label,
            alerts=alerts,
        )


def compile_instrument(instrument: Instrument) -> CompiledInstrument:
    """The instrument's lookup tables (cheap: a few dictionaries per item)."""
    return CompiledInstrument(instrument)


def _mean(scores: Mapping[str, float], item_ids: tuple[str, ...]) -> float | None:
    values = [scores[item_id] for item_id in item_ids if item_id in scores]
    return sum(values) / len(values) if values else None


def _forms(number: float) -> tuple[object, ...]:
    """The ways a numeric option value may arrive: 3, 3.0, "3", "3.0"."""
    if number == int(number):
        whole = int(number)
        return (whole, number, str(whole), f"{whole}.0")
    return (number, repr(number))


def _hashable(value: object) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _number(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        number = float(raw)
    elif isinstance(raw, str):
        try:
            number = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _bound(value: float | None) -> str:
    return "" if value is None else format_number(value)
