"""SDC calculatedExpressions (FHIRPath) recognised as sums or means of answer weights."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


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
class Recognised:
    """A calculatedExpression read as a rule: its method, items, factor and how."""

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


class Recogniser:
    """Reads one questionnaire's calculatedExpressions, knowing its weighted items."""

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

    def recognise(self, expression: str) -> Recognised | str:
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
                return Recognised("mean", tuple(found[1]), multiplier, "a mean of item scores")
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
        return Recognised(method, tuple(items), multiplier, how)

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


_BUOY_RULE = re.compile(
    r"^[\w-]+: (?P<method>sum|mean|prorated_sum|weighted_sum|count) of (?P<n>[0-9]+) items, "
    r"at least (?P<min>[0-9]+) answered(?:, ×(?P<k>[0-9.]+))?$"
)


def restore_buoy_rule(description: str, rule: Recognised) -> Recognised:
    """A Buoy export describes its rule (`ScoringRule.describe`); read it back when it fits."""
    match = _BUOY_RULE.fullmatch(description.strip())
    if match is None or int(match.group("n")) != len(rule.items):
        return rule
    minimum = int(match.group("min"))
    if not 1 <= minimum <= len(rule.items):
        return rule
    return Recognised(
        match.group("method"),
        rule.items,
        float(match.group("k") or 1),
        f"{rule.how}; the rule as its description states it",
        minimum,
    )
