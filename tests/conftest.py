"""Shared fixtures: the personas every access rule is tested with, and a case of Alice's.

alice_worker   worker on ward A, assigned the case
bob_same_team  worker on ward A, not assigned
carol_supervisor  supervisor of ward A
dan_other_ward worker on ward B
rita_researcher  researcher (no identifiable case data)
adam_admin     administrator (accounts, audit; no case data)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from buoy.access import services as access_services
from buoy.access.domain.roles import Role
from buoy.access.models import User, Ward
from buoy.cases import services as case_services
from buoy.cases.models import Case
from buoy.instruments import services as instrument_services
from buoy.instruments.models import SafetyAlert, Timepoint
from buoy.instruments.selectors import current_instrument

PASSWORD = "correct-horse-battery-7"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2's 100 MB per hash would dominate the suite; test_login checks Argon2 itself."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings: Any) -> None:
    """Tests read static files from the apps; `buoy serve` collects them with a manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def make_user(username: str, role: Role, wards: list[str]) -> User:
    return access_services.add_user(
        actor=None,
        username=username,
        role=role,
        ward_codes=wards,
        password=PASSWORD,
        first_name=username.split("_")[0].title(),
    )


def child_details(**overrides: Any) -> dict[str, Any]:
    details = {
        "full_name": "测试儿童",
        "sex": "female",
        "date_of_birth": dt.date(2018, 5, 1),
        "diagnosis_code": "C91.0",
        "diagnosis_label": "",
        "diagnosed_on": dt.date(2025, 3, 2),
        "treatment_phase": "induction",
        "expected_treatment_months": 30,
        "prognosis": "good",
    }
    details.update(overrides)
    return details


def caregiver_details(**overrides: Any) -> dict[str, Any]:
    details = {
        "full_name": "测试母亲",
        "sex": "female",
        "birth_year": 1988,
        "relationship": "mother",
        "education": "college",
        "employment": "full_time",
        "employment_change": "stopped",
        "income_band": "5k_10k",
        "insurance_schemes": ["resident", "critical_illness"],
        "province": "江苏",
        "residence": "urban",
        "relocated_for_treatment": True,
        "phone": "13800000000",
        "preferred_language": "zh-hans",
    }
    details.update(overrides)
    return details


@pytest.fixture
def ward_a(db: None) -> Ward:
    return access_services.add_ward(actor=None, code="ward-a", name="Ward A")


@pytest.fixture
def ward_b(db: None) -> Ward:
    return access_services.add_ward(actor=None, code="ward-b", name="Ward B")


@pytest.fixture
def alice_worker(ward_a: Ward) -> User:
    return make_user("alice_worker", Role.WORKER, ["ward-a"])


@pytest.fixture
def bob_same_team(ward_a: Ward) -> User:
    return make_user("bob_same_team", Role.WORKER, ["ward-a"])


@pytest.fixture
def carol_supervisor(ward_a: Ward) -> User:
    return make_user("carol_supervisor", Role.SUPERVISOR, ["ward-a"])


@pytest.fixture
def dan_other_ward(ward_b: Ward) -> User:
    return make_user("dan_other_ward", Role.WORKER, ["ward-b"])


@pytest.fixture
def rita_researcher(db: None) -> User:
    return make_user("rita_researcher", Role.RESEARCHER, [])


@pytest.fixture
def adam_admin(db: None) -> User:
    return make_user("adam_admin", Role.ADMIN, [])


@pytest.fixture
def personas(
    alice_worker: User,
    bob_same_team: User,
    carol_supervisor: User,
    dan_other_ward: User,
    rita_researcher: User,
    adam_admin: User,
) -> dict[str, User]:
    return {
        "alice_worker": alice_worker,
        "bob_same_team": bob_same_team,
        "carol_supervisor": carol_supervisor,
        "dan_other_ward": dan_other_ward,
        "rita_researcher": rita_researcher,
        "adam_admin": adam_admin,
    }


@pytest.fixture
def alice_case(alice_worker: User, ward_a: Ward) -> Case:
    return case_services.open_case(
        actor=alice_worker,
        ward=ward_a,
        referral_source="doctor",
        child=child_details(),
        caregiver=caregiver_details(),
    )


def raise_safety_alert(
    worker: User, case: Case, *, timepoint: str = "baseline", item_9: int = 2
) -> SafetyAlert:
    """The caregiver's PHQ-9, item 9 answered `item_9` (above 0), completed: one safety alert."""
    phq9 = current_instrument("phq9")
    assessment = instrument_services.start_assessment(
        actor=worker,
        case=case,
        caregiver=case.caregivers.get(),
        instrument_version=phq9,
        timepoint=Timepoint.objects.get(code=timepoint),
    )
    answers = {item.id: 0 for item in phq9.instrument().scored_items}
    answers[phq9.instrument().safety_rules[0].item] = item_9
    instrument_services.record_answers(
        actor=worker, assessment=assessment, answers=answers, complete=True
    )
    return SafetyAlert.objects.get(assessment=assessment)


@pytest.fixture
def alice_alert(alice_worker: User, alice_case: Case) -> SafetyAlert:
    """An open safety alert on Alice's case: its baseline PHQ-9 has item 9 answered 2."""
    return raise_safety_alert(alice_worker, alice_case)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
