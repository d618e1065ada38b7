"""The case pages, through Django's test client against the real URL map and database."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from buoy.access.models import User, Ward
from buoy.audit.models import AuditEvent
from buoy.cases import services
from buoy.cases.models import Case, CaseNote
from tests.conftest import caregiver_details, child_details, logged_in

pytestmark = pytest.mark.django_db


def new_case_form(ward: Ward, **overrides: Any) -> dict[str, Any]:
    form = {
        "case-ward": ward.pk,
        "case-referral_source": "nurse",
        "case-opened_on": "2026-01-10",
        "child-full_name": "小明",
        "child-sex": "male",
        "child-date_of_birth": "2019-02-03",
        "child-diagnosis_code": "Q21.3",
        "child-diagnosed_on": "2019-03-01",
        "child-treatment_phase": "surgery",
        "child-prognosis": "good",
        "caregiver-full_name": "李秀英",
        "caregiver-sex": "female",
        "caregiver-relationship": "grandmother",
        "caregiver-education": "primary",
        "caregiver-employment": "farming",
        "caregiver-employment_change": "stopped",
        "caregiver-income_band": "under_2k",
        "caregiver-insurance_schemes": ["resident", "medical_assistance"],
        "caregiver-residence": "rural",
        "caregiver-preferred_language": "zh-hans",
    }
    form.update(overrides)
    return form


def test_a_worker_registers_a_family_and_lands_on_the_case_page(
    alice_worker: User, ward_a: Ward
) -> None:
    client = logged_in(alice_worker)
    response = client.post(reverse("cases:new"), new_case_form(ward_a))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.child.diagnosis_label == "Tetralogy of Fallot"
    assert case.caregivers.get().insurance_schemes == ["resident", "medical_assistance"]
    page = client.get(response["Location"])
    assert "小明" in page.content.decode()
    assert "李秀英" in page.content.decode()


def test_a_form_with_errors_saves_nothing_and_says_what_to_fix(
    alice_worker: User, ward_a: Ward
) -> None:
    client = logged_in(alice_worker)
    response = client.post(
        reverse("cases:new"),
        new_case_form(ward_a, **{"child-diagnosis_code": "heart", "caregiver-full_name": ""}),
    )
    assert response.status_code == 200
    assert not Case.objects.exists()
    html = response.content.decode()
    assert "Enter an ICD-10 code such as C91.0" in html
    assert "This field is required." in html
    assert "Nothing was saved." in html


def test_form_errors_are_shown_in_chinese_for_a_chinese_browser(
    alice_worker: User, ward_a: Ward
) -> None:
    client = logged_in(alice_worker)
    response = client.post(
        reverse("cases:new"),
        new_case_form(ward_a, **{"caregiver-full_name": ""}),
        HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9",
    )
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "This field is required." not in html


def test_the_caseload_searches_by_caregiver_name_and_filters_by_phase(
    alice_worker: User, alice_case: Case, ward_a: Ward
) -> None:
    other = services.open_case(
        actor=alice_worker,
        ward=ward_a,
        referral_source="self",
        child=child_details(full_name="Emma Lee", diagnosis_code="D56.1"),
        caregiver=caregiver_details(full_name="Sarah Lee", preferred_language="en"),
    )
    services.move_case_to_phase(actor=alice_worker, case=other, phase="assessment")  # type: ignore[arg-type]
    client = logged_in(alice_worker)
    found = client.get(reverse("cases:caseload"), {"q": "sarah"}).context["page"].object_list
    assert list(found) == [other]
    by_phase = client.get(reverse("cases:caseload"), {"phase": "intake"}).context["page"]
    assert list(by_phase.object_list) == [alice_case]
    by_diagnosis = client.get(reverse("cases:caseload"), {"diagnosis": "D56.1"}).context["page"]
    assert list(by_diagnosis.object_list) == [other]


def test_htmx_gets_only_the_results_fragment(alice_worker: User, alice_case: Case) -> None:
    client = logged_in(alice_worker)
    response = client.get(reverse("cases:caseload"), {"q": "测试"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html
    assert alice_case.reference in html


def test_the_caseload_costs_the_same_queries_for_5_or_40_cases(
    alice_worker: User, ward_a: Ward
) -> None:
    def open_cases(n: int) -> None:
        for i in range(n):
            case = services.open_case(
                actor=alice_worker,
                ward=ward_a,
                referral_source="doctor",
                child=child_details(full_name=f"child {i}"),
                caregiver=caregiver_details(),
            )
            services.add_caregiver(
                actor=alice_worker,
                case=case,
                details=caregiver_details(
                    full_name=f"father {i}", relationship="father", sex="male"
                ),
            )

    client = logged_in(alice_worker)
    open_cases(5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("cases:caseload")).status_code == 200
    open_cases(35)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("cases:caseload")).context["page"]
    assert len(page.object_list) == 25
    assert len(many) == len(few)


def test_listing_the_caseload_is_audited_with_the_cases_shown(
    alice_worker: User, alice_case: Case
) -> None:
    logged_in(alice_worker).get(reverse("cases:caseload"))
    event = AuditEvent.objects.get(action="cases.case.listed")
    assert event.context["ids"] == [alice_case.pk]
    assert event.channel == "web"
    assert event.source_address == "127.0.0.1"


def test_viewing_the_case_page_is_audited(alice_worker: User, alice_case: Case) -> None:
    logged_in(alice_worker).get(reverse("cases:detail", args=[alice_case.pk]))
    assert (
        AuditEvent.objects.filter(
            action="cases.case.viewed", subject_id=str(alice_case.pk), actor=alice_worker
        ).count()
        == 1
    )


def test_a_note_added_with_htmx_redraws_the_timeline(alice_worker: User, alice_case: Case) -> None:
    response = logged_in(alice_worker).post(
        reverse("cases:note_new", args=[alice_case.pk]),
        {"body": "Met the grandmother."},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="timeline"' in response.content.decode()
    assert "Met the grandmother." in response.content.decode()
    assert CaseNote.objects.get().author == alice_worker


def test_moving_and_closing_through_the_pages(alice_worker: User, alice_case: Case) -> None:
    client = logged_in(alice_worker)
    client.post(reverse("cases:phase", args=[alice_case.pk]), {"phase": "assessment"})
    alice_case.refresh_from_db()
    assert alice_case.phase == "assessment"
    refused = client.post(
        reverse("cases:close", args=[alice_case.pk]), {"reason": "", "closed_on": "2026-01-01"}
    )
    assert refused.status_code == 200
    assert "reason" in refused.context["form"].errors
    client.post(
        reverse("cases:close", args=[alice_case.pk]),
        {
            "reason": "transferred",
            "closed_on": alice_case.opened_on.isoformat(),
            "without_post_assessment_reason": "Transferred before the post-assessment.",
        },
    )
    alice_case.refresh_from_db()
    assert alice_case.phase == "closed"
    assert alice_case.closing_reason == "transferred"


def test_the_child_and_family_situation_are_edited_through_the_pages(
    alice_worker: User, alice_case: Case
) -> None:
    client = logged_in(alice_worker)
    child_form = client.get(reverse("cases:child_edit", args=[alice_case.pk])).context["form"]
    data = {k: v for k, v in child_form.initial.items() if v is not None}
    data.update(
        treatment_phase="maintenance", date_of_birth="2018-05-01", diagnosed_on="2025-03-02"
    )
    client.post(reverse("cases:child_edit", args=[alice_case.pk]), data)
    alice_case.child.refresh_from_db()
    assert alice_case.child.treatment_phase == "maintenance"
    costs = client.post(
        reverse("cases:costs_new", args=[alice_case.pk]),
        {"recorded_on": "2026-01-01", "debt": "30000"},
    )
    assert costs.status_code == 302
    assert str(alice_case.cost_records.get().debt) == "30000.00"


def test_the_supervisor_reassigns_through_the_page(
    carol_supervisor: User, bob_same_team: User, alice_case: Case
) -> None:
    response = logged_in(carol_supervisor).post(
        reverse("cases:reassign", args=[alice_case.pk]), {"worker": bob_same_team.pk}
    )
    assert response.status_code == 302
    alice_case.refresh_from_db()
    assert alice_case.assigned_worker == bob_same_team


def test_the_overview_shows_counts_only(rita_researcher: User, alice_case: Case) -> None:
    html = logged_in(rita_researcher).get(reverse("cases:overview")).content.decode()
    assert "&lt;5" in html
    assert alice_case.child.full_name not in html
    assert alice_case.reference not in html


def test_pages_carry_security_headers(alice_worker: User) -> None:
    response = logged_in(alice_worker).get(reverse("cases:caseload"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_department_counts_are_suppressed_by_the_selector_itself(alice_case: Case) -> None:
    from buoy.cases.selectors import department_counts

    counts = department_counts()
    assert counts.by_phase == {"intake": "<5"}
    assert counts.by_group == {"leukaemia": "<5"}
    assert counts.total == "<5"
