"""The caregiver's one-time link: no login, expires, single use, saves progress, own language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.instruments import services
from buoy.instruments.models import Assessment, Score, SelfReportLink
from tests.instruments.conftest import cdrisc_answers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cdrisc10_test_wording")]


def form_data(answers: Mapping[str, object], button: str) -> dict[str, object]:
    data: dict[str, object] = {k: "" if v is None else str(v) for k, v in answers.items()}
    data[button] = "1"
    return data


def test_the_link_opens_without_login_in_the_caregivers_language(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    key = services.create_self_report_link(actor=alice_worker, assessment=alice_assessment)
    page = Client().get(reverse("self_report", args=[key]))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "Caseload" not in html
    assert "个案列表" not in html
    assert alice_assessment.case.child.full_name not in html
    assert page["Cache-Control"] == "no-store"
    assert not SelfReportLink.objects.filter(digest=key).exists()  # only the digest is kept


def test_progress_is_saved_and_the_link_is_used_up_on_submit(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    key = services.create_self_report_link(actor=alice_worker, assessment=alice_assessment)
    url = reverse("self_report", args=[key])
    client = Client()
    client.post(
        url, form_data(cdrisc_answers(3, 3, 3, None, None, None, None, None, None, None), "save")
    )
    assessment = Assessment.objects.get(pk=alice_assessment.pk)
    assert assessment.status == "in_progress"
    again = client.get(url)
    assert 'value="3" checked' in again.content.decode().replace("\n", " ") or (
        again.context["form"].initial["item1"] == "3"
    )
    done = client.post(url, form_data(cdrisc_answers(3, 3, 3, 3, 3, 3, 3, 3, 3, 3), "submit"))
    assert done.status_code == 200
    assert Score.objects.get(assessment=alice_assessment).total == 30
    assert Client().get(url).status_code == 404  # single use
    answers = alice_assessment.answers.filter(superseded=False)
    assert {a.channel for a in answers} == {"self_report"}
    assert all(a.entered_by is None for a in answers)
    assert AuditEvent.objects.filter(action="instruments.self_report.submitted").exists()


def test_an_expired_link_shows_a_clear_page_and_saves_nothing(
    alice_worker: User, alice_assessment: Assessment
) -> None:
    key = services.create_self_report_link(
        actor=alice_worker, assessment=alice_assessment, valid_for=dt.timedelta(days=1)
    )
    SelfReportLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = Client().post(
        reverse("self_report", args=[key]),
        form_data(cdrisc_answers(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), "submit"),
    )
    assert response.status_code == 404
    assert "expired" in response.content.decode() or "过期" in response.content.decode()
    assert not alice_assessment.answers.exists()


def test_a_wrong_key_looks_exactly_like_an_expired_one(db: None) -> None:
    response = Client().get(reverse("self_report", args=["not-a-real-key"]))
    assert response.status_code == 404


def test_a_new_link_replaces_the_old_one(alice_worker: User, alice_assessment: Assessment) -> None:
    first = services.create_self_report_link(actor=alice_worker, assessment=alice_assessment)
    services.create_self_report_link(actor=alice_worker, assessment=alice_assessment)
    assert Client().get(reverse("self_report", args=[first])).status_code == 404
