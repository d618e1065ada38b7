"""Code queries on text regions, checked against a character-by-character reference."""

import random

import pytest

from buoy.coding.domain.regions import (
    Operation,
    QueryError,
    co_occurrence,
    evaluate,
    merge,
    parse_query,
    subtract,
    terms_of,
)


def characters(spans):
    return {i for start, end in spans for i in range(start, end)}


def test_merge_joins_overlapping_and_touching_spans():
    assert merge([(5, 8), (0, 2), (2, 4), (7, 10)]) == [(0, 4), (5, 10)]
    assert merge([(5, 8), (0, 2), (2, 4), (7, 10)], join_touching=False) == [
        (0, 2),
        (2, 4),
        (5, 10),
    ]


@pytest.mark.parametrize("seed", range(20))
def test_and_or_not_agree_with_sets_of_characters(seed):
    rng = random.Random(seed)

    def random_region():
        return {
            doc: merge(
                (s, s + rng.randint(1, 15))
                for s in (rng.randint(0, 80) for _ in range(rng.randint(0, 6)))
            )
            for doc in ("d1", "d2")
        }

    regions = {"A": random_region(), "B": random_region(), "C": random_region()}
    query = parse_query("A AND (B OR C) NOT C")
    result = evaluate(query, lambda name: {d: s for d, s in regions[name].items() if s})
    for doc in ("d1", "d2"):
        a, b, c = (characters(regions[n].get(doc, [])) for n in "ABC")
        assert characters(result.get(doc, [])) == (a & (b | c)) - c
        assert result.get(doc, []) == merge(result.get(doc, []))


def test_not_removes_only_the_covered_characters():
    assert subtract([(0, 10), (20, 30)], [(2, 4), (8, 22), (29, 40)]) == [(0, 2), (4, 8), (22, 29)]


def test_precedence_and_quoted_names():
    query = parse_query('"Hope / optimism" OR P-IND-01 AND R-IND-02 NOT X')
    assert terms_of(query) == ["Hope / optimism", "P-IND-01", "R-IND-02", "X"]
    assert isinstance(query, Operation)
    assert query.operator == "OR"
    assert isinstance(query.right, Operation)
    assert query.right.operator == "AND"
    assert isinstance(query.right.right, Operation)
    assert query.right.right.operator == "NOT"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("A AND", "ends where a code"),
        ("(A OR B", "not closed"),
        ("A B", "unexpected “B”"),
        ("AND A", "a code was expected at character 1"),
    ],
)
def test_unreadable_queries_say_where(text, message):
    with pytest.raises(QueryError, match=message):
        parse_query(text)


def test_co_occurrence_counts_overlapping_segments():
    regions = {
        "A": {"d1": [(0, 5), (10, 15), (20, 25)]},
        "B": {"d1": [(4, 11)], "d2": [(0, 3)]},
    }
    counts = co_occurrence(regions)
    assert counts[("A", "B")] == 2  # (0,5) and (10,15) touch B's (4,11)
    assert counts[("B", "A")] == 1
    assert counts[("A", "A")] == 3
    assert counts[("B", "B")] == 2
