"""Auto-coding: find the stretches of a transcript that a text, a regular expression or a
speaker's name picks out, widened to the match, its sentence or its speaker turn.

`prepare(pattern, kind, scope)` checks what a coder typed and returns a `Search`;
`find_spans(search, text, turns)` returns sorted, distinct half-open code-point spans of the
stored (NFC) text (ADR 0008). Nothing here touches a database; the coding app's selector
reads the transcripts and its service applies the code.

Kinds:

- ``text``: the words as typed, ignoring case (Unicode case folding, so offsets never move).
- ``regex``: a Python regular expression, matched sentence by sentence (a speaker's label
  left out), so ``^`` and ``$`` mean the start and end of a sentence and a match never runs
  across sentences. Case matters unless the pattern starts with ``(?i)``.
- ``speaker``: every turn whose speaker's name contains the typed name, ignoring case.

Scopes: ``match`` (what matched), ``sentence`` (each sentence a match touches), ``turn``
(each speaker turn a match touches; a match outside every turn gives its sentence). A
speaker turn or a sentence that opens a turn starts after the speaker's label ("妈妈：").

The guard against runaway regular expressions. Python's `re` backtracks, and some patterns
take exponential or high-polynomial time on unlucky text ("catastrophic backtracking"); it
has no time-out, and the third-party `regex` module that has one is not a dependency. So a
pattern is refused, with the reason, when it

- is longer than `MAX_PATTERN` code points;
- does not compile;
- uses a back-reference (``\\1``, ``(?P=name)``, ``(?(1)…)``): matching with them is
  NP-hard;
- repeats a group that itself holds a variable repeat or alternatives (``(a+)+``,
  ``(\\w*)*``, ``(ab|a)*``): the exponential case;
- has more than `MAX_OPEN_ENDED` open-ended repeats (``*``, ``+``, ``{n,}``, or an upper
  bound above `OPEN_ENDED`): each one multiplies the work by the text's length, and
  ``.*.*.*x`` already takes seconds on a 500-character line. Bounded repeats
  (``\\d{1,4}年``) are not counted.

What is left costs at most about the cube of the length of the text it runs on, and it runs
on one sentence at a time, long sentences cut into pieces of `PIECE` code points (a match
cannot cross a piece either): about a tenth of a second per piece at worst. A `deadline`
(time.monotonic) bounds the whole search; past it, `find_spans` raises `PatternError`
("slow") between pieces.
"""

from __future__ import annotations

import bisect
import importlib
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from buoy.coding.domain.sentences import Span, split_sentences

KINDS = ("text", "regex", "speaker")
SCOPES = ("match", "sentence", "turn")
MAX_PATTERN = 200
OPEN_ENDED = 20
MAX_OPEN_ENDED = 2
PIECE = 1000

# The parser `re` itself uses (3.11+: `re._parser`; the old public name `sre_parse` warns).
_parser: Any = importlib.import_module("re._parser")
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
_BACKREFERENCES = {"GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE"}
_LABEL_END = re.compile(r"[:：][ \t\u3000]*")


class PatternError(ValueError):
    """A pattern Buoy will not run; `reason` is one of the keys below, `detail` says more.

    Reasons: ``empty``, ``kind``, ``scope``, ``too_long``, ``syntax``, ``backreference``,
    ``nested``, ``open_ended``, ``slow``.
    """

    def __init__(self, reason: str, detail: str = "", position: int | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.position = position


@dataclass(frozen=True)
class Turn:
    """A speaker turn as plain values: code-point positions and the speaker's label."""

    start: int
    end: int
    speaker: str


@dataclass(frozen=True)
class Search:
    """A checked auto-coding search (make one with `prepare`)."""

    kind: str
    scope: str
    pattern: re.Pattern[str] | None  # text and regex
    speaker: str  # speaker: the name, case-folded


def prepare(pattern: str, kind: str, scope: str) -> Search:
    """Check what a coder typed; raises `PatternError` with the reason when it will not run."""
    if kind not in KINDS:
        raise PatternError("kind", kind)
    if scope not in SCOPES:
        raise PatternError("scope", scope)
    typed = unicodedata.normalize("NFC", pattern)
    if kind != "regex":
        typed = typed.strip()
    if not typed:
        raise PatternError("empty")
    if len(typed) > MAX_PATTERN:
        raise PatternError("too_long", str(len(typed)))
    if kind == "speaker":
        return Search(kind, scope, None, typed.casefold())
    if kind == "text":
        return Search(kind, scope, re.compile(re.escape(typed), re.IGNORECASE), "")
    return Search(kind, scope, compile_pattern(typed), "")


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A regular expression that passed the guard (module docstring), compiled."""
    if len(pattern) > MAX_PATTERN:
        raise PatternError("too_long", str(len(pattern)))
    try:
        parsed = _parser.parse(pattern)
        compiled = re.compile(pattern)
    except re.error as error:
        raise PatternError("syntax", error.msg, error.pos) from None
    except RecursionError:
        raise PatternError("nested", "too deeply nested") from None
    open_ended = _check(list(parsed))
    if open_ended > MAX_OPEN_ENDED:
        raise PatternError("open_ended", str(open_ended))
    return compiled


def _children(name: str, value: Any) -> list[list[Any]]:
    """The sub-patterns of one parsed item (lists of (op, value) pairs)."""
    if name in _REPEATS:
        return [list(value[2])]
    if name == "SUBPATTERN":
        return [list(value[3])]
    if name == "BRANCH":
        return [list(branch) for branch in value[1]]
    if name in ("ASSERT", "ASSERT_NOT"):
        return [list(value[1])]
    if name == "ATOMIC_GROUP":
        return [list(value)]
    return []


def _check(items: list[Any]) -> int:
    """Refuse back-references and nested repeats; return the number of open-ended repeats."""
    open_ended = 0
    for op, value in items:
        name = str(op)
        if name in _BACKREFERENCES:
            raise PatternError("backreference")
        if name in _REPEATS:
            _low, high, body = value
            if high > 1 and _varies(list(body)):
                raise PatternError("nested")
            if high == _parser.MAXREPEAT or high > OPEN_ENDED:
                open_ended += 1
        for child in _children(name, value):
            open_ended += _check(child)
    return open_ended


def _varies(items: list[Any]) -> bool:
    """Whether a pattern can match in more than one way by itself (a variable repeat or
    alternatives), which a repeat around it turns into exponential backtracking."""
    for op, value in items:
        name = str(op)
        if name == "BRANCH":
            return True
        if name in _REPEATS and value[0] != value[1]:
            return True
        if any(_varies(child) for child in _children(name, value)):
            return True
    return False


def turn_body(text: str, turn: Turn) -> Span | None:
    """A turn without its speaker's label ("妈妈：我们…" → "我们…"); None when only a label."""
    label = _LABEL_END.search(text, turn.start, min(turn.end, turn.start + len(turn.speaker) + 40))
    start = label.end() if label else turn.start
    return Span(start, turn.end) if start < turn.end else None


def sentence_spans(text: str, turns: Sequence[Turn]) -> list[Span]:
    """The text's sentences, a sentence that opens a speaker turn starting after the label."""
    body_of = {turn.start: turn_body(text, turn) for turn in turns}
    result = []
    for span in split_sentences(text):
        if span.start in body_of:
            body = body_of[span.start]
            if body is None or body.start >= span.end:
                continue
            span = Span(body.start, span.end)
        result.append(span)
    return result


def find_spans(
    search: Search,
    text: str,
    turns: Sequence[Turn] = (),
    *,
    deadline: float | None = None,
) -> list[Span]:
    """The distinct spans `search` picks out of `text`, in order (see the module docstring)."""
    sentences = sentence_spans(text, turns)
    named = [(turn, turn_body(text, turn)) for turn in turns]
    bodies = [body for _turn, body in named if body is not None]
    if search.kind == "speaker":
        matches: Iterable[Span] = [
            body
            for turn, body in named
            if body is not None and search.speaker in turn.speaker.casefold()
        ]
    elif search.kind == "text":
        assert search.pattern is not None
        matches = [Span(m.start(), m.end()) for m in search.pattern.finditer(text)]
    else:
        assert search.pattern is not None
        matches = _regex_matches(search.pattern, text, sentences, deadline)
    matches = [span for span in matches if span.start < span.end]
    if search.scope == "match":
        return sorted(set(matches))
    if search.scope == "sentence":
        return sorted(set(_covering(matches, sentences)))
    spans: set[Span] = set()
    for match in matches:
        found = _covering([match], bodies) or _covering([match], sentences) or [match]
        spans.update(found)
    return sorted(spans)


def _regex_matches(
    pattern: re.Pattern[str], text: str, sentences: list[Span], deadline: float | None
) -> list[Span]:
    found = []
    for sentence in sentences:
        for start in range(sentence.start, sentence.end, PIECE):
            end = min(start + PIECE, sentence.end)
            for match in pattern.finditer(text[start:end]):
                found.append(Span(start + match.start(), start + match.end()))
            if deadline is not None and time.monotonic() > deadline:
                raise PatternError("slow")
    return found


def _covering(matches: Iterable[Span], spans: list[Span]) -> list[Span]:
    """The spans (sorted, not overlapping each other) that each match overlaps or sits in."""
    starts = [span.start for span in spans]
    result = []
    for match in matches:
        i = max(bisect.bisect_right(starts, match.start) - 1, 0)
        while i < len(spans) and spans[i].start < max(match.end, match.start + 1):
            if spans[i].end > match.start:
                result.append(spans[i])
            i += 1
    return result


def uncovered(spans: Iterable[Span], covered: Iterable[tuple[int, int]]) -> list[Span]:
    """The spans, in their order, that overlap none of the `covered` stretches."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(covered):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    ends = [end for _start, end in merged]
    result = []
    for span in spans:
        i = bisect.bisect_right(ends, span.start)
        if i == len(merged) or merged[i][0] >= span.end:
            result.append(span)
    return result
