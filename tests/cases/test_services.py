"""Writes to the case record: validation, permission, and one audit event per change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from buoy.access.models import User, Ward
from buoy.audit.models import AuditEvent
from buoy.cases import services
from buoy.cases.domain.phases import Phase
from buoy.cases.models import Case, CaseNote, PhaseChange
from buoy.core.errors import Forbidden, InvalidInput, NotFound
from tests.cases.closing_helpers import complete_cdrisc10
from tests.conftest import caregiver_details, child_details

pytestmark = pytest.mark.django_db


def actions(case: Case | None = None) -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_opening_a_case_registers_child_and_caregiver_at_intake(
    alice_worker: User, alice_case: Case
) -> None:
    assert alice_case.phase == "intake"
    assert alice_case.reference == f"{alice_case.opened_on:%Y}-{alice_case.pk:05d}"
    assert alice_case.child.diagnosis_label == "Acute lymphoblastic leukaemia"
    caregiver = alice_case.caregivers.get()
    assert caregiver.is_primary
    assert caregiver.insurance_schemes == ["resident", "critical_illness"]
    assert PhaseChange.objects.filter(case=alice_case, to_phase="intake").count() == 1
    assert {"cases.case.opened", "cases.child.created", "cases.caregiver.created"} <= set(actions())


def test_a_bad_icd10_code_saves_nothing_and_names_the_field(
    alice_worker: User, ward_a: Ward
) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.open_case(
            actor=alice_worker,
            ward=ward_a,
            referral_source="doctor",
            child=child_details(diagnosis_code="leukaemia"),
            caregiver=caregiver_details(),
        )
    assert "diagnosis_code" in caught.value.errors
    assert not Case.objects.exists()
    assert not AuditEvent.objects.filter(action="cases.case.opened").exists()


def test_diagnosis_before_birth_is_refused(alice_worker: User, ward_a: Ward) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.open_case(
            actor=alice_worker,
            ward=ward_a,
            referral_source="doctor",
            child=child_details(diagnosed_on=dt.date(2017, 1, 1)),
            caregiver=caregiver_details(),
        )
    assert list(caught.value.errors) == ["diagnosed_on"]


def test_an_unknown_insurance_scheme_is_refused(alice_worker: User, ward_a: Ward) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.open_case(
            actor=alice_worker,
            ward=ward_a,
            referral_source="doctor",
            child=child_details(),
            caregiver=caregiver_details(insurance_schemes=["lottery"]),
        )
    assert "insurance_schemes" in caught.value.errors
    assert not Case.objects.exists()


def test_a_worker_cannot_open_a_case_in_another_ward(alice_worker: User, ward_b: Ward) -> None:
    with pytest.raises(Forbidden):
        services.open_case(
            actor=alice_worker,
            ward=ward_b,
            referral_source="doctor",
            child=child_details(),
            caregiver=caregiver_details(),
        )


def test_the_case_moves_through_its_phases_and_closes_with_a_reason(
    alice_worker: User, alice_case: Case
) -> None:
    case = alice_case
    for phase in (Phase.ASSESSMENT, Phase.PLANNING, Phase.INTERVENTION, Phase.EVALUATION):
        case = services.move_case_to_phase(actor=alice_worker, case=case, phase=phase)
    complete_cdrisc10(alice_worker, case, timepoint="post")
    case = services.close_case(actor=alice_worker, case=case, reason="goals_met")
    assert case.phase == "closed"
    assert case.closing_reason == "goals_met"
    assert case.closed_on == timezone.localdate()
    case = services.move_case_to_phase(actor=alice_worker, case=case, phase=Phase.FOLLOW_UP)
    assert case.phase == "follow_up"
    assert PhaseChange.objects.filter(case=case).count() == 7
    assert actions().count("cases.case.phase_changed") == 5
    assert actions().count("cases.case.closed") == 1


def test_skipping_a_phase_is_refused_and_changes_nothing(
    alice_worker: User, alice_case: Case
) -> None:
    with pytest.raises(InvalidInput):
        services.move_case_to_phase(actor=alice_worker, case=alice_case, phase=Phase.PLANNING)
    alice_case.refresh_from_db()
    assert alice_case.phase == "intake"


def test_closing_needs_a_known_reason(alice_worker: User, alice_case: Case) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.close_case(actor=alice_worker, case=alice_case, reason="")
    assert "reason" in caught.value.errors
    alice_case.refresh_from_db()
    assert alice_case.phase == "intake"


def test_a_colleague_without_access_cannot_write_a_note(
    bob_same_team: User, alice_case: Case
) -> None:
    with pytest.raises(NotFound):
        services.write_note(actor=bob_same_team, case=alice_case, body="hello")
    assert not CaseNote.objects.exists()


def test_a_note_is_kept_and_its_text_never_enters_the_audit_trail(
    alice_worker: User, alice_case: Case
) -> None:
    note = services.write_note(actor=alice_worker, case=alice_case, body="母亲很担心费用")
    correction = services.write_note(
        actor=alice_worker, case=alice_case, body="更正", corrects=note
    )
    assert correction.corrects == note
    assert CaseNote.objects.count() == 2
    for event in AuditEvent.objects.all():
        assert "费用" not in str(event.context)
        assert "费用" not in str(event.changed_fields)


def test_an_empty_note_is_refused(alice_worker: User, alice_case: Case) -> None:
    with pytest.raises(InvalidInput):
        services.write_note(actor=alice_worker, case=alice_case, body="   ")


def test_updating_the_child_audits_the_changed_field_names_only(
    alice_worker: User, alice_case: Case
) -> None:
    services.update_child(
        actor=alice_worker,
        case=alice_case,
        changes={"treatment_phase": "maintenance", "prognosis": "good"},
    )
    event = AuditEvent.objects.get(action="cases.child.updated")
    assert event.changed_fields == ["treatment_phase"]


def test_a_second_caregiver_can_become_the_primary_one(
    alice_worker: User, alice_case: Case
) -> None:
    grandmother = services.add_caregiver(
        actor=alice_worker,
        case=alice_case,
        details=caregiver_details(
            full_name="测试外婆", relationship="grandmother", birth_year=1960, is_primary=True
        ),
    )
    primaries = list(alice_case.caregivers.filter(is_primary=True))
    assert primaries == [grandmother]


def test_costs_are_recorded_as_history(alice_worker: User, alice_case: Case) -> None:
    services.record_costs(
        actor=alice_worker,
        case=alice_case,
        recorded_on=dt.date(2026, 1, 1),
        amounts={"debt": Decimal("50000")},
    )
    services.record_costs(
        actor=alice_worker,
        case=alice_case,
        recorded_on=dt.date(2026, 6, 1),
        amounts={"debt": Decimal("80000"), "fundraising": Decimal("20000")},
    )
    assert [c.debt for c in alice_case.cost_records.all()] == [Decimal("80000"), Decimal("50000")]


def test_negative_costs_are_refused(alice_worker: User, alice_case: Case) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.record_costs(
            actor=alice_worker,
            case=alice_case,
            recorded_on=dt.date(2026, 1, 1),
            amounts={"debt": Decimal("-1")},
        )
    assert "debt" in caught.value.errors


def test_consent_is_recorded_and_withdrawn_without_losing_the_record(
    alice_worker: User, alice_case: Case
) -> None:
    caregiver = alice_case.caregivers.get()
    consent = services.record_consent(
        actor=alice_worker,
        case=alice_case,
        caregiver=caregiver,
        scope="research",
        given_on=dt.date(2026, 1, 5),
    )
    services.withdraw_consent(actor=alice_worker, consent=consent, withdrawn_on=dt.date(2026, 2, 1))
    consent.refresh_from_db()
    assert consent.withdrawn_on == dt.date(2026, 2, 1)
    assert consent.withdrawal_recorded_by == alice_worker
    with pytest.raises(InvalidInput):
        services.withdraw_consent(
            actor=alice_worker, consent=consent, withdrawn_on=dt.date(2026, 2, 2)
        )


def test_carol_reassigns_a_case_within_her_ward(
    carol_supervisor: User, bob_same_team: User, alice_case: Case
) -> None:
    services.reassign_case(actor=carol_supervisor, case=alice_case, worker=bob_same_team)
    alice_case.refresh_from_db()
    assert alice_case.assigned_worker == bob_same_team
    assert AuditEvent.objects.get(action="cases.case.reassigned").changed_fields == [
        "assigned_worker"
    ]


def test_a_worker_cannot_reassign(
    alice_worker: User, bob_same_team: User, alice_case: Case
) -> None:
    with pytest.raises(Forbidden):
        services.reassign_case(actor=alice_worker, case=alice_case, worker=bob_same_team)


def test_a_case_cannot_go_to_a_worker_of_another_ward(
    carol_supervisor: User, dan_other_ward: User, alice_case: Case
) -> None:
    with pytest.raises(InvalidInput):
        services.reassign_case(actor=carol_supervisor, case=alice_case, worker=dan_other_ward)


def test_open_cases_exclude_closed_and_follow_up(alice_worker: User, alice_case: Case) -> None:
    assert list(Case.objects.open()) == [alice_case]
    services.close_case(
        actor=alice_worker,
        case=alice_case,
        reason="lost_contact",
        without_post_assessment_reason="The family stopped answering calls.",
    )
    assert not Case.objects.open().exists()
