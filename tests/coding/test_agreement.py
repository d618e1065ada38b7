"""Inter-coder agreement, checked against the hand-worked example in docs/statistics.md.

The example's numbers (fractions) were worked out by hand, not with the code under test.
Independent references: kappa against `sklearn.metrics.cohen_kappa_score` on per-character
vectors, the tables against a character-by-character count, the segment units against a
unit-by-unit check, and alpha against hand-computed coincidence matrices.
"""

from __future__ import annotations

import random
from fractions import Fraction

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from buoy.coding.domain.agreement import (
    AgreementTable,
    Coding,
    Disagreement,
    character_agreement,
    disagreements,
    segment_agreement,
)

# The worked example of docs/statistics.md: two documents, codes A ("Hope") and B ("Worry").
LENGTHS = {"d1": 20, "d2": 10}
NAMES = {"A": "Hope", "B": "Worry"}
FIRST = [
    Coding("d1", "A", 0, 6),
    Coding("d1", "A", 4, 10),  # overlaps the one before: together they are [0, 10)
    Coding("d1", "B", 12, 16),
    Coding("d2", "A", 2, 6),
]
SECOND = [
    Coding("d1", "A", 0, 9),
    Coding("d1", "B", 14, 20),
    Coding("d2", "B", 0, 4),
    Coding("d3", "A", 0, 5),  # d3 was not coded by both: ignored
]


def _per_character(lengths, codings, code):
    """0/1 per character of the documents in `lengths` (in order), the slow obvious way."""
    vector = []
    for document, length in lengths.items():
        marks = [0] * length
        for c in codings:
            if c.document == document and c.code == code:
                marks[c.start : c.end] = [1] * (c.end - c.start)
        vector += marks
    return vector


def _table_from_vectors(first, second):
    pairs = list(zip(first, second, strict=True))
    return AgreementTable(
        both=pairs.count((1, 1)),
        first_only=pairs.count((1, 0)),
        second_only=pairs.count((0, 1)),
        neither=pairs.count((0, 0)),
    )


def _random_codings(rng, lengths, codes, count):
    codings = []
    for _ in range(count):
        document = rng.choice(sorted(lengths))
        start = rng.randrange(lengths[document])
        end = rng.randint(start + 1, min(lengths[document], start + 15))
        codings.append(Coding(document, rng.choice(codes), start, end))
    return codings


# --- the worked example, character level ---------------------------------------------------


def test_worked_example_tables_match_the_hand_counts() -> None:
    report = character_agreement(LENGTHS, FIRST, SECOND, names=NAMES)

    tables = {c.code: c.table for c in report.codes}
    assert tables["A"] == AgreementTable(both=9, first_only=5, second_only=0, neither=16)
    assert tables["B"] == AgreementTable(both=2, first_only=2, second_only=8, neither=18)
    assert report.overall == AgreementTable(both=11, first_only=7, second_only=8, neither=34)
    assert report.documents == ("d1", "d2")


def test_worked_example_agreement_and_kappa_are_the_hand_fractions() -> None:
    report = character_agreement(LENGTHS, FIRST, SECOND, names=NAMES)
    tables = {c.code: c.table for c in report.codes}

    assert tables["A"].percent_agreement == Fraction(25, 30)
    assert tables["A"].expected_agreement == Fraction(462, 900)
    assert tables["A"].kappa == Fraction(48, 73)  # 0.6575
    assert tables["B"].percent_agreement == Fraction(20, 30)
    assert tables["B"].expected_agreement == Fraction(560, 900)
    assert tables["B"].kappa == Fraction(2, 17)  # 0.1176
    assert report.overall.percent_agreement == Fraction(45, 60)
    assert report.overall.expected_agreement == Fraction(2064, 3600)
    assert report.overall.kappa == Fraction(53, 128)  # 0.4141


def test_worked_example_json_is_the_cli_shape_keyed_by_code_name() -> None:
    report = character_agreement(LENGTHS, FIRST, SECOND, names=NAMES)

    assert report.to_json() == {
        "overall": {"percent_agreement": 0.75, "kappa": 53 / 128},
        "codes": {
            "Hope": {"percent_agreement": 25 / 30, "kappa": 48 / 73},
            "Worry": {"percent_agreement": 20 / 30, "kappa": 2 / 17},
        },
    }


def test_worked_example_kappa_matches_sklearn_on_per_character_vectors() -> None:
    report = character_agreement(LENGTHS, FIRST, SECOND)
    pooled_first: list[int] = []
    pooled_second: list[int] = []
    for result in report.codes:
        first = _per_character(LENGTHS, FIRST, result.code)
        second = _per_character(LENGTHS, SECOND, result.code)
        pooled_first += first
        pooled_second += second
        assert result.table.kappa == pytest.approx(cohen_kappa_score(first, second))
    assert report.overall.kappa == pytest.approx(cohen_kappa_score(pooled_first, pooled_second))


def test_worked_example_disagreements_are_the_maximal_one_coder_spans() -> None:
    assert disagreements(LENGTHS, FIRST, SECOND) == [
        Disagreement("d1", "A", 9, 10, "first"),
        Disagreement("d1", "B", 12, 14, "first"),
        Disagreement("d1", "B", 16, 20, "second"),
        Disagreement("d2", "B", 0, 4, "second"),
        Disagreement("d2", "A", 2, 6, "first"),
    ]


# --- the worked example, segment level -----------------------------------------------------


def test_worked_example_segment_tables_match_the_hand_counts() -> None:
    report = segment_agreement(LENGTHS, FIRST, SECOND, names=NAMES)

    # Units: d1 [0,10) [0,9) [12,16) [14,20); d2 [0,4) [2,6).
    assert report.units == 6
    tables = {c.code: c.table for c in report.codes}
    assert tables["A"] == AgreementTable(both=2, first_only=1, second_only=0, neither=3)
    assert tables["B"] == AgreementTable(both=0, first_only=1, second_only=2, neither=3)
    assert report.overall == AgreementTable(both=2, first_only=2, second_only=2, neither=6)


def test_worked_example_segment_kappa_and_alpha_are_the_hand_values() -> None:
    report = segment_agreement(LENGTHS, FIRST, SECOND, names=NAMES)
    codes = {c.code: c for c in report.codes}

    assert codes["A"].table.percent_agreement == Fraction(5, 6)
    assert codes["A"].table.kappa == Fraction(2, 3)
    assert codes["B"].table.percent_agreement == Fraction(1, 2)
    assert codes["B"].table.kappa == Fraction(-2, 7)
    assert report.overall.percent_agreement == Fraction(2, 3)
    assert report.overall.kappa == Fraction(1, 4)
    # alpha = 1 − (n − 1)·(first only + second only) / (n0 · n1), worked in the docs.
    assert codes["A"].alpha == pytest.approx(24 / 35)
    assert codes["B"].alpha == pytest.approx(-2 / 9)
    assert report.alpha == pytest.approx(9 / 32)


def test_worked_example_segment_json_adds_alpha_units_and_the_rule() -> None:
    data = segment_agreement(LENGTHS, FIRST, SECOND, names=NAMES).to_json()

    assert set(data) == {"overall", "codes", "units", "min_overlap"}
    assert data["units"] == 6
    assert data["min_overlap"] == 0.9
    assert data["overall"] == {"percent_agreement": 2 / 3, "kappa": 0.25, "alpha": 9 / 32}
    assert list(data["codes"]) == ["Hope", "Worry"]
    assert data["codes"]["Hope"]["kappa"] == pytest.approx(2 / 3)


def test_segment_overlap_of_exactly_the_threshold_agrees_and_just_below_does_not() -> None:
    # [0,10) against [0,9): 9 / 10 = 90 % exactly.
    at_ninety = segment_agreement(LENGTHS, FIRST, SECOND, min_overlap=0.9)
    above = segment_agreement(LENGTHS, FIRST, SECOND, min_overlap=0.91)

    assert at_ninety.codes[0].table.both == 2
    assert above.codes[0].table.both == 0


@pytest.mark.parametrize("min_overlap", [0, -0.5, 1.01, Fraction(3, 2)])
def test_segment_overlap_rule_outside_zero_to_one_is_refused(min_overlap) -> None:
    with pytest.raises(ValueError, match="min_overlap"):
        segment_agreement(LENGTHS, FIRST, SECOND, min_overlap=min_overlap)


# --- identical, disjoint, ignored, invalid, undefined --------------------------------------


def test_identical_codings_agree_perfectly_at_both_levels() -> None:
    characters = character_agreement(LENGTHS, FIRST, FIRST)
    segments = segment_agreement(LENGTHS, FIRST, FIRST)

    for table in [characters.overall, segments.overall]:
        assert table.first_only == table.second_only == 0
        assert table.percent_agreement == 1
        assert table.kappa == 1
    assert all(c.table.kappa == 1 for c in characters.codes)
    assert segments.alpha == pytest.approx(1)
    assert disagreements(LENGTHS, FIRST, FIRST) == []


def test_disjoint_codings_give_kappa_minus_one() -> None:
    lengths = {"d": 10}
    first = [Coding("d", "A", 0, 5)]
    second = [Coding("d", "A", 5, 10)]

    characters = character_agreement(lengths, first, second)
    segments = segment_agreement(lengths, first, second)

    assert characters.overall == AgreementTable(both=0, first_only=5, second_only=5, neither=0)
    assert characters.overall.percent_agreement == 0
    assert characters.overall.expected_agreement == Fraction(1, 2)
    assert characters.overall.kappa == -1
    assert segments.overall == AgreementTable(both=0, first_only=1, second_only=1, neither=0)
    assert segments.overall.kappa == -1
    # Two units, four values: o01 = o10 = 2, n0 = n1 = 2; alpha = 1 − 3·2 / (2·2) = −0.5.
    assert segments.alpha == pytest.approx(-0.5)


def test_codings_of_documents_not_coded_by_both_are_ignored() -> None:
    only_shared = [c for c in SECOND if c.document in LENGTHS]
    # Even offsets that would be invalid there: that document's length is not known here.
    elsewhere = [*SECOND, Coding("d9", "C", 50, 10)]

    assert character_agreement(LENGTHS, FIRST, elsewhere) == character_agreement(
        LENGTHS, FIRST, only_shared
    )
    assert segment_agreement(LENGTHS, FIRST, elsewhere) == segment_agreement(
        LENGTHS, FIRST, only_shared
    )
    assert disagreements(LENGTHS, FIRST, elsewhere) == disagreements(LENGTHS, FIRST, only_shared)
    assert {c.code for c in character_agreement(LENGTHS, FIRST, elsewhere).codes} == {"A", "B"}


@pytest.mark.parametrize(
    ("start", "end"),
    [(5, 5), (6, 5), (-1, 4), (15, 21)],
    ids=["empty", "backwards", "before-start", "past-end"],
)
@pytest.mark.parametrize("compute", [character_agreement, segment_agreement, disagreements])
def test_invalid_offsets_are_refused_naming_document_code_and_offsets(compute, start, end) -> None:
    bad = [*FIRST, Coding("d1", "B", start, end)]

    with pytest.raises(ValueError, match="first coder") as raised:
        compute(LENGTHS, bad, SECOND)
    message = str(raised.value)
    assert "'d1'" in message
    assert "'B'" in message
    assert f"[{start}, {end})" in message
    assert "20" in message  # the document's length


def test_kappa_is_none_for_a_requested_code_neither_coder_used() -> None:
    report = character_agreement(LENGTHS, FIRST, SECOND, codes=["A", "C"], names=NAMES)
    unused = report.codes[1]

    assert [c.code for c in report.codes] == ["A", "C"]
    assert unused.table == AgreementTable(both=0, first_only=0, second_only=0, neither=30)
    assert unused.table.percent_agreement == 1
    assert unused.table.expected_agreement == 1
    assert unused.table.kappa is None
    assert report.to_json()["codes"]["C"] == {"percent_agreement": 1.0, "kappa": None}
    segments = segment_agreement(LENGTHS, FIRST, SECOND, codes=["C"])
    assert segments.codes[0].table.kappa is None
    assert segments.codes[0].alpha is None


def test_kappa_is_none_when_both_coders_coded_every_character() -> None:
    everything = [Coding("d", "A", 0, 10)]

    table = character_agreement({"d": 10}, everything, everything).overall

    assert table == AgreementTable(both=10, first_only=0, second_only=0, neither=0)
    assert table.percent_agreement == 1
    assert table.kappa is None


def test_nothing_in_common_gives_no_numbers_rather_than_zeros() -> None:
    report = character_agreement({}, FIRST, SECOND)

    assert report.codes == ()
    assert report.to_json() == {
        "overall": {"percent_agreement": None, "kappa": None},
        "codes": {},
    }
    assert segment_agreement({}, FIRST, SECOND).alpha is None


# --- names, order, merging ------------------------------------------------------------------


def test_codes_default_to_every_code_used_ordered_by_name() -> None:
    report = character_agreement(LENGTHS, FIRST, SECOND, names={"A": "Zest", "B": "Awe"})

    assert [c.name for c in report.codes] == ["Awe", "Zest"]
    assert [c.code for c in character_agreement(LENGTHS, FIRST, SECOND).codes] == ["A", "B"]


def test_two_codes_with_one_name_keep_separate_json_keys() -> None:
    report = character_agreement(LENGTHS, FIRST, SECOND, names={"A": "Other", "B": "Other"})

    assert list(report.to_json()["codes"]) == ["Other [A]", "Other [B]"]


def test_touching_codings_of_one_code_make_one_disagreement() -> None:
    first = [Coding("d", "A", 0, 3), Coding("d", "A", 3, 6), Coding("d", "A", 8, 9)]
    second = [Coding("d", "A", 2, 4)]

    assert disagreements({"d": 10}, first, second) == [
        Disagreement("d", "A", 0, 2, "first"),
        Disagreement("d", "A", 4, 6, "first"),
        Disagreement("d", "A", 8, 9, "first"),
    ]


def test_a_coding_repeated_by_one_coder_counts_once() -> None:
    twice = [Coding("d", "A", 2, 6), Coding("d", "A", 2, 6), Coding("d", "A", 3, 5)]
    once = [Coding("d", "A", 2, 6)]

    assert character_agreement({"d": 10}, twice, once).overall.kappa == 1
    assert segment_agreement({"d": 10}, twice, once).units == 1


def test_a_billion_character_document_is_counted_by_intervals() -> None:
    """A character-by-character count would not finish; interval arithmetic does at once."""
    lengths = {"long": 10**12}
    first = [Coding("long", "A", 0, 6 * 10**11)]
    second = [Coding("long", "A", 2 * 10**11, 10**12)]

    table = character_agreement(lengths, first, second).overall

    assert table == AgreementTable(
        both=4 * 10**11, first_only=2 * 10**11, second_only=4 * 10**11, neither=0
    )


# --- random codings against slow, obvious references ---------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_tables_and_kappa_match_per_character_references(seed) -> None:
    rng = random.Random(seed)
    lengths = {"a": rng.randint(1, 60), "b": rng.randint(1, 60), "c": rng.randint(1, 60)}
    codes = ["X", "Y", "Z"]
    first = _random_codings(rng, lengths, codes, rng.randint(0, 12))
    second = _random_codings(rng, lengths, codes, rng.randint(0, 12))

    report = character_agreement(lengths, first, second, codes=codes)

    pooled_first: list[int] = []
    pooled_second: list[int] = []
    for result in report.codes:
        vector_first = _per_character(lengths, first, result.code)
        vector_second = _per_character(lengths, second, result.code)
        pooled_first += vector_first
        pooled_second += vector_second
        assert result.table == _table_from_vectors(vector_first, vector_second)
        if result.table.kappa is not None:
            assert result.table.kappa == pytest.approx(
                cohen_kappa_score(vector_first, vector_second)
            )
    assert report.overall == _table_from_vectors(pooled_first, pooled_second)
    if report.overall.kappa is not None:
        assert report.overall.kappa == pytest.approx(cohen_kappa_score(pooled_first, pooled_second))
    only_one = {
        (d.document, d.code, d.coded_by, i)
        for d in disagreements(lengths, first, second)
        for i in range(d.start, d.end)
    }
    expected = set()
    for code in codes:
        for document, length in lengths.items():
            for i in range(length):
                by = [
                    any(
                        c.document == document and c.code == code and c.start <= i < c.end
                        for c in codings
                    )
                    for codings in (first, second)
                ]
                if by == [True, False]:
                    expected.add((document, code, "first", i))
                if by == [False, True]:
                    expected.add((document, code, "second", i))
    assert only_one == expected


def _segments_by_hand(codings, document, code):
    """One coder's segments of one code in one document, overlapping ones joined."""
    merged: list[list[int]] = []
    for c in sorted((c.start, c.end) for c in codings if (c.document, c.code) == (document, code)):
        if merged and c[0] < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], c[1])
        else:
            merged.append(list(c))
    return merged


@pytest.mark.parametrize("seed", range(20))
def test_segment_tables_and_alpha_match_a_unit_by_unit_reference(seed) -> None:
    rng = random.Random(seed)
    lengths = {"a": rng.randint(5, 60), "b": rng.randint(5, 60)}
    codes = ["X", "Y"]
    first = _random_codings(rng, lengths, codes, rng.randint(1, 10))
    # The second coder copies some of the first's codings, nudged, so some units agree.
    second = _random_codings(rng, lengths, codes, rng.randint(0, 6)) + [
        Coding(c.document, c.code, c.start, min(c.end + rng.randint(0, 1), lengths[c.document]))
        for c in first
        if rng.random() < 0.6
    ]
    threshold = Fraction(rng.choice([5, 8, 9, 10]), 10)

    report = segment_agreement(lengths, first, second, codes=codes, min_overlap=threshold)

    units = sorted(
        {
            (document, tuple(span))
            for document in lengths
            for code in codes
            for codings in (first, second)
            for span in _segments_by_hand(codings, document, code)
        }
    )
    assert report.units == len(units)
    matrix = []  # the reliability data: one row per coder, one column per (code, unit)
    for result in report.codes:
        rows = []
        for codings in (first, second):
            row = []
            for document, (start, end) in units:
                segments = _segments_by_hand(codings, document, result.code)
                row.append(
                    int(
                        any(
                            Fraction(min(e, end) - max(s, start), max(e, end) - min(s, start))
                            >= threshold
                            for s, e in segments
                        )
                    )
                )
            rows.append(row)
        assert result.table == _table_from_vectors(*rows)
        if result.alpha is not None:
            assert result.alpha == pytest.approx(
                krippendorff.alpha(reliability_data=rows, level_of_measurement="nominal")
            )
        matrix.append(rows)
    pooled = np.concatenate(matrix, axis=1)
    if report.alpha is not None:
        assert report.alpha == pytest.approx(
            krippendorff.alpha(reliability_data=pooled, level_of_measurement="nominal")
        )
    else:
        assert len(set(pooled.flatten().tolist())) <= 1


def test_alpha_matches_a_hand_computed_coincidence_matrix() -> None:
    """Three units of one code: (1, 1), (1, 0), (0, 0).

    Coincidences: o11 = 2, o00 = 2, o10 = o01 = 1; n1 = 3, n0 = 3, n = 6.
    Do = (o10 + o01) / n = 2/6; De = 2·n0·n1 / (n(n − 1)) = 18/30;
    alpha = 1 − Do/De = 1 − (1/3)/(3/5) = 4/9.
    """
    lengths = {"d": 30}
    first = [Coding("d", "A", 0, 10), Coding("d", "A", 10 + 1, 20), Coding("d", "B", 21, 30)]
    second = [Coding("d", "A", 0, 10), Coding("d", "B", 21, 30)]

    report = segment_agreement(lengths, first, second, codes=["A"])

    assert report.codes[0].table == AgreementTable(both=1, first_only=1, second_only=0, neither=1)
    assert report.codes[0].alpha == pytest.approx(4 / 9)
