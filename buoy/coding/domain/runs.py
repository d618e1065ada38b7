"""A transcript cut into runs for the coding screen: the text between any two neighbouring
boundaries (a coded segment's start or end, a speaker turn's start or end, the located
stretch), each run knowing which segments cover it.

The screen shows each run as one element that carries its own [start, end) in code points
(ADR 0008), so the browser can turn a mouse selection into exact positions without counting
characters across elements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise


@dataclass(frozen=True)
class Run:
    """Text [start, end) covered by exactly the segments in `covering` (their keys)."""

    start: int
    end: int
    text: str
    covering: tuple[int, ...] = ()
    located: bool = False  # inside the stretch the page was asked to show (a query hit)


@dataclass
class Block:
    """A speaker turn (`speaker` set) or the text between turns, as runs."""

    speaker: str | None
    runs: list[Run] = field(default_factory=list)


def cut_into_runs(
    text: str,
    segments: Iterable[tuple[int, int, int]],
    turns: Sequence[tuple[int, int, str]] = (),
    located: tuple[int, int] | None = None,
) -> list[Block]:
    """Blocks of runs covering `text` exactly once, in order.

    `segments`: (start, end, key) in code points; `turns`: (start, end, speaker), sorted and
    not overlapping; `located`: a stretch to mark. Positions outside the text are clipped.
    """
    length = len(text)
    spans = [
        (max(0, start), min(length, end), key)
        for start, end, key in segments
        if min(length, end) > max(0, start)
    ]
    cuts = {0, length}
    for start, end, _key in spans:
        cuts.update((start, end))
    for start, end, _speaker in turns:
        cuts.update((max(0, min(start, length)), max(0, min(end, length))))
    if located is not None:
        cuts.update((max(0, min(located[0], length)), max(0, min(located[1], length))))
    points = sorted(cuts)

    # Sweep: segments sorted by start enter, and leave when their end is passed.
    spans.sort()
    active: list[tuple[int, int, int]] = []
    next_span = 0
    turn_index = 0
    blocks: list[Block] = []
    current: Block | None = None
    current_key: object = None
    for start, end in pairwise(points):
        while next_span < len(spans) and spans[next_span][0] <= start:
            active.append(spans[next_span])
            next_span += 1
        active = [span for span in active if span[1] > start]
        while turn_index < len(turns) and turns[turn_index][1] <= start:
            turn_index += 1
        speaker = None
        if turn_index < len(turns) and turns[turn_index][0] <= start < turns[turn_index][1]:
            speaker = turns[turn_index][2]
            block_key: object = turn_index
        else:
            block_key = ("between", turn_index)
        if current is None or current_key != block_key:
            current, current_key = Block(speaker), block_key
            blocks.append(current)
        current.runs.append(
            Run(
                start=start,
                end=end,
                text=text[start:end],
                covering=tuple(sorted(key for _s, _e, key in active)),
                located=located is not None and located[0] <= start and end <= located[1],
            )
        )
    return blocks
