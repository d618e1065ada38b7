"""The REST API: token auth, list shape, permissions and audit identical to the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from buoy.access import services as access_services
from buoy.access.models import User, Ward
from buoy.audit.models import AuditEvent
from buoy.cases.models import Case, CaseNote
from tests.conftest import caregiver_details, child_details

pytestmark = pytest.mark.django_db


def api(user: User, scheme: str = "Token") -> Client:
    key = access_services.issue_api_token(actor=None, user=user)
    return Client(HTTP_AUTHORIZATION=f"{scheme} {key}")


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "content_type": "application/json"}


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token"])
def test_both_token_and_bearer_keys_are_accepted(
    scheme: str, alice_worker: User, alice_case: Case
) -> None:
    response = api(alice_worker, scheme).get("/api/v1/cases/")
    assert response.status_code == 200


def test_a_wrong_or_revoked_key_is_refused(alice_worker: User, alice_case: Case) -> None:
    assert Client(HTTP_AUTHORIZATION="Token nope").get("/api/v1/cases/").status_code == 401
    old = access_services.issue_api_token(actor=None, user=alice_worker)
    access_services.issue_api_token(actor=None, user=alice_worker)
    assert Client(HTTP_AUTHORIZATION=f"Token {old}").get("/api/v1/cases/").status_code == 401


def test_tokens_are_stored_as_digests_only(alice_worker: User) -> None:
    key = access_services.issue_api_token(actor=None, user=alice_worker)
    token = alice_worker.api_tokens.get()
    assert key not in (token.digest, token.prefix)
    assert len(token.digest) == 64


def test_a_tokens_last_use_is_written_at_most_once_a_minute(alice_worker: User) -> None:
    import datetime as dt

    from buoy.access.selectors import LAST_USED_PRECISION, user_for_api_key

    key = access_services.issue_api_token(actor=None, user=alice_worker)
    token = alice_worker.api_tokens.get()
    assert user_for_api_key(key) == alice_worker
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    assert user_for_api_key(key) == alice_worker
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: not written again
    earlier = first - LAST_USED_PRECISION - dt.timedelta(seconds=1)
    type(token).objects.filter(pk=token.pk).update(last_used_at=earlier)
    assert user_for_api_key(key) == alice_worker
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_at > earlier + LAST_USED_PRECISION


def test_lists_are_paginated_with_count_next_previous_results(
    alice_worker: User, alice_case: Case
) -> None:
    body = api(alice_worker).get("/api/v1/cases/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    assert body["results"][0]["id"] == alice_case.pk
    assert body["results"][0]["child"]["diagnosis_code"] == "C91.0"


def test_another_wards_worker_gets_404_for_a_case_that_exists(
    dan_other_ward: User, alice_case: Case
) -> None:
    client = api(dan_other_ward)
    hidden = client.get(f"/api/v1/cases/{alice_case.pk}/")
    missing = client.get("/api/v1/cases/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert client.get("/api/v1/cases/").json()["count"] == 0


def test_the_researcher_is_refused_case_data(rita_researcher: User, alice_case: Case) -> None:
    assert api(rita_researcher).get("/api/v1/caregivers/").status_code == 403


def test_a_case_is_opened_through_the_api_with_the_same_service(
    alice_worker: User, ward_a: Ward
) -> None:
    payload = {
        "ward": ward_a.pk,
        "referral_source": "doctor",
        "child": {**child_details(), "date_of_birth": "2018-05-01", "diagnosed_on": "2025-03-02"},
        "caregiver": caregiver_details(),
    }
    response = api(alice_worker).post("/api/v1/cases/", **as_json(payload))
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.assigned_worker == alice_worker
    assert AuditEvent.objects.filter(action="cases.case.opened", channel="api").count() == 1


def test_bad_input_gets_400_with_field_errors_and_saves_nothing(
    alice_worker: User, ward_a: Ward
) -> None:
    payload = {
        "ward": ward_a.pk,
        "referral_source": "doctor",
        "child": {
            **child_details(),
            "date_of_birth": "2018-05-01",
            "diagnosis_code": "xyz",
            "diagnosed_on": None,
        },
        "caregiver": caregiver_details(birth_year=1800),
    }
    response = api(alice_worker).post("/api/v1/cases/", **as_json(payload))
    assert response.status_code == 400
    body = response.json()
    assert "diagnosis_code" in body.get("child", body)
    assert not Case.objects.exists()


def test_malformed_json_gets_400_not_500(alice_worker: User) -> None:
    response = api(alice_worker).post(
        "/api/v1/cases/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_notes_are_written_and_listed_per_case(alice_worker: User, alice_case: Case) -> None:
    client = api(alice_worker)
    created = client.post("/api/v1/notes/", **as_json({"case": alice_case.pk, "body": "Hello"}))
    assert created.status_code == 201
    assert created.json()["author"] == "alice_worker"
    listed = client.get(f"/api/v1/notes/?case={alice_case.pk}").json()
    assert [n["body"] for n in listed["results"]] == ["Hello"]


def test_a_note_for_a_case_you_cannot_see_is_refused_like_a_missing_one(
    bob_same_team: User, alice_case: Case
) -> None:
    client = api(bob_same_team)
    hidden = client.post("/api/v1/notes/", **as_json({"case": alice_case.pk, "body": "x"}))
    missing = client.post("/api/v1/notes/", **as_json({"case": 999999, "body": "x"}))
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["case"][0].replace(str(alice_case.pk), "N") == missing.json()["case"][
        0
    ].replace("999999", "N")
    assert not CaseNote.objects.exists()


def test_a_caregiver_is_added_and_updated(alice_worker: User, alice_case: Case) -> None:
    client = api(alice_worker)
    created = client.post(
        "/api/v1/caregivers/",
        **as_json(
            {
                **caregiver_details(full_name="外婆", relationship="grandmother", birth_year=1958),
                "case": alice_case.pk,
            }
        ),
    )
    assert created.status_code == 201, created.content
    caregiver_id = created.json()["id"]
    patched = client.patch(
        f"/api/v1/caregivers/{caregiver_id}/", **as_json({"employment_change": "reduced"})
    )
    assert patched.status_code == 200
    assert patched.json()["employment_change"] == "reduced"
    assert AuditEvent.objects.filter(action="cases.caregiver.updated").get().changed_fields == [
        "employment_change"
    ]


def test_the_child_is_updated_and_reading_it_is_audited(
    alice_worker: User, alice_case: Case
) -> None:
    client = api(alice_worker)
    child_id = alice_case.child.pk
    assert client.get(f"/api/v1/children/{child_id}/").status_code == 200
    assert AuditEvent.objects.filter(action="cases.child.viewed", subject_id=str(child_id)).exists()
    patched = client.patch(f"/api/v1/children/{child_id}/", **as_json({"prognosis": "guarded"}))
    assert patched.status_code == 200
    assert patched.json()["prognosis"] == "guarded"
    # The PATCH answer shows the whole record again: a view as well as a change.
    assert AuditEvent.objects.filter(action="cases.child.viewed").count() == 2
    assert AuditEvent.objects.filter(action="cases.child.updated").count() == 1


def test_phase_and_close_actions(alice_worker: User, alice_case: Case) -> None:
    client = api(alice_worker)
    moved = client.post(f"/api/v1/cases/{alice_case.pk}/phase/", **as_json({"phase": "assessment"}))
    assert moved.status_code == 200
    assert moved.json()["phase"] == "assessment"
    skipped = client.post(
        f"/api/v1/cases/{alice_case.pk}/phase/", **as_json({"phase": "evaluation"})
    )
    assert skipped.status_code == 400
    assert "phase" in skipped.json()
    refused = client.post(f"/api/v1/cases/{alice_case.pk}/close/", **as_json({"reason": "other"}))
    assert refused.status_code == 400
    assert "without_post_assessment_reason" in refused.json()
    closed = client.post(
        f"/api/v1/cases/{alice_case.pk}/close/",
        **as_json({"reason": "other", "without_post_assessment_reason": "Moved away."}),
    )
    assert closed.status_code == 200
    assert closed.json()["phase"] == "closed"
    assert closed.json()["closed_without_post_reason"] == "Moved away."


def test_the_openapi_schema_needs_a_login(alice_worker: User) -> None:
    assert Client().get("/api/v1/schema/").status_code == 401
    assert Client().get("/api/v1/schema/", HTTP_AUTHORIZATION="Token wrong").status_code == 401
    assert api(alice_worker).get("/api/v1/schema/").status_code == 200
    session = Client()
    session.force_login(alice_worker)
    assert session.get("/api/v1/schema/").status_code == 200


def test_the_openapi_schema_describes_every_endpoint(alice_worker: User) -> None:
    response = api(alice_worker).get("/api/v1/schema/")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/cases/",
        "/api/v1/cases/{id}/",
        "/api/v1/caregivers/",
        "/api/v1/children/{id}/",
        "/api/v1/notes/",
    ):
        assert path in schema["paths"]


def test_api_lists_are_audited_like_the_caseload(alice_worker: User, alice_case: Case) -> None:
    api(alice_worker).get("/api/v1/cases/")
    event = AuditEvent.objects.get(action="cases.case.listed")
    assert event.context["ids"] == [alice_case.pk]
    assert event.channel == "api"


def test_the_schema_generates_without_warnings(db: None) -> None:
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
