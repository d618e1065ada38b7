"""No browser or proxy keeps a page, an API answer or an export: `Cache-Control: no-store`.

Static files served by WhiteNoise keep their own caching: they hold no personal data.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from buoy.access.models import User
from buoy.cases.models import Case
from tests.conftest import logged_in
from tests.test_authorization_matrix import EXPECTED, url_for, walk, world  # noqa: F401

pytestmark = pytest.mark.django_db


def assert_not_stored(response: Any) -> None:
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")


def test_a_case_page_is_not_stored(alice_worker: User, alice_case: Case) -> None:
    assert_not_stored(logged_in(alice_worker).get(reverse("cases:detail", args=[alice_case.pk])))


def test_an_api_answer_is_not_stored(alice_worker: User, alice_case: Case) -> None:
    response = logged_in(alice_worker).get("/api/v1/cases/")
    assert response.status_code == 200
    assert_not_stored(response)


def test_the_audit_export_is_not_stored(adam_admin: User, alice_case: Case) -> None:
    response = logged_in(adam_admin).get(reverse("audit:export"))
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert next(csv.reader(io.StringIO(body)))[0] == "id"
    assert_not_stored(response)


def test_refusals_and_redirects_are_not_stored_either(db: None) -> None:
    assert_not_stored(Client().get(reverse("cases:caseload")))  # 302 to the login page
    assert_not_stored(Client().get("/api/v1/cases/"))  # 401
    assert_not_stored(Client().get("/no/such/page/"))  # 404


def test_the_caregivers_link_page_is_not_stored(alice_worker: User) -> None:
    response = Client().get(reverse("self_report", args=["not-a-key"]))
    assert response["Cache-Control"] == "no-store"


def test_static_files_keep_their_caching(settings: Any) -> None:
    settings.WHITENOISE_USE_FINDERS = True  # read before the test client builds its middleware
    response = Client().get("/static/buoy/buoy.css")
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert "max-age" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["alice_worker", "rita_researcher", "adam_admin", "anonymous"])
def test_every_route_answers_with_no_store(
    persona: str,
    personas: dict[str, User],
    world: dict[str, Any],  # noqa: F811
) -> None:
    patterns = dict(walk(get_resolver().url_patterns))
    stored = []
    for name, (method, data, _expected) in sorted(EXPECTED.items()):
        client = Client()
        if persona != "anonymous":
            client.force_login(personas[persona])
        response = getattr(client, method)(url_for(name, patterns[name], world), data)
        if "no-store" not in response.get("Cache-Control", ""):
            stored.append(f"{name}: {response.status_code} {response.get('Cache-Control')}")
    assert stored == []
