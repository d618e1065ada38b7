"""Assessments in casework: entry, scoring, corrections, alerts, versions, access and audit."""

from __future__ import annotations

import pytest

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Case
from buoy.core.errors import InvalidInput, NotFound
from buoy.instruments import services
from buoy.instruments.domain.library import bundled_instrument
from buoy.instruments.models import (
    Answer,
    Assessment,
    InstrumentVersion,
    SafetyAlert,
    Score,
    Timepoint,
)
from tests.conftest import raise_safety_alert
from tests.instruments.conftest import cdrisc_answers

pytestmark = pytest.mark.django_db


def test_the_bundled_library_is_installed_after_migrate(db: None) -> None:
    installed = set(InstrumentVersion.objects.values_list("instrument_id", flat=True))
    assert {"cdrisc10", "brs", "phq9", "gad7", "who5", "k6", "k10", "mspss", "csi"} <= installed
    assert set(Timepoint.objects.values_list("code", flat=True)) >= {"baseline", "post"}


def test_installing_again_adds_nothing(db: None) -> None:
    assert services.ensure_bundled_instruments() == 0


def test_a_complete_interview_is_scored_with_version_and_rule(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    services.record_answers(
        actor=alice_worker,
        assessment=alice_assessment,
        answers=cdrisc_answers(2, 3, 1, 2, 3, 2, 2, 3, 2, 3),
        complete=True,
    )
    score = Score.objects.get(assessment=alice_assessment)
    assert score.total == 23
    assert score.status == "valid"
    assert score.instrument_id == "cdrisc10"
    assert score.instrument_version == alice_assessment.instrument_version.version
    assert "10 items" in score.rule
    # adapt = items 1, 2, 5: (2 + 3 + 3) / 3
    assert score.profiles["adapt"] == pytest.approx(8 / 3)
    assert not score.subscales


def test_seven_answers_are_prorated_and_stored_unrounded(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    services.record_answers(
        actor=alice_worker,
        assessment=alice_assessment,
        answers=cdrisc_answers(2, 3, 1, 2, 3, 2, 4, None, None, None),
        complete=True,
    )
    score = Score.objects.get(assessment=alice_assessment)
    assert score.status == "prorated"
    assert score.total == pytest.approx(17 / 7 * 10)


def test_six_answers_are_an_invalid_score_with_a_reason(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    services.record_answers(
        actor=alice_worker,
        assessment=alice_assessment,
        answers=cdrisc_answers(2, 3, 1, 2, 3, 2, None, None, None, None),
        complete=True,
        confirm_invalid=True,
    )
    score = Score.objects.get(assessment=alice_assessment)
    assert score.status == "invalid"
    assert score.total is None
    assert score.error


def test_an_out_of_range_answer_is_refused_item_by_item_and_nothing_is_saved(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.record_answers(
            actor=alice_worker,
            assessment=alice_assessment,
            answers={"item1": 7, "item2": "often", "item3": 2},
        )
    assert set(caught.value.errors) == {"item1", "item2"}
    assert not Answer.objects.exists()


def test_a_completed_assessment_is_changed_only_with_a_reason_and_keeps_history(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    services.record_answers(
        actor=alice_worker,
        assessment=alice_assessment,
        answers=cdrisc_answers(2, 2, 2, 2, 2, 2, 2, 2, 2, 2),
        complete=True,
    )
    with pytest.raises(InvalidInput):
        services.record_answers(
            actor=alice_worker, assessment=alice_assessment, answers={"item1": 4}
        )
    with pytest.raises(InvalidInput) as caught:
        services.correct_assessment(
            actor=alice_worker, assessment=alice_assessment, answers={"item1": 4}, reason=" "
        )
    assert "reason" in caught.value.errors
    services.correct_assessment(
        actor=alice_worker,
        assessment=alice_assessment,
        answers={"item1": 4},
        reason="Misheard in the interview",
    )
    scores = list(Score.objects.filter(assessment=alice_assessment).order_by("id"))
    assert [s.total for s in scores] == [20, 22]
    assert [s.is_current for s in scores] == [False, True]
    assert Answer.objects.filter(assessment=alice_assessment, item_id="item1").count() == 2
    event = AuditEvent.objects.get(action="instruments.assessment.corrected")
    assert event.changed_fields == ["item1"]
    assert "Misheard" not in str(event.context)


def test_phq9_item_9_above_zero_raises_a_safety_alert(
    alice_worker: User, alice_case: Case, phq9: InstrumentVersion
) -> None:
    item9 = phq9.instrument().safety_rules[0].item
    raise_safety_alert(alice_worker, alice_case, item_9=1)
    alert = SafetyAlert.objects.get()
    assert alert.case == alice_case
    assert alert.item_id == item9
    assert alert.handled_at is None


def test_a_colleague_without_the_case_cannot_start_or_answer(
    bob_same_team: User,
    alice_case: Case,
    alice_assessment: Assessment,
    cdrisc10: InstrumentVersion,
    baseline: Timepoint,
) -> None:
    with pytest.raises(NotFound):
        services.start_assessment(
            actor=bob_same_team,
            case=alice_case,
            caregiver=alice_case.caregivers.get(),
            instrument_version=cdrisc10,
            timepoint=baseline,
        )
    with pytest.raises(NotFound):
        services.record_answers(
            actor=bob_same_team, assessment=alice_assessment, answers={"item1": 1}
        )


def test_a_new_definition_version_never_rewrites_old_scores(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    import dataclasses

    services.record_answers(
        actor=alice_worker,
        assessment=alice_assessment,
        answers=cdrisc_answers(2, 2, 2, 2, 2, 2, 2, 2, 2, 2),
        complete=True,
    )
    newer = dataclasses.replace(bundled_instrument("cdrisc10"), version="99-test")
    # A bundled instrument's next version: only when the import asks to replace it.
    services.import_instruments(actor=None, instruments=[newer], origin="native", replace=True)
    old = Score.objects.get(assessment=alice_assessment)
    assert old.instrument_version != "99-test"
    alice_assessment.refresh_from_db()
    assert alice_assessment.instrument_version.version != "99-test"
    assert InstrumentVersion.objects.get(instrument_id="cdrisc10", is_current=True).version == (
        "99-test"
    )


def test_a_changed_definition_under_an_installed_version_is_refused(db: None) -> None:
    import dataclasses

    changed = dataclasses.replace(bundled_instrument("cdrisc10"), citation="something else")
    with pytest.raises(InvalidInput):
        services.import_instruments(
            actor=None, instruments=[changed], origin="native", replace=True
        )
