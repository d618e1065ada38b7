"""Scoring against golden tables worked out by hand (tests/instruments/golden/*.csv).

Each golden row holds answers and the expected total, status, band, alerts, subscales or
profiles and error, and a `working` column with the arithmetic done by hand. Totals are
written to ten decimals and compared to 1e-9. The code under test is never used to make
the tables.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import replace
from pathlib import Path

import pytest

from buoy.instruments.domain.definition import Band, instrument_from_dict
from buoy.instruments.domain.library import bundled_instrument, bundled_instruments
from buoy.instruments.domain.scoring import (
    INVALID,
    PRORATED,
    VALID,
    band_for,
    check_answers,
    score,
)
from tests.shared_files import shared

GOLDEN = Path(__file__).parent / "golden"
EXPECTED_COLUMNS = {"case", "total", "status", "band", "alerts", "profiles", "subscales"}
EXPECTED_COLUMNS |= {"error", "working"}


def golden_rows() -> list[tuple[str, dict[str, str]]]:
    rows = []
    for path in sorted(GOLDEN.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += [(path.stem, row) for row in csv.DictReader(handle)]
    return rows


def _expected_map(text: str) -> dict[str, float | None]:
    if not text:
        return {}
    pairs = (part.split("=") for part in text.split(";"))
    return {key: (float(value) if value else None) for key, value in pairs}


def _close(actual: float | None, expected: float | None) -> bool:
    if expected is None or actual is None:
        return actual is expected
    return math.isclose(actual, expected, abs_tol=1e-9)


def test_every_bundled_instrument_has_a_golden_table() -> None:
    assert {path.stem for path in GOLDEN.glob("*.csv")} == {i.id for i in bundled_instruments()}


@pytest.mark.parametrize(
    ("instrument_id", "row"), golden_rows(), ids=lambda v: v if isinstance(v, str) else v["case"]
)
def test_golden_rows_score_as_worked_out_by_hand(instrument_id: str, row: dict[str, str]) -> None:
    instrument = bundled_instrument(instrument_id)
    answers = {key: value for key, value in row.items() if key not in EXPECTED_COLUMNS}
    assert set(answers) == {item.id for item in instrument.items}, "the table lists every item"

    result = score(instrument, answers)

    expected_total = float(row["total"]) if row["total"] else None
    assert _close(result.total, expected_total), (result.total, row["working"])
    assert result.status == row["status"]
    assert (result.band or {}).get("en", "") == row["band"]
    assert ";".join(rule.id for rule in result.alerts) == row["alerts"]
    assert result.error.startswith(row["error"]), result.error
    assert bool(result.error) == bool(row["error"])
    for name, actual in (("profiles", result.profiles), ("subscales", result.subscales)):
        expected = _expected_map(row.get(name, ""))
        assert set(expected) <= set(actual)
        for key, value in expected.items():
            assert _close(actual[key], value), (name, key, actual[key], value)


# --- the rules, one test each -------------------------------------------------------------


def cdrisc(*values: object) -> dict[str, object]:
    return {f"item{k}": v for k, v in enumerate(values, 1)}


def test_total_is_prorated_when_seven_items_are_answered() -> None:
    result = score(bundled_instrument("cdrisc10"), cdrisc(3, 2, 2, 3, 2, 3, 2))
    assert result.status == PRORATED
    assert result.total == pytest.approx(17 / 7 * 10)
    assert result.answered == 7
    assert result.missing == ("item8", "item9", "item10")


def test_total_is_invalid_when_four_items_missing() -> None:
    result = score(bundled_instrument("cdrisc10"), cdrisc(2, 2, 2, 2, 2, 2, None, None, "", " "))
    assert result.status == INVALID
    assert result.total is None
    assert result.error == (
        "6 of 10 items answered; at least 7 needed (missing: item7, item8, item9, item10)"
    )
    assert result.profiles == {"adapt": None, "overcome": None, "feelings": None}


def test_prorated_total_is_stored_unrounded() -> None:
    result = score(bundled_instrument("cdrisc10"), cdrisc(4, 4, 4, 4, 4, 4, 4, 4, 3))
    assert result.total == pytest.approx(350 / 9)
    assert f"{result.total:.1f}" == "38.9"


def test_cdrisc10_has_no_subscales_and_no_bands() -> None:
    result = score(bundled_instrument("cdrisc10"), cdrisc(*[2] * 10))
    assert result.subscales == {}
    assert result.band is None
    assert result.rule == "total: prorated_sum of 10 items, at least 7 answered"


def test_score_names_the_instrument_version_and_rule() -> None:
    result = score(bundled_instrument("phq9"), {f"item{k}": 1 for k in range(1, 10)})
    assert (result.instrument, result.version) == ("phq9", "1")
    assert result.rule == "total: sum of 9 items, at least 9 answered"


def test_brs_reverse_keys_items_two_four_and_six_with_the_scale_ends() -> None:
    brs = bundled_instrument("brs")
    assert [i.id for i in brs.items if i.reverse] == ["item2", "item4", "item6"]
    # 1 + 5 = 6: an answer of 2 counts 4
    result = score(brs, {"item1": 1, "item2": 2, "item3": 1, "item4": 2, "item5": 1, "item6": 2})
    assert result.total == pytest.approx((1 + 4 + 1 + 4 + 1 + 4) / 6)


def test_phq9_item9_above_zero_alerts_even_when_the_total_is_invalid() -> None:
    result = score(bundled_instrument("phq9"), {"item9": "1"})
    assert result.status == INVALID
    assert [rule.id for rule in result.alerts] == ["item9_self_harm"]
    assert "zh-hans" in result.alerts[0].message


def test_phq9_item9_at_zero_does_not_alert() -> None:
    result = score(bundled_instrument("phq9"), {f"item{k}": 0 for k in range(1, 10)})
    assert result.alerts == ()


def test_who5_total_is_the_percentage_and_raw_total_the_raw_sum() -> None:
    result = score(bundled_instrument("who5"), {f"item{k}": 3 for k in range(1, 6)})
    assert result.raw_total == 15
    assert result.total == 60
    assert result.rule.endswith("×4")


def test_pedsql_option_scores_transform_zero_to_hundred() -> None:
    fim = bundled_instrument("pedsql_fim")
    scores = [option.score for option in fim.response_sets["pedsql_0_4"].options]
    assert scores == [100, 75, 50, 25, 0]
    assert len(fim.scored_items) == 36
    sizes = {rule.id: len(rule.items) for rule in fim.subscales}
    assert sizes["parent_hrqol"] == 20
    assert sizes["family_functioning"] == 8


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("5", "5 is out of range (0–4)"),
        (-1, "-1 is out of range (0–4)"),
        ("abc", "'abc' is not a number"),
        ("2.5", "2.5 is not one of the allowed answers (0, 1, 2, 3, 4)"),
        ("nan", "'nan' is not a number"),
        (True, "True is not a number"),
        ([1], "[1] is not a number"),
    ],
)
def test_a_refused_answer_gets_an_item_level_message(answer: object, message: str) -> None:
    instrument = bundled_instrument("cdrisc10")
    answers = {**cdrisc(*[2] * 10), "item3": answer}
    assert check_answers(instrument, answers) == {"item3": message}
    result = score(instrument, answers)
    assert result.status == INVALID
    assert result.item_errors == {"item3": message}
    assert result.error == f"item3: {message}"


def test_answers_are_accepted_as_numbers_or_numeric_text() -> None:
    answers = cdrisc(0, 1.0, "2", " 3 ", "4.0", 0, 1, 2, 3, 4)
    assert check_answers(bundled_instrument("cdrisc10"), answers) == {}
    assert score(bundled_instrument("cdrisc10"), answers).total == 20


def test_an_unknown_item_is_refused() -> None:
    messages = check_answers(bundled_instrument("cdrisc10"), {"item11": 2})
    assert messages == {"item11": "not an item of cdrisc10"}


def test_every_refusal_is_reported_at_once() -> None:
    messages = check_answers(bundled_instrument("phq9"), {"item1": 4, "item2": "x", "item10": 9})
    assert messages == {
        "item1": "4 is out of range (0–3)",
        "item2": "'x' is not a number",
        "item10": "9 is out of range (0–3)",
    }


def test_the_unscored_difficulty_question_is_still_checked() -> None:
    answers = {**{f"item{k}": 0 for k in range(1, 10)}, "item10": 3}
    assert check_answers(bundled_instrument("phq9"), answers) == {}
    assert score(bundled_instrument("phq9"), answers).total == 0


def test_csi_takes_yes_as_one_and_no_as_zero() -> None:
    csi = bundled_instrument("csi")
    answers = {f"item{k}": (1 if k <= 7 else 0) for k in range(1, 14)}
    assert score(csi, answers).total == 7
    assert check_answers(csi, {"item1": 2}) == {"item1": "2 is out of range (0–1)"}


# --- methods on made-up definitions ------------------------------------------------------------


def small(method: str, **rule: object) -> dict[str, object]:
    return {
        "id": "small",
        "version": "1",
        "name": "Small",
        "licence": {"status": "free"},
        "response_sets": {"r": {"options": [{"value": v} for v in range(4)]}},
        "items": [
            {"id": "a", "options": "r"},
            {"id": "b", "options": "r", "weight": 2},
            {"id": "c", "options": "r", "reverse": True},
            {"id": "n", "kind": "number", "min": 0, "max": 10, "reverse": True},
            {"id": "note", "kind": "text"},
        ],
        "total": {"method": method, "items": ["a", "b", "c", "n"], **rule},
    }


def test_weighted_sum_multiplies_each_score_by_its_weight() -> None:
    instrument = instrument_from_dict(small("weighted_sum"))
    # a 1, b 2 x 2, c reversed 3 - 0 = 3, n reversed 10 - 4 = 6
    result = score(instrument, {"a": 1, "b": 2, "c": 0, "n": 4, "note": "fine"})
    assert result.total == 1 + 4 + 3 + 6


def test_sum_with_a_lower_minimum_counts_missing_items_as_zero() -> None:
    instrument = instrument_from_dict(small("sum", min_answered=2))
    result = score(instrument, {"a": 3, "b": 3})
    assert (result.total, result.status, result.missing) == (6, VALID, ("c", "n"))


def test_count_counts_the_answers_scored_above_zero() -> None:
    instrument = instrument_from_dict(small("count"))
    assert score(instrument, {"a": 0, "b": 1, "c": 3, "n": 10}).total == 1  # c, n reverse to 0


def test_mean_with_missing_items_is_prorated() -> None:
    instrument = instrument_from_dict(small("mean", min_answered=3))
    result = score(instrument, {"a": 3, "b": 1, "c": 3})
    assert (result.total, result.status) == (pytest.approx(4 / 3), PRORATED)


def test_a_number_item_checks_its_range() -> None:
    instrument = instrument_from_dict(small("sum"))
    assert check_answers(instrument, {"n": 11}) == {"n": "11 is out of range (0–10)"}
    assert check_answers(instrument, {"n": "7.5"}) == {}


def test_a_band_gap_goes_to_the_nearer_band() -> None:
    bands = bundled_instrument("mspss").bands
    labels = {value: band_for(bands, value) for value in (2.94, 2.96, 5.04, 5.06, 0.5, 7.5)}
    shown = {v: (b.label["en"].split()[0] if b else None) for v, b in labels.items()}
    assert shown == {
        2.94: "Low",
        2.96: "Moderate",
        5.04: "Moderate",
        5.06: "High",
        0.5: None,
        7.5: None,
    }


def test_a_band_tie_goes_to_the_upper_band() -> None:
    bands = (Band("total", 0, 1, {"en": "lower"}), Band("total", 2, 3, {"en": "upper"}))
    band = band_for(bands, 1.5)
    assert band is not None
    assert band.label == {"en": "upper"}


def test_changing_a_definition_does_not_change_a_score_already_made() -> None:
    instrument = bundled_instrument("cdrisc10")
    before = score(instrument, cdrisc(*[3] * 10))
    stricter = replace(instrument, version="2", total=replace(instrument.total, min_answered=10))
    assert score(stricter, cdrisc(*[3] * 9)).status == INVALID
    assert (before.version, before.total) == ("1", 30)


# --- the worked example in ../shared/domain ----------------------------------------------------


def _example_output() -> str:
    return shared("domain", "domain_stats_example.out").read_text(encoding="utf-8")


def test_caregivers_of_the_worked_example_score_their_listed_totals() -> None:
    """The example's eight pre and post totals, as complete and as prorated forms."""
    out = _example_output()
    pre = [int(v) for v in re.search(r"^pre +\[([^\]]+)\]", out, re.M)[1].split(",")]  # type: ignore[index]
    post = [int(v) for v in re.search(r"^post +\[([^\]]+)\]", out, re.M)[1].split(",")]  # type: ignore[index]
    instrument = bundled_instrument("cdrisc10")
    for total in pre + post:
        # spread the total over ten items of 0-4, e.g. 18 -> 2,2,2,2,2,2,2,2,1,1
        answers = [total // 10 + (1 if k < total % 10 else 0) for k in range(10)]
        assert score(instrument, cdrisc(*answers)).total == total
        # the same caregiver answering 9 items with the same mean gives the same total
        if total % 10 == 0:
            assert score(instrument, cdrisc(*answers[:9])).total == pytest.approx(total)
    mean_pre = sum(pre) / len(pre)
    assert f"mean {mean_pre:.4f}" in out


def test_bundled_norms_reproduce_the_worked_reliable_change_thresholds() -> None:
    """RC = 1.96 x sqrt(2) x SD x sqrt(1 - r), from the norms in cdrisc10.json."""
    out = _example_output()
    norms = {norm.id: norm for norm in bundled_instrument("cdrisc10").norms}
    for norm_id, line_start in (("ye2017", "  CN parents"), ("campbellsills2009", "  US general")):
        norm = norms[norm_id]
        assert norm.reliability is not None
        rc = 1.96 * math.sqrt(2) * norm.sd * math.sqrt(1 - norm.reliability)
        line = next(line for line in out.splitlines() if line.startswith(line_start))
        assert f"RC={rc:.2f}" in line
    assert norms["ye2017"].default
    assert (norms["ye2017"].mean, norms["campbellsills2009"].mean) == (23.0, 31.8)
