"""The case page and its plans section cost a fixed number of queries, however much casework
a case has: the light and the heavy records of the case-page benchmark
(buoy/bench/casepage_setup.py) are drawn with the same number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from buoy.access.models import User, Ward
from buoy.bench.casepage_setup import HEAVY, LIGHT, give_record
from buoy.cases import services as case_services
from buoy.cases.models import Case
from tests.conftest import caregiver_details, child_details

pytestmark = pytest.mark.django_db


def another_case(worker: User, ward: Ward) -> Case:
    return case_services.open_case(
        actor=worker,
        ward=ward,
        referral_source="doctor",
        child=child_details(full_name="第二个孩子"),
        caregiver=caregiver_details(full_name="第二位母亲"),
    )


@pytest.fixture
def light_and_heavy(
    alice_worker: User, carol_supervisor: User, alice_case: Case, ward_a: Ward
) -> tuple[Case, Case]:
    heavy = another_case(alice_worker, ward_a)
    give_record(alice_case, alice_worker, carol_supervisor, LIGHT, tag="light")
    give_record(heavy, alice_worker, carol_supervisor, HEAVY, tag="heavy")
    return alice_case, heavy


def queries_of(client: Client, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response


@pytest.mark.parametrize("page", ["cases:detail", "plans:case_section"])
def test_a_case_page_costs_the_same_queries_light_or_heavy(
    alice_worker: User, light_and_heavy: tuple[Case, Case], page: str
) -> None:
    light, heavy = light_and_heavy
    client = Client()
    client.force_login(alice_worker)
    client.get(reverse(page, args=[light.pk]))  # sessions, caches and the like warmed up
    light_count, light_page = queries_of(client, reverse(page, args=[light.pk]))
    heavy_count, heavy_page = queries_of(client, reverse(page, args=[heavy.pk]))
    assert heavy_count == light_count
    # the heavy page does draw its longer record, so the count is not low by leaving it out
    assert len(heavy_page.content) > len(light_page.content) + 2_000
