"""No link without wording in the caregiver's language, and no invalid score locked unseen.

A link is refused (page, API, service, starting in self-report mode) when an item or answer
would show without text in the assessment's language. Completing, or a caregiver submitting,
with too few items answered for a valid score asks for confirmation first, naming the
unanswered items; a confirmed one is completed, and nothing calls its score "scored".
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from buoy.access import services as access_services
from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases import services as case_services
from buoy.cases.models import Case
from buoy.core.errors import InvalidInput
from buoy.instruments import services
from buoy.instruments.models import (
    Answer,
    Assessment,
    InstrumentVersion,
    Score,
    SelfReportLink,
    Timepoint,
)
from buoy.instruments.selectors import current_instrument
from tests.conftest import caregiver_details, logged_in
from tests.instruments.conftest import cdrisc_answers

pytestmark = pytest.mark.django_db


def api(user: User) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Token {access_services.issue_api_token(actor=None, user=user)}"
    )


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "content_type": "application/json"}


def start(actor: User, case: Case, instrument_id: str, **kwargs: Any) -> Assessment:
    return services.start_assessment(
        actor=actor,
        case=case,
        caregiver=kwargs.pop("caregiver", None) or case.caregivers.get(),
        instrument_version=current_instrument(instrument_id),
        timepoint=Timepoint.objects.get(code="baseline"),
        **kwargs,
    )


# --- no link without wording ----------------------------------------------------------------


def test_a_cdrisc10_link_for_a_chinese_reading_caregiver_is_refused_with_the_reason(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.create_self_report_link(actor=alice_worker, assessment=alice_assessment)
    (message,) = refused.value.errors[""]
    assert "licensed" in message
    assert "must import the licensed wording" in message
    assert not SelfReportLink.objects.exists()
    alice_assessment.refresh_from_db()
    assert alice_assessment.mode == "interview"
    assert not AuditEvent.objects.filter(action="instruments.link.created").exists()


def test_starting_in_self_report_mode_without_wording_is_refused_and_saves_nothing(
    alice_worker: User, alice_case: Case
) -> None:
    for instrument_id in ("cdrisc10", "brs", "zbi22"):
        with pytest.raises(InvalidInput) as refused:
            start(alice_worker, alice_case, instrument_id, mode="self_report")
        assert "mode" in refused.value.errors, instrument_id
    assert not Assessment.objects.exists()
    assert start(alice_worker, alice_case, "phq9", mode="self_report").language == "zh-hans"


def test_a_free_instrument_without_chinese_goes_out_only_to_a_caregiver_who_reads_english(
    alice_worker: User, alice_case: Case
) -> None:
    father = case_services.add_caregiver(
        actor=alice_worker,
        case=alice_case,
        details=caregiver_details(
            full_name="Test Father", relationship="father", preferred_language="en"
        ),
    )
    english = start(alice_worker, alice_case, "brs", caregiver=father, mode="self_report")
    assert services.create_self_report_link(actor=alice_worker, assessment=english)
    mother = alice_case.caregivers.get(preferred_language="zh-hans")
    chinese = start(alice_worker, alice_case, "brs", caregiver=mother)
    with pytest.raises(InvalidInput) as refused:
        services.create_self_report_link(actor=alice_worker, assessment=chinese)
    assert "has no wording in Simplified Chinese" in refused.value.errors[""][0]


@pytest.mark.usefixtures("cdrisc10_test_wording")
def test_a_site_that_imported_its_licensed_wording_can_send_cdrisc10_links(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    key = services.create_self_report_link(actor=alice_worker, assessment=alice_assessment)
    html = Client().get(reverse("self_report", args=[key])).content.decode()
    assert "（测试用第1题）" in html
    assert "（测试用说明）" in html
    event = AuditEvent.objects.get(action="instruments.link.created")
    assert (event.context["wording"], event.context["wording_verified"]) == ("imported", True)


def test_the_start_page_refuses_a_link_and_shows_why(
    alice_worker: User, alice_case: Case, cdrisc10: InstrumentVersion, baseline: Timepoint
) -> None:
    response = logged_in(alice_worker).post(
        reverse("instruments:assessment_new", args=[alice_case.pk]),
        {
            "caregiver": alice_case.caregivers.get().pk,
            "instrument": cdrisc10.pk,
            "timepoint": baseline.pk,
            "mode": "self_report",
        },
    )
    assert response.status_code == 200
    assert "must import the licensed wording" in response.content.decode()
    assert not Assessment.objects.exists()


def test_the_interview_form_says_the_site_must_import_the_licensed_wording(
    alice_worker: User, alice_case: Case, alice_assessment: Assessment
) -> None:
    client = logged_in(alice_worker)
    url = reverse("instruments:assessment", args=[alice_case.pk, alice_assessment.pk])
    html = client.get(url).content.decode()
    assert "Your site must import the licensed wording" in html
    assert reverse("instruments:link_new", args=[alice_case.pk, alice_assessment.pk]) not in html
    refused = client.post(
        reverse("instruments:link_new", args=[alice_case.pk, alice_assessment.pk])
    )
    assert refused.status_code == 302
    assert "must import the licensed wording" in client.get(url).content.decode()
    assert not SelfReportLink.objects.exists()


def test_the_api_refuses_a_link_and_a_self_report_start_without_wording(
    alice_worker: User, alice_case: Case, alice_assessment: Assessment
) -> None:
    client = api(alice_worker)
    link = client.post(f"/api/v1/assessments/{alice_assessment.pk}/link/")
    assert link.status_code == 400
    assert "licensed" in link.json()[""][0]
    started = client.post(
        "/api/v1/assessments/",
        **as_json(
            {
                "case": alice_case.pk,
                "caregiver": alice_case.caregivers.get().pk,
                "instrument": "cdrisc10",
                "timepoint": "baseline",
                "mode": "self_report",
            }
        ),
    )
    assert started.status_code == 400
    assert "mode" in started.json()
    assert Assessment.objects.count() == 1
    listed = {row["id"]: row for row in client.get("/api/v1/instruments/").json()["results"]}
    assert listed["cdrisc10"]["wording"]["zh-hans"]["complete"] is False
    assert listed["phq9"]["wording"]["zh-hans"] == {
        "complete": True,
        "origin": "bundled",
        "verified": False,
    }


# --- no invalid score locked unseen -----------------------------------------------------------


def test_completing_five_of_ten_names_the_unanswered_items_and_saves_nothing(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    with pytest.raises(services.UnconfirmedInvalidScore) as refused:
        services.record_answers(
            actor=alice_worker,
            assessment=alice_assessment,
            answers=cdrisc_answers(2, 2, 2, 2, 2, None, None, None, None, None),
            complete=True,
        )
    assert [item.id for item in refused.value.unanswered] == [f"item{k}" for k in range(6, 11)]
    assert refused.value.errors["unanswered"] == [f"item{k}" for k in range(6, 11)]
    assert (
        "5 of 10 items are answered and at least 7 are needed"
        in (refused.value.errors["confirm_invalid"][0])
    )
    alice_assessment.refresh_from_db()
    assert alice_assessment.status == "in_progress"
    assert not Answer.objects.exists()
    assert not Score.objects.exists()


def test_a_confirmed_invalid_completion_is_locked_and_audited_as_confirmed(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    services.record_answers(
        actor=alice_worker,
        assessment=alice_assessment,
        answers=cdrisc_answers(2, 2, 2, 2, 2, None, None, None, None, None),
        complete=True,
        confirm_invalid=True,
    )
    alice_assessment.refresh_from_db()
    assert alice_assessment.status == "completed"
    assert Score.objects.get().status == "invalid"
    event = AuditEvent.objects.get(action="instruments.answers.recorded")
    assert event.context["confirmed_invalid"] is True


def test_answers_saved_earlier_count_when_completing(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    services.record_answers(
        actor=alice_worker,
        assessment=alice_assessment,
        answers=cdrisc_answers(1, 1, 1, 1, 1, 1, None, None, None, None),
    )
    # Six saved plus one now: 7 of 10 is CD-RISC-10's minimum, prorated, no question asked.
    services.record_answers(
        actor=alice_worker, assessment=alice_assessment, answers={"item7": 1}, complete=True
    )
    assert Score.objects.get().status == "prorated"
    # Clearing answers while completing counts too.
    again = services.start_assessment(
        actor=alice_worker,
        case=alice_assessment.case,
        caregiver=alice_assessment.caregiver,
        instrument_version=alice_assessment.instrument_version,
        timepoint=alice_assessment.timepoint,
    )
    services.record_answers(actor=alice_worker, assessment=again, answers=cdrisc_answers(*[1] * 10))
    with pytest.raises(services.UnconfirmedInvalidScore):
        services.record_answers(
            actor=alice_worker,
            assessment=again,
            answers={"item1": None, "item2": None, "item3": None, "item4": None},
            complete=True,
        )


def test_the_interview_page_asks_before_locking_an_invalid_score(
    alice_worker: User, alice_case: Case, alice_assessment: Assessment
) -> None:
    client = logged_in(alice_worker)
    url = reverse("instruments:assessment", args=[alice_case.pk, alice_assessment.pk])
    data = {k: "" if v is None else str(v) for k, v in cdrisc_answers(3, 3, 3, 3, 3).items()}
    asked = client.post(url, {**data, "complete": "1"})
    html = asked.content.decode()
    assert asked.status_code == 200
    assert "Complete with an invalid score?" in html
    for number in range(6, 11):
        assert f'href="#field-item{number}">Item {number}</a>' in html
    assert 'value="3" checked' in html  # what was entered is still on the form
    alice_assessment.refresh_from_db()
    assert alice_assessment.status == "in_progress"
    assert not Answer.objects.exists()
    done = client.post(url, {**data, "complete": "confirm_invalid"}, follow=True)
    text = done.content.decode()
    assert "its score is invalid because 5 items are unanswered" in text
    assert "completed and scored" not in text
    alice_assessment.refresh_from_db()
    assert alice_assessment.status == "completed"


def test_a_complete_interview_still_says_scored(
    alice_worker: User, alice_case: Case, alice_assessment: Assessment
) -> None:
    url = reverse("instruments:assessment", args=[alice_case.pk, alice_assessment.pk])
    data = {k: str(v) for k, v in cdrisc_answers(*[2] * 10).items()}
    done = logged_in(alice_worker).post(url, {**data, "complete": "1"}, follow=True)
    assert "The assessment was completed and scored." in done.content.decode()


@pytest.mark.usefixtures("cdrisc10_test_wording")
def test_a_caregiver_sending_three_of_ten_sees_what_is_missing_and_confirms(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    key = services.create_self_report_link(actor=alice_worker, assessment=alice_assessment)
    url = reverse("self_report", args=[key])
    client = Client()
    data = {k: "" if v is None else str(v) for k, v in cdrisc_answers(1, 2, 3).items()}
    asked = client.post(url, {**data, "submit": "1"})
    html = asked.content.decode()
    assert asked.status_code == 200
    assert "7 个问题尚未回答" in html
    assert "（测试用第4题）" in html
    assert "score" not in html.lower()  # no scoring talk to the caregiver
    assert "评分" not in html
    assert SelfReportLink.objects.get().submitted_at is None
    assert not Answer.objects.exists()
    done = client.post(url, {**data, "submit": "confirm_invalid"})
    assert "谢谢您" in done.content.decode()
    assert Score.objects.get().status == "invalid"
    assert SelfReportLink.objects.get().submitted_at is not None
    event = AuditEvent.objects.get(action="instruments.self_report.submitted")
    assert event.context["confirmed_invalid"] is True


def test_the_api_needs_confirm_invalid_to_complete_an_invalid_assessment(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    client = api(alice_worker)
    url = f"/api/v1/assessments/{alice_assessment.pk}/answers/"
    answers = cdrisc_answers(4, 4, 4, 4, 4, None, None, None, None, None)
    refused = client.post(url, **as_json({"answers": answers, "complete": True}))
    assert refused.status_code == 400
    body = refused.json()
    assert body["unanswered"] == [f"item{k}" for k in range(6, 11)]
    assert "confirm" in body["confirm_invalid"][0]
    assert not Answer.objects.exists()
    done = client.post(
        url, **as_json({"answers": answers, "complete": True, "confirm_invalid": True})
    )
    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    assert done.json()["score"]["status"] == "invalid"
