"""The demo department: deterministic, synthetic, every phase, real caseloads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from buoy.access.models import User
from buoy.cases.domain.diagnoses import COMMON_DIAGNOSES
from buoy.cases.models import Case, PhaseChoice
from buoy.cases.selectors import cases_visible_to
from buoy.demo.department import demo_passwords, load_demo_department

pytestmark = pytest.mark.django_db


def test_the_demo_department_has_every_role_phase_and_a_real_caseload(tmp_path: Path) -> None:
    result = load_demo_department(tmp_path)
    assert result.cases == Case.objects.count() == 40
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {"worker", "supervisor", "researcher", "admin"}
    for name in ("demo-worker", "demo-supervisor", "demo-researcher", "demo-admin"):
        user = User.objects.get(username=name)
        assert user.check_password(result.passwords[name])
    assert set(Case.objects.values_list("phase", flat=True)) == set(PhaseChoice.values)
    assert cases_visible_to(User.objects.get(username="demo-worker")).count() >= 5
    children = list(Case.objects.values_list("child__full_name", flat=True))
    assert any(re.search(r"[\u4e00-\u9fff]", n) for n in children)
    assert any(re.fullmatch(r"[A-Za-z ]+", n) for n in children)
    codes = set(Case.objects.values_list("child__diagnosis_code", flat=True))
    assert codes <= {d.code for d in COMMON_DIAGNOSES}


def test_loading_twice_adds_no_cases_and_keeps_the_passwords(tmp_path: Path) -> None:
    first = load_demo_department(tmp_path)
    second = load_demo_department(tmp_path)
    assert second.cases == 0
    assert Case.objects.count() == 40
    assert first.passwords == second.passwords == demo_passwords(tmp_path)


def test_the_demo_families_are_the_same_every_time() -> None:
    import datetime as dt
    import random

    from buoy.demo.department import family

    today = dt.date(2026, 11, 25)
    first = [family(random.Random(7), today) for _ in range(3)]
    again = [family(random.Random(7), today) for _ in range(3)]
    assert first == again
    other = family(random.Random(8), today)
    assert other != first[0]


def test_demo_researcher_codes_de_identified_copies_that_name_no_family(tmp_path: Path) -> None:
    from django.test import Client

    from buoy.coding.models import CodedSegment, Project
    from buoy.coding.selectors import identifiers_in_case, names_in_case
    from buoy.demo.department import STUDY
    from tests.coding.test_research_copies_leak_nothing import (
        World,
        readable_text,
        researcher_requests,
        send,
    )

    load_demo_department(tmp_path)
    researcher = User.objects.get(username="demo-researcher")
    study = Project.objects.get(name=STUDY)
    assert study.memberships.filter(user=researcher).exists()
    copies = list(study.transcripts.order_by("pk"))
    assert [copy.is_deidentified for copy in copies] == [True, True]
    assert [copy.title for copy in copies] == [
        "case-1 · 访谈 · 基线（去标识化）",
        "case-2 · interview · Baseline (de-identified)",
    ]
    planted: list[str] = []
    languages = set()
    for copy in copies:
        original = copy.deidentified_from
        assert original is not None
        case = original.case
        assert case is not None
        # the original names the family, in its title and its text, as real interviews do
        for name in (case.child.full_name, case.caregivers.get().full_name):
            assert name in original.title
            assert name in original.text
        assert case.consents.filter(scope="research", withdrawn_on__isnull=True).exists()
        languages.add(case.caregivers.get().preferred_language)
        planted += names_in_case(case) + [text for _kind, text in identifiers_in_case(case)]
        assert CodedSegment.objects.filter(transcript=copy, origin="carried").count() == 6
    assert languages == {"zh-hans", "en"}
    segment = CodedSegment.objects.filter(transcript__in=copies).order_by("pk").first()
    assert segment is not None
    world = World(
        study=study,
        copies=copies,
        planted=planted,
        researcher=researcher,
        worker=User.objects.get(username="demo-worker"),
        segment_id=segment.pk,
        code_ids=[segment.code_id, study.codes.get(label="P-MED-01").pk],
    )
    client = Client()
    client.force_login(researcher)
    leaks = []
    for request in researcher_requests(world):
        text = readable_text(send(client, request))
        leaks += [(request.url, name) for name in planted if name in text]
    assert leaks == []


def test_the_demo_worker_has_one_open_and_one_handled_safety_alert(tmp_path: Path) -> None:
    from buoy.instruments.models import SafetyAlert
    from buoy.instruments.selectors import open_alerts_visible_to

    load_demo_department(tmp_path)
    worker = User.objects.get(username="demo-worker")
    alerts = SafetyAlert.objects.filter(case__in=cases_visible_to(worker)).order_by("id")
    assert [alert.is_handled for alert in alerts] == [False, True]
    handled = alerts[1]
    assert handled.actions == ["caregiver_contacted", "safety_plan_made"]
    assert handled.handled_by == worker
    supervisor = User.objects.get(username="demo-supervisor")
    assert list(open_alerts_visible_to(supervisor)) == [alerts[0]]
