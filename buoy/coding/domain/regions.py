"""Code queries on text regions: AND / OR / NOT over coded spans, and co-occurrence.

A code's *region* in a document is the union of the spans coded with it (or any of its
descendants). A query combines regions: OR is their union, AND their intersection, NOT the
difference (`A NOT B`: text coded A and not coded B). The answer is a list of spans, each
with the document it is in, so the screen can show the text.

Query text: code labels or names in double quotes, `AND`, `OR`, `NOT` (binary: "A NOT B"),
parentheses; AND binds tighter than OR, NOT tighter than AND.
Example: `P-IND-01 AND ("Hope / optimism" OR P-IND-03) NOT R-IND-02`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

Span = tuple[int, int]
Region = dict[str, list[Span]]  # document id -> sorted, disjoint, half-open spans


def merge(spans: Iterable[Span], *, join_touching: bool = True) -> list[Span]:
    """Sorted, disjoint spans covering the same characters; touching spans join unless
    `join_touching` is False (then [0, 2) and [2, 4) stay two spans)."""
    result: list[Span] = []
    for start, end in sorted(spans):
        if result and (start < result[-1][1] or (join_touching and start == result[-1][1])):
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def intersect(first: Sequence[Span], second: Sequence[Span]) -> list[Span]:
    """Characters in both (inputs merged)."""
    result: list[Span] = []
    i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start < end:
            result.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


def subtract(first: Sequence[Span], second: Sequence[Span]) -> list[Span]:
    """Characters in `first` and not in `second` (inputs merged)."""
    result: list[Span] = []
    j = 0
    for start, end in first:
        cursor = start
        while j < len(second) and second[j][1] <= cursor:
            j += 1
        k = j
        while k < len(second) and second[k][0] < end:
            if second[k][0] > cursor:
                result.append((cursor, second[k][0]))
            cursor = max(cursor, second[k][1])
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def _combine(
    first: Region, second: Region, operation: Callable[..., list[Span]], keep: str
) -> Region:
    documents = set(first) | set(second) if keep == "either" else set(first)
    if keep == "both":
        documents &= set(second)
    result: Region = {}
    for document in documents:
        spans = operation(first.get(document, []), second.get(document, []))
        if spans:
            result[document] = spans
    return result


def union(first: Region, second: Region) -> Region:
    """Text in either region."""
    return _combine(first, second, lambda a, b: merge([*a, *b]), "either")


def both(first: Region, second: Region) -> Region:
    """Text in both regions."""
    return _combine(first, second, intersect, "both")


def without(first: Region, second: Region) -> Region:
    """Text in the first region and not in the second."""
    return _combine(first, second, subtract, "first")


class QueryError(ValueError):
    """A query that cannot be read; the message says where and why."""


@dataclass(frozen=True)
class Term:
    name: str


@dataclass(frozen=True)
class Operation:
    operator: str  # AND, OR, NOT
    left: Term | Operation
    right: Term | Operation


Query = Term | Operation

_TOKEN = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"|(AND|OR|NOT)\b|([^\s()"]+))')


def parse_query(text: str) -> Query:
    """Read a query (module docstring); QueryError names the position and the problem."""
    tokens = _tokens(text)
    if not tokens:
        raise QueryError("the query is empty")
    return _Parser(tokens).query()


# (kind, text, position): kind is "(", ")", "code" or "op"; position counts from 0.
_Token = tuple[str, str, int]


def _tokens(text: str) -> list[_Token]:
    """The query's brackets, code names (quoted or bare) and operators, with their places."""
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise QueryError(f"cannot read the query at character {position + 1}")
        opening, closing, quoted, operator, bare = match.groups()
        at = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
        if opening:
            tokens.append(("(", "(", at))
        elif closing:
            tokens.append((")", ")", at))
        elif quoted is not None:
            tokens.append(("code", quoted, at))
        elif operator:
            tokens.append(("op", operator, at))
        else:
            tokens.append(("code", bare, at))
        position = match.end()
    return tokens


# Weakest first: OR joins ANDs, AND joins NOTs, NOT joins atoms.
_OPERATORS = ("OR", "AND", "NOT")


class _Parser:
    """Recursive descent over the tokens, one level per operator."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def query(self) -> Query:
        query = self.expression(0)
        if (extra := self.peek()) is not None:
            raise QueryError(f"unexpected “{extra[1]}” at character {extra[2] + 1}")
        return query

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expression(self, level: int) -> Query:
        if level == len(_OPERATORS):
            return self.atom()
        operator = _OPERATORS[level]
        left = self.expression(level + 1)
        while (token := self.peek()) is not None and token[0] == "op" and token[1] == operator:
            self.take()
            left = Operation(operator, left, self.expression(level + 1))
        return left

    def atom(self) -> Query:
        if self.peek() is None:
            raise QueryError("the query ends where a code was expected")
        kind, value, at = self.take()
        if kind == "(":
            inner = self.expression(0)
            closing = self.peek()
            if closing is None or closing[0] != ")":
                raise QueryError(f"the bracket at character {at + 1} is not closed")
            self.take()
            return inner
        if kind == "code":
            if not value.strip():
                raise QueryError(f"empty code name at character {at + 1}")
            return Term(value)
        raise QueryError(f"a code was expected at character {at + 1}, not “{value}”")


def terms_of(query: Query) -> list[str]:
    """The code names a query mentions, in order."""
    if isinstance(query, Term):
        return [query.name]
    return [*terms_of(query.left), *terms_of(query.right)]


def evaluate(query: Query, region_of: Callable[[str], Region]) -> Region:
    """The text a query selects, given each named code's region."""
    if isinstance(query, Term):
        return region_of(query.name)
    left = evaluate(query.left, region_of)
    right = evaluate(query.right, region_of)
    if query.operator == "OR":
        return union(left, right)
    if query.operator == "AND":
        return both(left, right)
    return without(left, right)


def co_occurrence(regions: Mapping[str, Region]) -> dict[tuple[str, str], int]:
    """For each pair of codes, how many of the first's segments overlap the second's text.

    `regions` maps a code to its region; the count for (A, B) is the number of A's merged
    spans that share at least one character with B. The diagonal holds each code's span count.
    """
    result: dict[tuple[str, str], int] = {}
    for first, first_region in regions.items():
        for second, second_region in regions.items():
            count = 0
            for document, spans in first_region.items():
                other = second_region.get(document)
                if not other:
                    continue
                ends = [end for _start, end in other]
                for start, end in spans:
                    # the first span of `other` ending after `start` is the only candidate
                    k = bisect.bisect_right(ends, start)
                    if k < len(other) and other[k][0] < end:
                        count += 1
            result[(first, second)] = count
    return result
