"""REDCap calc expressions: the plain sums and means that Buoy turns into scoring rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\[[A-Za-z][A-Za-z0-9_]*(?:\([A-Za-z0-9_.-]+\))?\])
    | (?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<op><>|!=|>=|<=|[-+*/(),=<>^])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Term:
    field: str
    code: str | None = None  # [checkbox(code)]
    reverse_from: float | None = None  # K in K-[x]
    weight: float = 1.0
    missing: tuple[str, ...] = ()  # codes recoded to blank by if(...)


@dataclass(frozen=True)
class Aggregate:
    method: str  # "sum" | "mean" | "plus"
    terms: tuple[Term, ...]
    multiplier: float = 1.0


def _tokens(expression: str) -> list[tuple[str, str]] | None:
    tokens: list[tuple[str, str]] = []
    position = 0
    expression = expression.strip()
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if match is None or match.end() == position:
            return None
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
        while position < len(expression) and expression[position].isspace():
            position += 1
    return tokens


class _Parser:
    """A tiny recursive-descent reader for the plain sums Buoy turns into scoring rules."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def take(self, kind: str, text: str | None = None) -> str | None:
        token = self.peek()
        if token[0] == kind and (text is None or token[1].lower() == text):
            self.position += 1
            return token[1]
        return None

    def at_end(self) -> bool:
        return self.position >= len(self.tokens)

    def number(self) -> float | None:
        negative = self.take("op", "-") is not None
        text = self.take("num")
        if text is None:
            return None
        return -float(text) if negative else float(text)

    def ref(self) -> tuple[str, str | None] | None:
        text = self.take("ref")
        if text is None:
            return None
        inner = text[1:-1]
        if "(" in inner:
            name, _, code = inner.partition("(")
            return name, code.rstrip(")")
        return inner, None

    def expression(self) -> Aggregate | Term | None:
        start = self.position
        aggregate = self.aggregate()
        if aggregate is not None and self.at_end():
            return aggregate
        self.position = start
        term = self.term()
        if term is not None and self.at_end():
            return term
        return None

    def aggregate(self) -> Aggregate | None:
        start = self.position
        name = self.peek()
        if name[0] == "name" and name[1].lower() in ("sum", "mean") and self.peek(1)[1] == "(":
            self.position += 2
            terms: list[Term] = []
            while True:
                term = self.term()
                if term is None:
                    self.position = start
                    return None
                terms.append(term)
                if self.take("op", ","):
                    continue
                if self.take("op", ")"):
                    break
                self.position = start
                return None
            return self.times(Aggregate(name[1].lower(), tuple(terms)))
        if self.take("op", "("):
            inner = self.aggregate()
            if inner is not None and self.take("op", ")"):
                return self.times(inner)
            self.position = start
        terms = []
        term = self.term()
        while term is not None:
            terms.append(term)
            if not self.take("op", "+"):
                break
            term = self.term()
            if term is None:
                self.position = start
                return None
        if len(terms) >= 2:
            return Aggregate("plus", tuple(terms))
        self.position = start
        return None

    def times(self, aggregate: Aggregate) -> Aggregate:
        start = self.position
        if self.take("op", "*"):
            factor = self.number()
            if factor is not None:
                return Aggregate(aggregate.method, aggregate.terms, aggregate.multiplier * factor)
        self.position = start
        return aggregate

    def term(self) -> Term | None:
        start = self.position
        if self.take("op", "("):
            inner = self.term()
            if inner is not None and self.take("op", ")"):
                return self.weighted(inner)
            self.position = start
            return None
        if self.peek()[0] == "name" and self.peek()[1].lower() == "if":
            wrapped = self.recode()
            return None if wrapped is None else self.weighted(wrapped)
        ref = self.ref()
        if ref is not None:
            return self.weighted(Term(ref[0], ref[1]))
        constant = self.number()
        if constant is not None:
            if self.take("op", "-"):
                inner = self.term()
                if inner is not None and inner.reverse_from is None and inner.weight == 1:
                    return Term(inner.field, inner.code, constant, 1.0, inner.missing)
            elif self.take("op", "*"):
                inner = self.term()
                if inner is not None:
                    return Term(
                        inner.field,
                        inner.code,
                        inner.reverse_from,
                        inner.weight * constant,
                        inner.missing,
                    )
        self.position = start
        return None

    def weighted(self, term: Term) -> Term:
        start = self.position
        if self.take("op", "*"):
            factor = self.number()
            if factor is not None:
                return Term(
                    term.field, term.code, term.reverse_from, term.weight * factor, term.missing
                )
        self.position = start
        return term

    def recode(self) -> Term | None:
        """``if([x]='777' OR [x]='999', '', [x])``: x, with those codes read as missing."""
        start = self.position
        self.position += 1
        if not self.take("op", "("):
            self.position = start
            return None
        depth = 0
        while self.take("op", "("):
            depth += 1
        codes: list[str] = []
        field_name: str | None = None
        while True:
            ref = self.ref()
            if ref is None or ref[1] is not None or (field_name not in (None, ref[0])):
                self.position = start
                return None
            field_name = ref[0]
            if not self.take("op", "="):
                self.position = start
                return None
            token = self.peek()
            if token[0] == "str":
                codes.append(token[1][1:-1])
                self.position += 1
            else:
                value = self.number()
                if value is None:
                    self.position = start
                    return None
                codes.append(f"{value:g}")
            if self.take("name", "or"):
                continue
            break
        for _ in range(depth):
            if not self.take("op", ")"):
                self.position = start
                return None
        blank = self.peek(1)
        if not (
            self.take("op", ",")
            and blank[0] == "str"
            and blank[1] in ("''", '""')
            and self.take("str")
            and self.take("op", ",")
        ):
            self.position = start
            return None
        ref = self.ref()
        if ref is None or ref[0] != field_name or ref[1] is not None or not self.take("op", ")"):
            self.position = start
            return None
        return Term(field_name, missing=tuple(codes))


def parse_calculation(expression: str) -> Aggregate | Term | None:
    tokens = _tokens(expression)
    if not tokens:
        return None
    return _Parser(tokens).expression()
