"""The moderator regression against statsmodels' formula API, fitted independently here."""

from __future__ import annotations

from random import Random

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # a dev dependency without stubs
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st

from buoy.outcomes.domain.moderators import ModeratorError, ModeratorFit, fit_moderators

WARDS = ["haem-onc", "cardiac", "renal"]


def _sample(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pre = rng.integers(10, 35, n).astype(float)
    frame = pd.DataFrame(
        {
            "pre": pre,
            "post": pre + rng.integers(-4, 10, n),
            "initiative": rng.integers(1, 6, n),
            "ward": rng.choice(WARDS, n),
        }
    )
    frame["change"] = frame["post"] - frame["pre"]
    return frame


def _fit(frame: pd.DataFrame, **references: str) -> ModeratorFit:
    return fit_moderators(
        pre=list(frame["pre"]),
        post=list(frame["post"]),
        moderators={
            "initiative": [str(v) for v in frame["initiative"]],  # as a CSV gives them
            "ward": list(frame["ward"]),
        },
        references=references,
    )


def _by_term(fit: ModeratorFit) -> dict[str, tuple[float, float, float, float, float]]:
    return {term: tuple(values) for term, *values in fit.table()}  # type: ignore[misc]


def test_coefficients_se_p_and_ci_are_statsmodels_hc3() -> None:
    frame = _sample(60, seed=11)
    fit = _fit(frame)
    reference = smf.ols("change ~ pre + initiative + C(ward)", frame).fit(cov_type="HC3")
    names = {
        "Intercept": "intercept",
        "pre": "pre",
        "initiative": "initiative",
        "C(ward)[T.haem-onc]": "ward[haem-onc]",
        "C(ward)[T.renal]": "ward[renal]",
    }
    ours = _by_term(fit)
    assert set(ours) == set(names.values())
    ci = reference.conf_int()
    for theirs, term in names.items():
        b, se, p, low, high = ours[term]
        assert b == pytest.approx(reference.params[theirs], rel=1e-9, abs=1e-12)
        assert se == pytest.approx(reference.bse[theirs], rel=1e-9)
        assert p == pytest.approx(reference.pvalues[theirs], rel=1e-9, abs=1e-15)
        assert (low, high) == pytest.approx((ci.loc[theirs, 0], ci.loc[theirs, 1]), rel=1e-9)
    assert fit.n == 60
    assert fit.r2 == pytest.approx(reference.rsquared, rel=1e-9)
    assert fit.cov_type == "HC3"


def test_the_reference_level_is_the_first_in_sorted_order_unless_named() -> None:
    frame = _sample(60, seed=12)
    default = _fit(frame)
    assert [c.term for c in default.coefficients][3:] == ["ward[haem-onc]", "ward[renal]"]
    assert default.moderators[1].reference == "cardiac"

    named = _fit(frame, ward="renal")
    reference = smf.ols(
        "change ~ pre + initiative + C(ward, Treatment(reference='renal'))", frame
    ).fit(cov_type="HC3")
    ours = _by_term(named)
    assert set(ours) == {"intercept", "pre", "initiative", "ward[cardiac]", "ward[haem-onc]"}
    key = "C(ward, Treatment(reference='renal'))[T.cardiac]"
    assert ours["ward[cardiac]"][0] == pytest.approx(reference.params[key], rel=1e-9)
    assert ours["ward[cardiac]"][1] == pytest.approx(reference.bse[key], rel=1e-9)
    # The model is the same, only its coding: the fit and the other slopes do not move.
    assert named.r2 == pytest.approx(default.r2, rel=1e-12)
    assert ours["pre"][0] == pytest.approx(_by_term(default)["pre"][0], rel=1e-9)


def test_a_column_of_numbers_is_numeric_and_any_other_is_categorical() -> None:
    frame = _sample(40, seed=13)
    fit = _fit(frame)
    assert [(m.name, m.kind) for m in fit.moderators] == [
        ("initiative", "numeric"),
        ("ward", "categorical"),
    ]
    assert fit.moderators[1].counts == {w: int((frame["ward"] == w).sum()) for w in WARDS}
    # One word among the numbers makes the column categorical.
    words = [str(v) for v in frame["initiative"]]
    words[:3] = ["unknown"] * 3
    mixed = fit_moderators(
        pre=list(frame["pre"]), post=list(frame["post"]), moderators={"i": words}
    )
    assert mixed.moderators[0].kind == "categorical"
    assert any(c.term == "i[unknown]" for c in mixed.coefficients)


def test_fewer_than_ten_caregivers_per_term_is_warned_and_enough_is_not() -> None:
    small = _fit(_sample(30, seed=14))  # 4 terms: 7.5 per term
    assert any("fewer than 10 caregivers per term" in w for w in small.warnings)
    assert any("30 caregivers for 4 terms" in w for w in small.warnings)
    large = _fit(_sample(400, seed=14))
    assert large.warnings == ()


def test_a_level_with_few_caregivers_is_warned_by_name() -> None:
    frame = _sample(200, seed=15)
    frame.loc[frame.index[:6], "ward"] = "neuro"
    frame.loc[frame.index[6:], "ward"] = frame.loc[frame.index[6:], "ward"].replace(
        "neuro", "renal"
    )
    fit = _fit(frame)
    assert [w for w in fit.warnings if "neuro" in w] == [
        "ward = 'neuro': 6 caregivers (fewer than 10)"
    ]


def test_the_pasteable_table_has_a_header_and_one_row_per_term() -> None:
    fit = _fit(_sample(60, seed=16))
    lines = fit.table_text().splitlines()
    assert lines[0] == "term\tb\tse\tp\tci low\tci high"
    assert [line.split("\t")[0] for line in lines[1:]] == [c.term for c in fit.coefficients]
    first = fit.coefficients[1]
    assert lines[2].split("\t")[1] == f"{first.b:.3f}"
    assert all(len(line.split("\t")) == 6 for line in lines)


def test_a_tiny_p_is_shown_as_below_the_last_digit() -> None:
    rng = np.random.default_rng(3)
    pre = rng.normal(20, 4, 200)
    group = rng.choice(["a", "b"], 200)
    post = pre + 5 + 8 * (group == "b") + rng.normal(0, 1, 200)
    fit = fit_moderators(pre=list(pre), post=list(post), moderators={"g": list(group)})
    row = next(line for line in fit.table_text().splitlines() if line.startswith("g[b]"))
    assert row.split("\t")[3] == "<0.001"


@pytest.mark.parametrize(
    ("moderators", "field", "words"),
    [
        ({"g": ["a"] * 8}, "g", "one level only"),
        ({"x": [3] * 8}, "x", "same value for every caregiver"),
        ({"g": list("aabbaabb"), "h": list("aabbaabb")}, "moderator", "collinear"),
        ({"g": list("aaaaaaab")}, "rows", "HC3 standard errors are undefined"),
        ({"g": list("abcdefgh")}, "rows", "more caregivers than coefficients"),
        ({}, "moderator", "at least one"),
        ({"pre": list(range(8))}, "pre", "cannot be a moderator's name"),
    ],
)
def test_a_model_that_cannot_be_fitted_is_refused_with_the_field(
    moderators: dict[str, list[object]], field: str, words: str
) -> None:
    pre = [10.0, 12, 14, 11, 13, 15, 9, 16]
    post = [12.0, 15, 14, 16, 13, 19, 10, 20]
    with pytest.raises(ModeratorError) as raised:
        fit_moderators(pre=pre, post=post, moderators=moderators)
    assert raised.value.field == field
    assert words in raised.value.message


def test_a_reference_level_that_is_not_there_is_refused() -> None:
    frame = _sample(30, seed=17)
    with pytest.raises(ModeratorError, match="'icu' is not one of its levels") as raised:
        _fit(frame, ward="icu")
    assert raised.value.field == "ward"
    with pytest.raises(ModeratorError, match="numeric, so it has no reference level"):
        _fit(frame, initiative="3")


def test_the_caregiver_who_alone_determines_a_coefficient_is_named_by_position() -> None:
    pre = [10.0, 12, 14, 11, 13, 15, 9, 16]
    post = [12.0, 15, 14, 16, 13, 19, 10, 20]
    with pytest.raises(ModeratorError) as raised:
        fit_moderators(pre=pre, post=post, moderators={"g": list("aaaabaaa")})
    assert raised.value.positions == (4,)


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_reordering_rows_changes_nothing(random: Random) -> None:
    frame = _sample(45, seed=18)
    order = list(range(len(frame)))
    random.shuffle(order)
    shuffled = frame.iloc[order].reset_index(drop=True)
    before, after = _fit(frame), _fit(shuffled)
    assert [c.term for c in after.coefficients] == [c.term for c in before.coefficients]
    for a, b in zip(after.table(), before.table(), strict=True):
        assert a[1:] == pytest.approx(b[1:], rel=1e-8, abs=1e-12)
    assert after.r2 == pytest.approx(before.r2, rel=1e-10)
    assert after.warnings == before.warnings
