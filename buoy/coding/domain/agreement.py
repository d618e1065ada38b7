"""Inter-coder agreement between two coders, on plain values (no database).

Two coders code the same transcripts independently; these functions say how far they agree,
code by code and overall, and where they differ. docs/statistics.md ("Inter-coder agreement")
defines every number with a worked example that tests/coding/test_agreement.py reproduces.

- `character_agreement(lengths, first, second)`: the units are the characters (code points)
  of the documents both coded. Per code a 2×2 table (both, first only, second only, neither)
  gives percent agreement and Cohen's kappa; "overall" is the same from the tables summed
  over the codes.
- `segment_agreement(lengths, first, second)`: the units are the distinct spans either coder
  coded; a coder applied a code to a unit when one of their segments of that code overlaps it
  by at least `min_overlap` (90 % by default, intersection over union). The same 2×2 tables,
  plus Krippendorff's alpha (nominal) from the `krippendorff` library.
- `disagreements(lengths, first, second)`: the maximal spans where exactly one coder applied
  a code, for the side-by-side view.

`lengths` maps each document *both* coders coded to its length in code points (ADR 0008);
codings of other documents are ignored, so a transcript only one coder has finished does not
count as "the other coder coded nothing here". One coder's overlapping codings of the same
code are one coding: a character is coded with a code or it is not.

Everything works on sorted, merged intervals, never character by character, so fifty
100,000-character transcripts cost what their number of codings costs. Proportions and kappa
are exact `Fraction`s (the UI and JSON round); alpha is the library's float.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import krippendorff
import numpy as np

from buoy.coding.domain.regions import merge

Span = tuple[int, int]
# code -> document -> sorted, merged spans of one coder
_Spans = dict[str, dict[str, list[Span]]]

FIRST: Literal["first"] = "first"
SECOND: Literal["second"] = "second"
DEFAULT_MIN_OVERLAP = Fraction(9, 10)


@dataclass(frozen=True)
class Coding:
    """One code applied by one coder to [start, end) of a document, in code points."""

    document: str
    code: str
    start: int
    end: int


@dataclass(frozen=True)
class AgreementTable:
    """A 2×2 table of units: coded by both coders, by the first only, second only, neither.

    `percent_agreement` is a proportion from 0 to 1 (the name is the field's usual name, kept
    in the JSON). `kappa` is None when it is undefined: expected agreement 1 (each coder gave
    every unit the same value, e.g. a code neither coder used) or no units at all; a number
    there would be an invention, and 0/0 is not 1.
    """

    both: int
    first_only: int
    second_only: int
    neither: int

    def __add__(self, other: AgreementTable) -> AgreementTable:
        return AgreementTable(
            both=self.both + other.both,
            first_only=self.first_only + other.first_only,
            second_only=self.second_only + other.second_only,
            neither=self.neither + other.neither,
        )

    @property
    def total(self) -> int:
        """The number of units (N)."""
        return self.both + self.first_only + self.second_only + self.neither

    @property
    def percent_agreement(self) -> Fraction | None:
        """Observed agreement po = (both + neither) / N; None when there are no units."""
        if self.total == 0:
            return None
        return Fraction(self.both + self.neither, self.total)

    @property
    def expected_agreement(self) -> Fraction | None:
        """Chance agreement pe from the marginals; None when there are no units."""
        n = self.total
        if n == 0:
            return None
        first_yes = self.both + self.first_only
        second_yes = self.both + self.second_only
        return Fraction(first_yes * second_yes + (n - first_yes) * (n - second_yes), n * n)

    @property
    def kappa(self) -> Fraction | None:
        """Cohen's kappa (po − pe) / (1 − pe); None when pe is 1 or there are no units."""
        po, pe = self.percent_agreement, self.expected_agreement
        if po is None or pe is None or pe == 1:
            return None
        return (po - pe) / (1 - pe)

    def to_json(self) -> dict[str, float | None]:
        """{"percent_agreement", "kappa"} as floats, None (JSON null) when undefined."""
        return {
            "percent_agreement": _float(self.percent_agreement),
            "kappa": _float(self.kappa),
        }


@dataclass(frozen=True)
class CodeAgreement:
    """One code's character-level table; `name` is its display name (the JSON key)."""

    code: str
    name: str
    table: AgreementTable


@dataclass(frozen=True)
class AgreementReport:
    """Character-level agreement: per code and `overall` (the codes' tables summed)."""

    overall: AgreementTable
    codes: tuple[CodeAgreement, ...]
    documents: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """What `buoy qda agreement --json` prints: overall and per code (keyed by name)."""
        keys = _json_keys([(c.code, c.name) for c in self.codes])
        return {
            "overall": self.overall.to_json(),
            "codes": {key: c.table.to_json() for key, c in zip(keys, self.codes, strict=True)},
        }


@dataclass(frozen=True)
class SegmentCodeAgreement:
    """One code's segment-level table and Krippendorff's alpha (None when undefined)."""

    code: str
    name: str
    table: AgreementTable
    alpha: float | None


@dataclass(frozen=True)
class SegmentAgreementReport:
    """Segment-level agreement over `units` units, per code and overall.

    `overall` is the codes' tables summed; `alpha` is over every (code, unit) pair.
    """

    overall: AgreementTable
    alpha: float | None
    codes: tuple[SegmentCodeAgreement, ...]
    documents: tuple[str, ...]
    units: int
    min_overlap: Fraction

    def to_json(self) -> dict[str, Any]:
        """The character-level shape plus "alpha", the unit count and the overlap rule."""
        keys = _json_keys([(c.code, c.name) for c in self.codes])
        return {
            "overall": {**self.overall.to_json(), "alpha": self.alpha},
            "codes": {
                key: {**c.table.to_json(), "alpha": c.alpha}
                for key, c in zip(keys, self.codes, strict=True)
            },
            "units": self.units,
            "min_overlap": float(self.min_overlap),
        }


@dataclass(frozen=True)
class Disagreement:
    """A maximal span of `document` where only the coder `coded_by` applied `code`."""

    document: str
    code: str
    start: int
    end: int
    coded_by: Literal["first", "second"]


def character_agreement(
    lengths: Mapping[str, int],
    first: Iterable[Coding],
    second: Iterable[Coding],
    codes: Iterable[str] | None = None,
    names: Mapping[str, str] | None = None,
) -> AgreementReport:
    """Percent agreement and Cohen's kappa with every character as a unit.

    `lengths`: the documents both coders coded (id -> length in code points); codings of other
    documents are ignored. `codes`: the codes to report, in that order (default: every code
    either coder used in those documents, by name); a code neither used gets an all-"neither"
    table and kappa None. `names`: code id -> display name (default: the id).
    Raises ValueError for a coding outside its document or with end <= start.
    """
    spans_first = _spans_by_code(lengths, first, FIRST, join_touching=True)
    spans_second = _spans_by_code(lengths, second, SECOND, join_touching=True)
    reported = _reported_codes(codes, names, spans_first, spans_second)
    size = sum(lengths.values())
    results = []
    for code in reported:
        by_first, by_second = spans_first.get(code, {}), spans_second.get(code, {})
        first_yes = sum(_covered(spans) for spans in by_first.values())
        second_yes = sum(_covered(spans) for spans in by_second.values())
        both = sum(
            _overlap(spans, by_second[document])
            for document, spans in by_first.items()
            if document in by_second
        )
        table = AgreementTable(
            both=both,
            first_only=first_yes - both,
            second_only=second_yes - both,
            neither=size - first_yes - second_yes + both,
        )
        results.append(CodeAgreement(code=code, name=_name(code, names), table=table))
    return AgreementReport(
        overall=_summed(r.table for r in results),
        codes=tuple(results),
        documents=tuple(sorted(lengths)),
    )


def segment_agreement(
    lengths: Mapping[str, int],
    first: Iterable[Coding],
    second: Iterable[Coding],
    codes: Iterable[str] | None = None,
    names: Mapping[str, str] | None = None,
    min_overlap: Fraction | float = DEFAULT_MIN_OVERLAP,
) -> SegmentAgreementReport:
    """Percent agreement, Cohen's kappa and Krippendorff's alpha with segments as units.

    Units: per document, every distinct [start, end) that either coder coded with any code
    (after merging one coder's overlapping codings of one code). A coder applied code C to a
    unit when one of their C segments s has |s ∩ unit| / |s ∪ unit| >= `min_overlap`
    (0 < min_overlap <= 1; a float is read as its decimal text, so 0.9 is exactly 9/10).
    Per code, a 2×2 table over all units; overall, the tables summed (every (code, unit)
    pair); alpha is nominal, from the `krippendorff` library, None when undefined (only one
    value, 0 or 1, in the data). Other arguments and errors as `character_agreement`.
    """
    # Read a float as its decimal text: Fraction(0.9) is a hair above 9/10, and an overlap of
    # exactly 90 % must pass a 90 % rule.
    threshold = Fraction(str(min_overlap) if isinstance(min_overlap, float) else min_overlap)
    if not 0 < threshold <= 1:
        raise ValueError(f"min_overlap must be above 0 and at most 1, not {min_overlap}")
    segments_first = _spans_by_code(lengths, first, FIRST, join_touching=False)
    segments_second = _spans_by_code(lengths, second, SECOND, join_touching=False)
    units = _units(segments_first, segments_second)
    unit_count = sum(len(spans) for spans in units.values())
    reported = _reported_codes(codes, names, segments_first, segments_second)
    results = []
    for code in reported:
        yes_first = _units_applied(units, segments_first.get(code, {}), threshold)
        yes_second = _units_applied(units, segments_second.get(code, {}), threshold)
        table = AgreementTable(
            both=len(yes_first & yes_second),
            first_only=len(yes_first - yes_second),
            second_only=len(yes_second - yes_first),
            neither=unit_count - len(yes_first | yes_second),
        )
        results.append(
            SegmentCodeAgreement(
                code=code, name=_name(code, names), table=table, alpha=_alpha(table)
            )
        )
    overall = _summed(r.table for r in results)
    return SegmentAgreementReport(
        overall=overall,
        alpha=_alpha(overall),
        codes=tuple(results),
        documents=tuple(sorted(lengths)),
        units=unit_count,
        min_overlap=threshold,
    )


def disagreements(
    lengths: Mapping[str, int],
    first: Iterable[Coding],
    second: Iterable[Coding],
    codes: Iterable[str] | None = None,
) -> list[Disagreement]:
    """The maximal spans where exactly one coder applied a code, by document and start.

    Same inputs and errors as `character_agreement`; `codes` limits the codes looked at.
    Adjacent or overlapping codings of one code by one coder count as one span, so each
    disagreement is as long as it can be.
    """
    spans_first = _spans_by_code(lengths, first, FIRST, join_touching=True)
    spans_second = _spans_by_code(lengths, second, SECOND, join_touching=True)
    wanted = None if codes is None else set(codes)
    found = []
    for code in set(spans_first) | set(spans_second):
        if wanted is not None and code not in wanted:
            continue
        by_first, by_second = spans_first.get(code, {}), spans_second.get(code, {})
        for document in set(by_first) | set(by_second):
            mine, theirs = by_first.get(document, []), by_second.get(document, [])
            for who, only in ((FIRST, _minus(mine, theirs)), (SECOND, _minus(theirs, mine))):
                found += [Disagreement(document, code, start, end, who) for start, end in only]
    found.sort(key=lambda d: (d.document, d.start, d.end, d.code, d.coded_by))
    return found


# --- intervals ----------------------------------------------------------------------------


def _spans_by_code(
    lengths: Mapping[str, int], codings: Iterable[Coding], coder: str, *, join_touching: bool
) -> _Spans:
    """One coder's codings in the shared documents, checked, as merged spans per code."""
    for document, size in lengths.items():
        if size < 0:
            raise ValueError(f"document {document!r} has a negative length ({size})")
    raw: dict[str, dict[str, list[Span]]] = {}
    for coding in codings:
        length = lengths.get(coding.document)
        if length is None:
            continue  # not coded by both coders: not part of the comparison
        if not 0 <= coding.start < coding.end <= length:
            raise ValueError(
                f"{coder} coder's coding of code {coding.code!r} in document "
                f"{coding.document!r} has offsets [{coding.start}, {coding.end}); they must "
                f"satisfy 0 <= start < end <= {length} (the document's length)"
            )
        raw.setdefault(coding.code, {}).setdefault(coding.document, []).append(
            (coding.start, coding.end)
        )
    return {
        code: {
            document: merge(spans, join_touching=join_touching)
            for document, spans in documents.items()
        }
        for code, documents in raw.items()
    }


def _covered(spans: list[Span]) -> int:
    """Characters covered by disjoint spans."""
    return sum(end - start for start, end in spans)


def _overlap(a: list[Span], b: list[Span]) -> int:
    """Characters in both of two sorted lists of disjoint spans (one sweep)."""
    i = j = total = 0
    while i < len(a) and j < len(b):
        total += max(0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        # Move past whichever span ends first: it can meet nothing further on.
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _minus(a: list[Span], b: list[Span]) -> list[Span]:
    """The parts of sorted disjoint spans `a` not in sorted disjoint spans `b`."""
    result: list[Span] = []
    j = 0
    for start, end in a:
        cursor = start
        while j < len(b) and b[j][1] <= cursor:
            j += 1
        k = j
        while k < len(b) and b[k][0] < end:
            if b[k][0] > cursor:
                result.append((cursor, b[k][0]))
            cursor = max(cursor, b[k][1])
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


# --- segments -----------------------------------------------------------------------------


def _units(segments_first: _Spans, segments_second: _Spans) -> dict[str, list[Span]]:
    """Per document, the distinct spans either coder coded with any code, sorted."""
    units: dict[str, set[Span]] = {}
    for by_code in (segments_first, segments_second):
        for documents in by_code.values():
            for document, spans in documents.items():
                units.setdefault(document, set()).update(spans)
    return {document: sorted(spans) for document, spans in units.items()}


def _units_applied(
    units: dict[str, list[Span]], segments: dict[str, list[Span]], threshold: Fraction
) -> set[tuple[str, Span]]:
    """The units to which these segments (one coder, one code) apply at `threshold`."""
    applied: set[tuple[str, Span]] = set()
    for document, spans in segments.items():
        candidates = units[document]
        for start, end in spans:
            # The intersection is at most |segment| and must be `threshold` of the union, so
            # the union (which reaches from the unit's start to at least the segment's end) is
            # at most |segment| / threshold long. Look only from there to the segment's end.
            earliest = end - math.ceil((end - start) / threshold)
            at = bisect.bisect_left(candidates, (earliest, earliest))
            while at < len(candidates) and candidates[at][0] < end:
                unit = candidates[at]
                at += 1
                inter = min(end, unit[1]) - max(start, unit[0])
                union = max(end, unit[1]) - min(start, unit[0])
                if inter > 0 and inter * threshold.denominator >= threshold.numerator * union:
                    applied.add((document, unit))
    return applied


def _alpha(table: AgreementTable) -> float | None:
    """Krippendorff's alpha (nominal) of two coders' complete 0/1 values over the units.

    With two coders and no missing values a unit's value counts are (0 twice), (1 twice) or
    (one of each), so the table fixes the library's input; building it from the table keeps
    the pooled alpha cheap however many (code, unit) pairs there are.
    """
    disagree = table.first_only + table.second_only
    if table.both + disagree == 0 or table.neither + disagree == 0:
        return None  # one value only: no expected disagreement, alpha is 0/0
    value_counts = np.repeat(
        np.array([[2, 0], [0, 2], [1, 1]]), [table.neither, table.both, disagree], axis=0
    )
    return float(krippendorff.alpha(value_counts=value_counts, level_of_measurement="nominal"))


# --- codes and names ----------------------------------------------------------------------


def _reported_codes(
    codes: Iterable[str] | None,
    names: Mapping[str, str] | None,
    spans_first: _Spans,
    spans_second: _Spans,
) -> list[str]:
    if codes is not None:
        return list(dict.fromkeys(codes))  # the caller's order, each code once
    used = set(spans_first) | set(spans_second)
    return sorted(used, key=lambda code: (_name(code, names), code))


def _name(code: str, names: Mapping[str, str] | None) -> str:
    return names.get(code, code) if names else code


def _json_keys(codes: list[tuple[str, str]]) -> list[str]:
    """Display names as JSON keys; a name shared by two codes gets its id appended.

    A codebook may have "Other" under two parents; one key each keeps both codes' figures.
    """
    counts: dict[str, int] = {}
    for _, name in codes:
        counts[name] = counts.get(name, 0) + 1
    return [name if counts[name] == 1 else f"{name} [{code}]" for code, name in codes]


def _summed(tables: Iterable[AgreementTable]) -> AgreementTable:
    total = AgreementTable(0, 0, 0, 0)
    for table in tables:
        total += table
    return total


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)
