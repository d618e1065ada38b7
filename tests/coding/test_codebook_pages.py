"""The codebook pages: read by everyone who works in the project, changed by its keepers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from buoy.audit.models import AuditEvent
from buoy.coding import services
from buoy.coding.models import Code

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_supervisor_adds_a_code_under_a_category_and_the_version_moves(
    carol_supervisor, casework
):
    parent = casework.codes.get(label="R-CUL")
    response = client_for(carol_supervisor).post(
        reverse("coding:codebook", args=[casework.pk]),
        {
            "parent": parent.pk,
            "label": "R-CUL-03",
            "name_en": "Gendered care expectations",
            "name_zh": "性别化的照护期待",
            "colour": "#C0392B",
            "codable": "on",
        },
    )
    assert response.status_code == 302
    added = casework.codes.get(label="R-CUL-03")
    assert added.parent == parent
    assert added.name_zh == "性别化的照护期待"
    casework.refresh_from_db()
    assert casework.codebook_version == 2
    assert AuditEvent.objects.filter(action="coding.code.added", actor=carol_supervisor).exists()


def test_a_bad_colour_is_refused_with_a_message(carol_supervisor, casework):
    response = client_for(carol_supervisor).post(
        reverse("coding:codebook", args=[casework.pk]), {"name_en": "X", "colour": "green"}
    )
    assert response.status_code == 400
    assert "#RRGGBB" in response.content.decode()
    assert not casework.codes.filter(name_en="X").exists()


def test_a_worker_reads_the_department_codebook_but_cannot_change_it(alice_worker, casework):
    client = client_for(alice_worker)
    page = client.get(reverse("coding:codebook", args=[casework.pk]))
    assert page.status_code == 200
    assert "Active initiative" in page.content.decode()
    assert page.context["may_edit"] is False
    refused = client.post(reverse("coding:codebook", args=[casework.pk]), {"name_en": "Mine"})
    assert refused.status_code == 403
    assert not Code.objects.filter(name_en="Mine").exists()


def test_an_administrator_keeps_the_codebook_and_merges_codes(adam_admin, casework):
    hope = casework.codes.get(label="P-IND-02")
    meaning = casework.codes.get(label="P-IND-03")
    client = client_for(adam_admin)
    assert client.get(reverse("coding:code_edit", args=[hope.pk])).status_code == 200
    response = client.post(
        reverse("coding:code_edit", args=[hope.pk]), {"action": "merge", "into": meaning.pk}
    )
    assert response.status_code == 302
    hope.refresh_from_db()
    assert hope.merged_into == meaning


def test_moving_a_code_under_itself_is_refused(carol_supervisor, casework):
    top = casework.codes.get(label="P")
    below = casework.codes.get(label="P-IND")
    response = client_for(carol_supervisor).post(
        reverse("coding:code_edit", args=[top.pk]), {"action": "move", "parent": below.pk}
    )
    assert response.status_code == 400
    assert "under itself" in response.content.decode()
    top.refresh_from_db()
    assert top.parent is None


def test_a_researcher_edits_her_own_projects_codebook(rita_researcher):
    study = services.start_project(actor=rita_researcher, name="Study")
    code = study.codes.get(label="P-IND-01")
    response = client_for(rita_researcher).post(
        reverse("coding:code_edit", args=[code.pk]),
        {
            "action": "save",
            "name_en": "Taking the initiative",
            "label": "P-IND-01",
            "codable": "on",
        },
    )
    assert response.status_code == 302
    code.refresh_from_db()
    assert code.name_en == "Taking the initiative"
