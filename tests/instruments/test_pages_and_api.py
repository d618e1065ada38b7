"""Assessment pages and API: same permissions, same audit, results on the case page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from buoy.access import services as access_services
from buoy.access.models import User
from buoy.cases.models import Case
from buoy.instruments import services
from buoy.instruments.models import Assessment, InstrumentVersion, Timepoint
from tests.conftest import logged_in, raise_safety_alert
from tests.instruments.conftest import cdrisc_answers

pytestmark = pytest.mark.django_db


def api(user: User) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Token {access_services.issue_api_token(actor=None, user=user)}"
    )


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "content_type": "application/json"}


def test_the_worker_starts_and_completes_an_interview_on_the_pages(
    alice_worker: User, alice_case: Case, cdrisc10: InstrumentVersion, baseline: Timepoint
) -> None:
    client = logged_in(alice_worker)
    response = client.post(
        reverse("instruments:assessment_new", args=[alice_case.pk]),
        {
            "caregiver": alice_case.caregivers.get().pk,
            "instrument": cdrisc10.pk,
            "timepoint": baseline.pk,
            "mode": "interview",
        },
    )
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Item 1" in page.content.decode()  # licensed: neutral labels, no wording
    data = {k: str(v) for k, v in cdrisc_answers(2, 2, 2, 2, 2, 2, 2, 2, 2, 2).items()}
    client.post(response["Location"], {**data, "complete": "1"})
    assessment.refresh_from_db()
    assert assessment.status == "completed"
    section = client.get(reverse("instruments:case_section", args=[alice_case.pk]))
    html = section.content.decode()
    assert "<svg" in html
    assert "20.0" in html
    assert "23" in html  # the default norm's mean is named beside the chart


def test_the_ability_profile_shows_before_and_after(
    alice_worker: User,
    alice_case: Case,
    alice_assessment: Assessment,
    post: Timepoint,
    cdrisc10: InstrumentVersion,
) -> None:
    services.record_answers(
        actor=alice_worker,
        assessment=alice_assessment,
        answers=cdrisc_answers(1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
        complete=True,
    )
    later = services.start_assessment(
        actor=alice_worker,
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        instrument_version=cdrisc10,
        timepoint=post,
    )
    services.record_answers(
        actor=alice_worker,
        assessment=later,
        answers=cdrisc_answers(3, 3, 1, 1, 3, 1, 1, 1, 1, 1),
        complete=True,
    )
    context = (
        logged_in(alice_worker)
        .get(reverse("instruments:case_section", args=[alice_case.pk]))
        .context
    )
    profile = {
        row["label"]: (row["before"], row["after"]) for row in context["charts"][0]["profiles"]
    }
    assert (1.0, 3.0) in profile.values()


def test_invalid_answers_on_the_page_are_explained_per_item(
    alice_worker: User, alice_case: Case, alice_assessment: Assessment
) -> None:
    url = reverse("instruments:assessment", args=[alice_case.pk, alice_assessment.pk])
    response = logged_in(alice_worker).post(url, {"item1": "9", "complete": "1"})
    assert response.status_code == 200
    assert "item1" in response.context["form"].errors


def test_instruments_list_in_the_api(alice_worker: User) -> None:
    body = api(alice_worker).get("/api/v1/instruments/").json()
    by_id = {row["id"]: row for row in body["results"]}
    assert by_id["cdrisc10"]["items"] == 10
    assert by_id["cdrisc10"]["licence"] == "licensed"


def test_an_assessment_through_the_api(
    alice_worker: User, alice_case: Case, cdrisc10: InstrumentVersion, baseline: Timepoint
) -> None:
    client = api(alice_worker)
    created = client.post(
        "/api/v1/assessments/",
        **as_json(
            {
                "case": alice_case.pk,
                "caregiver": alice_case.caregivers.get().pk,
                "instrument": "cdrisc10",
                "timepoint": "baseline",
            }
        ),
    )
    assert created.status_code == 201, created.content
    assessment_id = created.json()["id"]
    bad = client.post(
        f"/api/v1/assessments/{assessment_id}/answers/", **as_json({"answers": {"item1": 5}})
    )
    assert bad.status_code == 400
    assert "item1" in bad.json()
    done = client.post(
        f"/api/v1/assessments/{assessment_id}/answers/",
        **as_json({"answers": cdrisc_answers(4, 4, 4, 4, 4, 4, 4, 4, 4, None), "complete": True}),
    )
    assert done.status_code == 200
    assert done.json()["score"]["total"] == pytest.approx(40.0)
    assert done.json()["score"]["status"] == "prorated"
    scores = client.get(f"/api/v1/scores/?case={alice_case.pk}").json()
    assert scores["count"] == 1


@pytest.mark.usefixtures("cdrisc10_test_wording")
def test_a_link_through_the_api(alice_worker: User, alice_assessment: Assessment) -> None:
    response = api(alice_worker).post(f"/api/v1/assessments/{alice_assessment.pk}/link/")
    assert response.status_code == 201
    assert "/r/" in response.json()["url"]
    assert Client().get(response.json()["url"].split("testserver")[1]).status_code == 200


def test_another_wards_worker_gets_404_for_an_assessment(
    dan_other_ward: User, alice_assessment: Assessment
) -> None:
    client = api(dan_other_ward)
    hidden = client.get(f"/api/v1/assessments/{alice_assessment.pk}/")
    missing = client.get("/api/v1/assessments/999999/")
    assert hidden.status_code == missing.status_code == 404


def test_the_score_page_names_the_norms_and_the_us_quartile(
    alice_worker: User, alice_case: Case, alice_assessment: Assessment
) -> None:
    services.record_answers(
        actor=alice_worker,
        assessment=alice_assessment,
        answers=cdrisc_answers(3, 3, 3, 3, 3, 3, 3, 3, 3, 4),
        complete=True,
    )
    url = reverse("instruments:assessment", args=[alice_case.pk, alice_assessment.pk])
    context = logged_in(alice_worker).get(url).context
    norms = context["norms"]
    assert norms[0]["default"] is True
    assert norms[0]["mean"] == 23.0
    assert norms[0]["quartile"] is None  # the Chinese reference publishes no quartiles
    us = next(n for n in norms if n["quartiles"])
    assert us["quartile"] == 2  # 31 is in 30–32


def test_the_caseload_banner_counts_open_alerts(alice_worker: User, alice_case: Case) -> None:
    client = logged_in(alice_worker)
    assert "alert" not in client.get(reverse("instruments:alerts_banner")).content.decode()
    raise_safety_alert(alice_worker, alice_case, item_9=3)
    assert (
        "1 open safety alert" in client.get(reverse("instruments:alerts_banner")).content.decode()
    )
