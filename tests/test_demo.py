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
