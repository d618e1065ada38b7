"""The administrator's pages for accounts and wards."""

from __future__ import annotations

import pytest
from django.urls import reverse

from buoy.access.models import User, Ward
from buoy.audit.models import AuditEvent
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_the_administrator_adds_a_worker_to_a_ward(adam_admin: User, ward_a: Ward) -> None:
    response = logged_in(adam_admin).post(
        reverse("access:user_new"),
        {
            "username": "new_worker",
            "role": "worker",
            "wards": [ward_a.pk],
            "is_active": "on",
            "password": "a long passphrase 99",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="new_worker")
    assert list(user.wards.all()) == [ward_a]
    assert user.check_password("a long passphrase 99")


def test_a_duplicate_username_is_explained_and_nothing_is_saved(
    adam_admin: User, alice_worker: User
) -> None:
    response = logged_in(adam_admin).post(
        reverse("access:user_new"),
        {"username": "alice_worker", "role": "worker", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.filter(username="alice_worker").count() == 1


def test_the_administrator_changes_a_role_and_wards(
    adam_admin: User, alice_worker: User, ward_b: Ward
) -> None:
    logged_in(adam_admin).post(
        reverse("access:user_edit", args=[alice_worker.pk]),
        {
            "username": "alice_worker",
            "role": "supervisor",
            "wards": [ward_b.pk],
            "is_active": "on",
            "first_name": "Alice",
        },
    )
    alice_worker.refresh_from_db()
    assert alice_worker.role == "supervisor"
    assert list(alice_worker.wards.all()) == [ward_b]
    event = AuditEvent.objects.get(action="access.user.updated")
    assert set(event.changed_fields) == {"role", "wards"}


def test_an_administrator_cannot_remove_their_own_access(adam_admin: User) -> None:
    response = logged_in(adam_admin).post(
        reverse("access:user_edit", args=[adam_admin.pk]),
        {"username": "adam_admin", "role": "worker", "is_active": "on"},
    )
    assert response.status_code == 200
    adam_admin.refresh_from_db()
    assert adam_admin.role == "admin"


def test_the_administrator_adds_a_ward(adam_admin: User) -> None:
    logged_in(adam_admin).post(reverse("access:wards"), {"code": "picu", "name": "PICU"})
    assert Ward.objects.get(code="picu").name == "PICU"
