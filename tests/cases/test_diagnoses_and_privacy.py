from __future__ import annotations

import pytest

from buoy.cases.domain.diagnoses import (
    COMMON_DIAGNOSES,
    is_valid_icd10,
    known_diagnosis,
    normalise_icd10,
)
from buoy.cases.domain.privacy import suppress_small_count


@pytest.mark.parametrize("code", ["C91.0", "Q21.3", "N18.5", "D56.1", "C64", " c92.0 "])
def test_icd10_codes_of_the_common_diagnoses_are_accepted(code: str) -> None:
    assert is_valid_icd10(code)


@pytest.mark.parametrize("code", ["", "91.0", "CC1.0", "C9", "C91.", "U07.1x", "leukaemia"])
def test_text_that_is_not_an_icd10_code_is_refused(code: str) -> None:
    assert not is_valid_icd10(code)


def test_every_disease_group_of_the_model_is_in_the_common_list() -> None:
    groups = {d.group for d in COMMON_DIAGNOSES}
    assert groups == {
        "leukaemia",
        "other_cancer",
        "congenital_heart",
        "kidney_failure",
        "thalassaemia",
    }
    assert all(is_valid_icd10(d.code) for d in COMMON_DIAGNOSES)


def test_a_common_code_has_labels_in_both_languages() -> None:
    diagnosis = known_diagnosis(normalise_icd10("c91.0"))
    assert diagnosis is not None
    assert diagnosis.label_in("en") == "Acute lymphoblastic leukaemia"
    assert diagnosis.label_in("zh-hans") == "急性淋巴细胞白血病"
    assert known_diagnosis("Z99.9") is None


@pytest.mark.parametrize(("count", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (37, "37")])
def test_small_counts_are_suppressed(count: int, shown: str) -> None:
    assert suppress_small_count(count) == shown
