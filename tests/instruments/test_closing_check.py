"""The instruments app's closing check (ADR 0014): a CD-RISC-10 with a valid score at the
post timepoint, or completed for a caregiver after that caregiver's baseline."""

from __future__ import annotations

import datetime as dt

import pytest

from buoy.access.models import User
from buoy.cases import services as case_services
from buoy.cases.closing import closing_checks
from buoy.cases.models import Case
from buoy.instruments import services as instrument_services
from buoy.instruments.models import Assessment, Timepoint
from buoy.instruments.selectors import current_instrument, has_post_assessment
from tests.cases.closing_helpers import complete_cdrisc10
from tests.conftest import caregiver_details, raise_safety_alert

pytestmark = pytest.mark.django_db


def an_hour_earlier(assessment: Assessment) -> None:
    """Completion times in a test are microseconds apart: make the order unmistakable."""
    assert assessment.completed_at is not None
    Assessment.objects.filter(pk=assessment.pk).update(
        completed_at=assessment.completed_at - dt.timedelta(hours=1)
    )


def test_the_check_is_registered_by_the_instruments_app() -> None:
    assert "instruments.post_assessment" in [check.name for check in closing_checks()]


def test_no_assessment_or_only_a_baseline_is_not_a_post_assessment(
    alice_worker: User, alice_case: Case
) -> None:
    assert not has_post_assessment(alice_case)
    complete_cdrisc10(alice_worker, alice_case, timepoint="baseline")
    assert not has_post_assessment(alice_case)


def test_a_cdrisc10_at_the_post_timepoint_is_one(alice_worker: User, alice_case: Case) -> None:
    complete_cdrisc10(alice_worker, alice_case, timepoint="post")
    assert has_post_assessment(alice_case)


def test_a_later_cdrisc10_after_the_baseline_is_one(alice_worker: User, alice_case: Case) -> None:
    an_hour_earlier(complete_cdrisc10(alice_worker, alice_case, timepoint="baseline"))
    complete_cdrisc10(alice_worker, alice_case, timepoint="mid")
    assert has_post_assessment(alice_case)


def test_a_mid_assessment_without_a_baseline_is_not(alice_worker: User, alice_case: Case) -> None:
    complete_cdrisc10(alice_worker, alice_case, timepoint="mid")
    assert not has_post_assessment(alice_case)


def test_a_later_assessment_of_another_caregiver_does_not_pair_with_the_baseline(
    alice_worker: User, alice_case: Case
) -> None:
    an_hour_earlier(complete_cdrisc10(alice_worker, alice_case, timepoint="baseline"))
    father = case_services.add_caregiver(
        actor=alice_worker,
        case=alice_case,
        details=caregiver_details(full_name="测试父亲", sex="male", relationship="father"),
    )
    assessment = instrument_services.start_assessment(
        actor=alice_worker,
        case=alice_case,
        caregiver=father,
        instrument_version=current_instrument("cdrisc10"),
        timepoint=Timepoint.objects.get(code="mid"),
    )
    items = current_instrument("cdrisc10").instrument().scored_items
    instrument_services.record_answers(
        actor=alice_worker,
        assessment=assessment,
        answers={item.id: 3 for item in items},
        complete=True,
    )
    assert not has_post_assessment(alice_case)


def test_an_unfinished_or_invalid_post_assessment_is_not_one(
    alice_worker: User, alice_case: Case
) -> None:
    cdrisc = current_instrument("cdrisc10")
    instrument_services.start_assessment(
        actor=alice_worker,
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        instrument_version=cdrisc,
        timepoint=Timepoint.objects.get(code="post"),
    )
    assert not has_post_assessment(alice_case)
    complete_cdrisc10(alice_worker, alice_case, timepoint="post", answered=5)
    assert not has_post_assessment(alice_case)


def test_another_instrument_at_post_is_not_a_post_cdrisc10(
    alice_worker: User, alice_case: Case
) -> None:
    raise_safety_alert(alice_worker, alice_case, timepoint="post")
    assert not has_post_assessment(alice_case)


def test_the_check_costs_one_query(
    alice_worker: User, alice_case: Case, django_assert_num_queries: object
) -> None:
    complete_cdrisc10(alice_worker, alice_case, timepoint="baseline")
    complete_cdrisc10(alice_worker, alice_case, timepoint="mid")
    with django_assert_num_queries(1):  # type: ignore[operator]
        has_post_assessment(alice_case)
