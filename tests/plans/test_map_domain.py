"""The map's pure rules: what a factor code says, how a factor is rated, and how two maps
compare, without a database."""

from __future__ import annotations

import pytest

from buoy.plans.domain.maps import (
    FactorValue,
    MapError,
    check_factor,
    compare_maps,
    factor_shape,
    is_factor_code,
)


def test_a_factor_code_says_its_kind_and_level() -> None:
    assert factor_shape("P-IND-01").kind == "protective"
    shape = factor_shape("R-ECO-03")
    assert (shape.kind, shape.level) == ("risk", "economic")
    assert factor_shape("P-CUL-02").level == "cultural"
    assert not is_factor_code("P-IND")
    with pytest.raises(MapError) as error:
        factor_shape("X-IND-01")
    assert error.value.field == "code"


@pytest.mark.parametrize(
    ("kind", "status", "strength", "severity", "field"),
    [
        ("protective", "present", 4, None, "strength"),
        ("protective", "present", True, None, "strength"),
        ("protective", "present", None, 2, "severity"),
        ("risk", "present", 2, None, "strength"),
        ("risk", "absent", None, 2, "severity"),
        ("risk", "gone", None, None, "status"),
    ],
)
def test_a_rating_must_fit_the_factor(
    kind: str, status: str, strength: object, severity: object, field: str
) -> None:
    with pytest.raises(MapError) as error:
        check_factor(kind=kind, status=status, strength=strength, severity=severity)
    assert error.value.field == field


def test_only_a_present_factor_is_rated_and_a_draft_may_leave_it_unrated() -> None:
    assert check_factor(kind="protective", status="present", strength=3) == (3, None)
    assert check_factor(kind="risk", status="present", severity=1) == (None, 1)
    assert check_factor(kind="risk", status="present") == (None, None)
    assert check_factor(kind="risk", status="unknown") == (None, None)


def test_more_protection_and_less_risk_are_better() -> None:
    before = [
        FactorValue("P-FAM-01", "absent"),
        FactorValue("P-IND-05", "present", 1),
        FactorValue("R-ECO-01", "present", 3),
        FactorValue("R-IND-04", "absent"),
        FactorValue("R-MED-02", "present", 2),
    ]
    after = [
        FactorValue("P-FAM-01", "present", 2),
        FactorValue("P-IND-05", "present"),  # unrated counts as the middle, 2
        FactorValue("R-ECO-01", "present", 1),
        FactorValue("R-IND-04", "present", 2),
        FactorValue("R-MED-02", "unknown"),
        FactorValue("R-SOC-01", "unknown"),
    ]
    comparison = compare_maps(before, after)
    assert {row.code: row.direction for row in comparison.rows} == {
        "P-IND-05": "better",
        "P-FAM-01": "better",
        "R-IND-04": "worse",
        "R-MED-02": "unclear",
        "R-ECO-01": "better",
        "R-SOC-01": "same",  # unknown in both (not listed before)
    }
    assert [row.code for row in comparison.rows] == [
        "P-IND-05",
        "P-FAM-01",
        "R-IND-04",
        "R-SOC-01",
        "R-MED-02",
        "R-ECO-01",
    ]
    assert (comparison.before.protective_present, comparison.after.protective_present) == (1, 2)
    assert [r.code for r in comparison.with_direction("worse")] == ["R-IND-04"]


def test_a_map_listing_a_factor_twice_or_a_bad_value_is_refused() -> None:
    with pytest.raises(MapError, match="twice"):
        compare_maps([FactorValue("P-FAM-01"), FactorValue("P-FAM-01")], [])
    with pytest.raises(MapError) as error:
        compare_maps([], [FactorValue("P-FAM-01", "present", 5)])
    assert error.value.field == "b.P-FAM-01.rating"
