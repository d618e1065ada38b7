"""Sentences in mixed Chinese and English interview text, as code-point spans.

`split_sentences(text)` returns half-open ``Span(start, end)`` positions of the stored (NFC)
text, as coded segments count them (ADR 0008), so auto-coding and code suggestions can point
at the sentence they mean. The rules:

- 。！？… (and ‼ ⁇ ⁈ ⁉ ｡) end a sentence wherever they are; a run of them ("？！", "……")
  stays together.
- ASCII ``.``, ``?`` and ``!`` end a sentence when followed by whitespace, the end of the text
  or a Han character (Chinese typed with ASCII punctuation), so "3.5", "e.g." inside a
  sentence and "?" in a web address do not. A ``.`` after a title or common abbreviation
  (Mr., Dr., e.g., vs.) does not end one.
- Closing quotes and brackets right after the end mark stay with the sentence (」”"』）).
- A line break always ends a sentence.
- Spans are trimmed of surrounding whitespace (including the full-width space), and
  whitespace-only pieces are skipped.
- A speaker label ("妈妈：", "Social worker:") starts the sentence it introduces; a label
  alone on its line joins the next sentence.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from buoy.coding.domain.words import HAN


class Span(NamedTuple):
    """Half-open ``[start, end)`` code-point positions in a text (a plain tuple underneath)."""

    start: int
    end: int


_ALWAYS_ENDS = "。！？…‼⁇⁈⁉｡"
_ASCII_ENDS = ".!?"
_CLOSERS = "\"'”’」』）)]】》〉"
_LINE_BREAKS = "\n\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85"
_HAN_CHAR = re.compile(f"[{HAN}]")
# A word before "." that makes the dot an abbreviation, not a sentence end (lower-cased).
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "mx", "dr", "prof", "sr", "jr", "st", "vs", "e.g", "i.e", "approx"}
)
_ABBREVIATION_BEFORE = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]+$")
_SPEAKER_LABEL = re.compile(r"[^\s。！？.!?：:][^。！？.!?：:\n]{0,29}[：:]")


def split_sentences(text: str) -> list[Span]:
    """The sentences of `text` as trimmed code-point spans, in order; see the module rules."""
    pieces: list[Span] = []
    start = 0
    i = 0
    length = len(text)
    while i < length:
        char = text[i]
        if char in _LINE_BREAKS:
            _add_trimmed(text, start, i, pieces)
            start = i = i + 1
            continue
        if char in _ALWAYS_ENDS or (char in _ASCII_ENDS and _ascii_end(text, i)):
            end = i + 1
            while end < length and (text[end] in _ALWAYS_ENDS or text[end] in _ASCII_ENDS):
                end += 1
            while end < length and text[end] in _CLOSERS:
                end += 1
            _add_trimmed(text, start, end, pieces)
            start = i = end
            continue
        i += 1
    _add_trimmed(text, start, length, pieces)
    return _join_lone_labels(text, pieces)


def _ascii_end(text: str, i: int) -> bool:
    """Whether the ASCII mark at `i` ends a sentence (see the module rules)."""
    after = i + 1
    while after < len(text) and (text[after] in _ASCII_ENDS or text[after] in _ALWAYS_ENDS):
        after += 1
    while after < len(text) and text[after] in _CLOSERS:
        after += 1
    if after < len(text) and not (text[after].isspace() or _HAN_CHAR.match(text[after])):
        return False
    if text[i] == "." and after == i + 1:
        # Look back a little only: searching from 0 at every dot would be quadratic.
        word = _ABBREVIATION_BEFORE.search(text, max(0, i - 12), i)
        whole_word = word is not None and (
            word.start() == 0 or not text[word.start() - 1].isalpha()
        )
        if word and whole_word and word.group().lower() in _ABBREVIATIONS:
            return False
    return True


def _add_trimmed(text: str, start: int, end: int, pieces: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        pieces.append(Span(start, end))


def _join_lone_labels(text: str, pieces: list[Span]) -> list[Span]:
    """Join a piece that is only a speaker label ("妈妈：") to the sentence after it."""
    joined: list[Span] = []
    pending: int | None = None
    for piece in pieces:
        start = piece.start if pending is None else pending
        if _SPEAKER_LABEL.fullmatch(text, piece.start, piece.end):
            pending = start
            continue
        joined.append(Span(start, piece.end))
        pending = None
    if pending is not None:
        joined.append(Span(pending, pieces[-1].end))
    return joined
