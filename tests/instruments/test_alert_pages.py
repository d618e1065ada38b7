"""The safety alert pages and API: handling an alert, where it goes afterwards, what each page
records in the audit trail, and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from buoy.access import services as access_services
from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.instruments import services
from buoy.instruments.models import SafetyAlert
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def handle_url(alert: SafetyAlert) -> str:
    return reverse("instruments:alert_handle", args=[alert.pk])


def now_field() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "actions": ["caregiver_contacted", "safety_plan_made"],
        "handled_at": now_field(),
        "note": "Mother safe with her sister tonight.",
    }
    data.update(overrides)
    return data


def test_the_handling_form_offers_only_staff_who_may_see_the_case(
    alice_alert: SafetyAlert,
    alice_worker: User,
    bob_same_team: User,
    carol_supervisor: User,
    dan_other_ward: User,
) -> None:
    page = logged_in(alice_worker).get(handle_url(alice_alert))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<option value="{alice_worker.pk}" selected>' in html
    assert f'<option value="{carol_supervisor.pk}">' in html
    assert f'<option value="{bob_same_team.pk}"' not in html
    assert f'<option value="{dan_other_ward.pk}"' not in html
    assert "Caregiver contacted" in html
    assert "Referred to psychiatry or psychology" in html
    assert 'type="datetime-local"' in html


def test_opening_the_handling_form_records_a_view_of_the_case(
    alice_alert: SafetyAlert, alice_worker: User
) -> None:
    logged_in(alice_worker).get(handle_url(alice_alert))
    event = AuditEvent.objects.filter(action="cases.case.viewed").latest("id")
    assert (event.actor, event.subject_id) == (alice_worker, str(alice_alert.case_id))


def test_the_worker_records_what_was_done_and_returns_to_the_case(
    alice_alert: SafetyAlert, alice_worker: User, carol_supervisor: User
) -> None:
    back = reverse("cases:detail", args=[alice_alert.case_id])
    response = logged_in(alice_worker).post(
        handle_url(alice_alert), form(handled_by=carol_supervisor.pk, next=back)
    )
    assert response.status_code == 302
    assert response["Location"] == back
    alice_alert.refresh_from_db()
    assert alice_alert.actions == ["caregiver_contacted", "safety_plan_made"]
    assert (alice_alert.handled_by, alice_alert.handling_recorded_by) == (
        carol_supervisor,
        alice_worker,
    )
    assert alice_alert.handling_note == "Mother safe with her sister tonight."


def test_a_refused_record_names_the_field_and_changes_nothing(
    alice_alert: SafetyAlert, alice_worker: User
) -> None:
    response = logged_in(alice_worker).post(
        handle_url(alice_alert), form(actions=["other"], note="", handled_by=alice_worker.pk)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say in the note what else was done." in html
    assert "Nothing was saved" in html
    alice_alert.refresh_from_db()
    assert alice_alert.handled_at is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"actions": []}, "Tick at least one thing that was done."),
        ({"actions": ["bribe"]}, "Choose what was done from the list."),
        ({"handled_at": ""}, "Say when it was done."),
        ({"handled_at": "yesterday-ish"}, "Give the date and time as YYYY-MM-DD HH:MM."),
        ({"handled_at": "2999-01-01T00:00"}, "cannot be in the future"),
        ({"handled_at": "2000-01-01T00:00"}, "cannot be before the alert was raised"),
        ({"handled_by": "999999"}, "Choose a colleague who works on this case."),
        ({"handled_by": "not-a-number"}, "Choose a colleague who works on this case."),
        ({"note": "n" * 501}, "Keep the note to 500 characters."),
    ],
)
def test_bad_input_on_the_page_is_refused_with_a_clear_message(
    overrides: dict[str, Any], message: str, alice_alert: SafetyAlert, alice_worker: User
) -> None:
    data = form(**{"handled_by": alice_worker.pk, **overrides})
    response = logged_in(alice_worker).post(handle_url(alice_alert), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    alice_alert.refresh_from_db()
    assert alice_alert.handled_at is None


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("carol_supervisor", 302),
        ("bob_same_team", 404),
        ("dan_other_ward", 404),
        ("rita_researcher", 403),
        ("adam_admin", 403),
    ],
)
def test_who_may_record_the_handling_of_alices_alert(
    persona: str, status: int, alice_alert: SafetyAlert, personas: dict[str, User]
) -> None:
    user = personas[persona]
    response = logged_in(user).post(handle_url(alice_alert), form(handled_by=user.pk))
    assert response.status_code == status
    alice_alert.refresh_from_db()
    assert (alice_alert.handled_at is not None) is (status == 302)


def test_an_anonymous_visitor_is_sent_to_the_login(alice_alert: SafetyAlert) -> None:
    response = Client().post(handle_url(alice_alert), form())
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_handled_alert_shows_its_record_and_cannot_be_handled_again(
    alice_alert: SafetyAlert, alice_worker: User, carol_supervisor: User
) -> None:
    services.handle_alert(
        actor=alice_worker, alert=alice_alert, actions=["emergency_services"], note="120 called"
    )
    client = logged_in(carol_supervisor)
    page = client.get(handle_url(alice_alert)).content.decode()
    assert "Emergency services" in page
    assert "120 called" in page
    assert 'name="actions"' not in page
    again = client.post(handle_url(alice_alert), form(handled_by=carol_supervisor.pk))
    assert again.status_code == 400
    assert "already handled by Alice" in again.content.decode()


# --- part 6: `next` stays on this site ------------------------------------------------------


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "http://evil.example",
        "javascript:alert(1)",
        "https:///evil.example",
    ],
)
def test_next_never_sends_the_worker_to_another_site(
    elsewhere: str, alice_alert: SafetyAlert, alice_worker: User
) -> None:
    response = logged_in(alice_worker).post(
        handle_url(alice_alert), form(handled_by=alice_worker.pk, next=elsewhere)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("instruments:alerts")


def test_next_to_a_page_of_this_site_is_followed(
    alice_alert: SafetyAlert, alice_worker: User
) -> None:
    back = reverse("cases:caseload") + "?phase=intake"
    response = logged_in(alice_worker).post(
        handle_url(alice_alert), form(handled_by=alice_worker.pk, next=back)
    )
    assert response["Location"] == back


def test_a_foreign_next_is_not_offered_as_the_back_link(
    alice_alert: SafetyAlert, alice_worker: User
) -> None:
    page = logged_in(alice_worker).get(handle_url(alice_alert), {"next": "https://evil.example/"})
    html = page.content.decode()
    assert 'href="https://evil.example/"' not in html
    assert 'value="https://evil.example/"' not in html
    assert f'href="{reverse("instruments:alerts")}"' in html


# --- the alerts list, the banner and the case's assessment section --------------------------


def test_the_alerts_page_links_to_the_handling_form_and_has_no_one_click_close(
    alice_alert: SafetyAlert, alice_worker: User
) -> None:
    html = logged_in(alice_worker).get(reverse("instruments:alerts")).content.decode()
    assert handle_url(alice_alert) in html
    assert "Mark as handled" not in html
    assert 'method="post"' not in html.split("<main>")[1]


def test_the_alerts_page_records_which_alerts_it_showed(
    alice_alert: SafetyAlert, carol_supervisor: User
) -> None:
    logged_in(carol_supervisor).get(reverse("instruments:alerts"))
    event = AuditEvent.objects.get(action="instruments.alert.listed")
    assert event.actor == carol_supervisor
    assert event.context == {"ids": [alice_alert.pk], "count": 1, "cases": [alice_alert.case_id]}


def test_an_empty_alerts_page_records_that_it_showed_nothing(dan_other_ward: User) -> None:
    logged_in(dan_other_ward).get(reverse("instruments:alerts"))
    event = AuditEvent.objects.get(action="instruments.alert.listed")
    assert event.context == {"ids": [], "count": 0, "cases": []}


def test_the_banner_counts_only_and_records_no_read(
    alice_alert: SafetyAlert, alice_worker: User
) -> None:
    before = AuditEvent.objects.count()
    html = logged_in(alice_worker).get(reverse("instruments:alerts_banner")).content.decode()
    assert "1 open safety alert" in html
    assert alice_alert.case.reference not in html
    assert AuditEvent.objects.count() == before


def test_a_handled_alert_leaves_the_list_and_stays_in_the_case_history(
    alice_alert: SafetyAlert, alice_worker: User
) -> None:
    services.handle_alert(
        actor=alice_worker,
        alert=alice_alert,
        actions=["referred_mental_health", "other"],
        note="Psychology clinic on Tuesday",
    )
    client = logged_in(alice_worker)
    assert (
        alice_alert.case.reference not in client.get(reverse("instruments:alerts")).content.decode()
    )
    section = client.get(reverse("instruments:case_section", args=[alice_alert.case_id]))
    html = section.content.decode()
    history = html.split('id="alert-history"')[1]
    assert "Handled" in history
    assert "Referred to psychiatry or psychology, Other" in history
    assert "Psychology clinic on Tuesday" in history
    assert "Alice" in history
    assert timezone.localtime(alice_alert.raised_at).strftime("%Y-%m-%d %H:%M") in history


def test_the_case_section_records_the_assessments_and_alerts_it_showed(
    alice_alert: SafetyAlert, alice_worker: User
) -> None:
    logged_in(alice_worker).get(reverse("instruments:case_section", args=[alice_alert.case_id]))
    event = AuditEvent.objects.get(action="instruments.assessment.listed")
    assert event.actor == alice_worker
    assert event.subject_id == str(alice_alert.case_id)
    assert event.context == {
        "case": alice_alert.case_id,
        "ids": [alice_alert.assessment_id],
        "count": 1,
        "alerts": [alice_alert.pk],
    }


def test_the_handling_page_is_in_chinese_for_a_chinese_reader(
    alice_alert: SafetyAlert, alice_worker: User
) -> None:
    client = logged_in(alice_worker)
    client.post(reverse("set_language"), {"language": "zh-hans"})
    html = client.get(handle_url(alice_alert)).content.decode()
    assert "已联系照顾者" in html
    assert "记录处理情况" in html


# --- the API ------------------------------------------------------------------------------


def api(user: User) -> Client:
    key = access_services.issue_api_token(actor=None, user=user)
    return Client(headers={"Authorization": f"Token {key}"})


def test_the_api_lists_alerts_of_visible_cases_with_overdue_and_records_the_list(
    alice_alert: SafetyAlert, alice_worker: User, dan_other_ward: User
) -> None:
    body = api(alice_worker).get("/api/v1/alerts/").json()
    (row,) = body["results"]
    assert (row["id"], row["case"], row["is_overdue"], row["handled_at"]) == (
        alice_alert.pk,
        alice_alert.case_id,
        False,
        None,
    )
    event = AuditEvent.objects.filter(action="instruments.alert.listed").latest("id")
    assert event.context["ids"] == [alice_alert.pk]
    assert api(dan_other_ward).get("/api/v1/alerts/").json()["results"] == []


def test_the_api_records_what_was_done(
    alice_alert: SafetyAlert, alice_worker: User, carol_supervisor: User
) -> None:
    response = api(carol_supervisor).post(
        f"/api/v1/alerts/{alice_alert.pk}/handle/",
        {"actions": ["caregiver_contacted"], "handled_by": alice_worker.pk, "note": ""},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["actions"] == ["caregiver_contacted"]
    assert (body["handled_by"], body["handling_recorded_by"]) == (
        alice_worker.pk,
        carol_supervisor.pk,
    )
    handled = api(alice_worker).get("/api/v1/alerts/", {"status": "handled"}).json()
    assert [row["id"] for row in handled["results"]] == [alice_alert.pk]
    assert api(alice_worker).get("/api/v1/alerts/", {"status": "open"}).json()["results"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "actions"),
        ({"actions": []}, "actions"),
        ({"actions": ["other"]}, "note"),
        ({"actions": "caregiver_contacted"}, "actions"),
        ({"actions": ["caregiver_contacted"], "handled_at": "2999-01-01T00:00:00Z"}, "handled_at"),
        ({"actions": ["caregiver_contacted"], "handled_at": "soon"}, "handled_at"),
        ({"actions": ["caregiver_contacted"], "handled_by": 999999}, "handled_by"),
    ],
)
def test_bad_input_to_the_api_gets_a_400_naming_the_field(
    payload: dict[str, Any], field: str, alice_alert: SafetyAlert, alice_worker: User
) -> None:
    response = api(alice_worker).post(
        f"/api/v1/alerts/{alice_alert.pk}/handle/", payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    alice_alert.refresh_from_db()
    assert alice_alert.handled_at is None


def test_an_unknown_status_filter_is_refused(alice_alert: SafetyAlert, alice_worker: User) -> None:
    response = api(alice_worker).get("/api/v1/alerts/", {"status": "urgent"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_a_colleague_without_the_case_gets_404_from_the_api(
    alice_alert: SafetyAlert, bob_same_team: User
) -> None:
    client = api(bob_same_team)
    assert client.get(f"/api/v1/alerts/{alice_alert.pk}/").status_code == 404
    response = client.post(
        f"/api/v1/alerts/{alice_alert.pk}/handle/",
        {"actions": ["caregiver_contacted"]},
        content_type="application/json",
    )
    assert response.status_code == 404
    alice_alert.refresh_from_db()
    assert alice_alert.handled_at is None


def test_reading_one_alert_through_the_api_is_recorded(
    alice_alert: SafetyAlert, alice_worker: User
) -> None:
    assert api(alice_worker).get(f"/api/v1/alerts/{alice_alert.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="instruments.alert.viewed")
    assert event.context == {"case": alice_alert.case_id}
