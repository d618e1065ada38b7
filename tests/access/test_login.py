"""Signing in: Argon2 hashes, lock-out after repeated failures, session expiry, CSRF."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def post_login(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("access:login"), {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2_in_production_settings(settings: Any) -> None:
    from buoy.config import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = User(username="x")
    user.set_password("a long enough passphrase")
    assert user.password.startswith("argon2")


def test_a_correct_password_logs_in_and_is_audited(alice_worker: User) -> None:
    client = Client()
    response = post_login(client, "alice_worker", PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="access.login.succeeded", actor=alice_worker).exists()


def test_a_wrong_password_is_refused_with_a_message_that_reveals_nothing(
    alice_worker: User,
) -> None:
    client = Client()
    wrong = post_login(client, "alice_worker", "nope")
    unknown = post_login(client, "nobody_here", "nope")
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].errors == unknown.context["form"].errors
    assert AuditEvent.objects.filter(action="access.login.failed").count() == 1


def test_the_account_locks_after_repeated_failures_even_for_the_right_password(
    alice_worker: User, settings: Any
) -> None:
    client = Client()
    for _ in range(settings.BUOY_LOCKOUT_FAILURES):
        post_login(client, "alice_worker", "wrong password")
    alice_worker.refresh_from_db()
    assert alice_worker.is_locked()
    response = post_login(client, "alice_worker", PASSWORD)
    assert response.status_code == 200  # the form again, not a redirect
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="access.login.locked").count() == 1
    assert AuditEvent.objects.filter(action="access.login.refused_locked").count() == 1


def test_fewer_failures_than_the_limit_do_not_lock(alice_worker: User, settings: Any) -> None:
    client = Client()
    for _ in range(settings.BUOY_LOCKOUT_FAILURES - 1):
        post_login(client, "alice_worker", "wrong password")
    assert post_login(client, "alice_worker", PASSWORD).status_code == 302
    alice_worker.refresh_from_db()
    assert alice_worker.failed_logins == 0


def test_an_administrator_unlocks_an_account(
    alice_worker: User, adam_admin: User, settings: Any
) -> None:
    for _ in range(settings.BUOY_LOCKOUT_FAILURES):
        post_login(Client(), "alice_worker", "wrong password")
    admin = Client()
    admin.force_login(adam_admin)
    admin.post(reverse("access:user_unlock", args=[alice_worker.pk]))
    assert post_login(Client(), "alice_worker", PASSWORD).status_code == 302


def test_sessions_expire_when_idle_and_with_the_browser() -> None:
    assert django_settings.SESSION_COOKIE_AGE <= 60 * 60
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert django_settings.SESSION_COOKIE_HTTPONLY


def test_a_form_post_without_a_csrf_token_is_refused(alice_worker: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = post_login(client, "alice_worker", PASSWORD)
    assert response.status_code == 403


def test_signed_out_visitors_are_sent_to_the_login_page(db: None) -> None:
    response = Client().get(reverse("cases:caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("access:login"))


def test_after_the_lock_runs_out_failures_are_counted_afresh(
    alice_worker: User, settings: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    for _ in range(settings.BUOY_LOCKOUT_FAILURES):
        post_login(Client(), "alice_worker", "wrong password")
    User.objects.filter(pk=alice_worker.pk).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    post_login(Client(), "alice_worker", "one more typo")
    alice_worker.refresh_from_db()
    assert not alice_worker.is_locked()
    assert alice_worker.failed_logins == 1
    assert post_login(Client(), "alice_worker", PASSWORD).status_code == 302


class CountingHasher(MD5PasswordHasher):
    """Counts password checks and bare hashes (the dummy work that hides what was refused)."""

    checks = 0
    hashes = 0

    def verify(self, password: str, encoded: str) -> bool:
        CountingHasher.checks += 1
        CountingHasher.hashes -= 1  # MD5's verify hashes once through encode()
        return super().verify(password, encoded)

    def encode(self, password: str, salt: str, *args: Any, **kwargs: Any) -> str:
        CountingHasher.hashes += 1
        return super().encode(password, salt)


@pytest.fixture
def counting(settings: Any) -> type[CountingHasher]:
    settings.PASSWORD_HASHERS = ["tests.access.test_login.CountingHasher"]
    CountingHasher.checks = CountingHasher.hashes = 0
    return CountingHasher


def test_every_refusal_costs_one_hash_and_a_locked_account_is_never_checked(
    alice_worker: User, settings: Any, counting: type[CountingHasher]
) -> None:
    def work_for(username: str, password: str) -> tuple[int, int]:
        counting.checks = counting.hashes = 0
        post_login(Client(), username, password)
        return counting.checks, counting.hashes

    assert work_for("alice_worker", "wrong password") == (1, 0)  # checked
    assert work_for("nobody_here", "wrong password") == (0, 1)  # no account: a bare hash
    for _ in range(settings.BUOY_LOCKOUT_FAILURES - 1):
        post_login(Client(), "alice_worker", "wrong password")
    alice_worker.refresh_from_db()
    assert alice_worker.is_locked()
    assert work_for("alice_worker", PASSWORD) == (0, 1)  # locked: not checked, same work


def test_the_right_password_on_the_last_permitted_attempt_logs_in_and_leaves_no_lock(
    alice_worker: User, settings: Any
) -> None:
    for _ in range(settings.BUOY_LOCKOUT_FAILURES - 1):
        post_login(Client(), "alice_worker", "wrong password")
    assert post_login(Client(), "alice_worker", PASSWORD).status_code == 302
    alice_worker.refresh_from_db()
    assert (alice_worker.failed_logins, alice_worker.locked_until) == (0, None)


def test_a_lock_out_is_counted_in_the_trail_with_each_attempts_number(
    alice_worker: User, settings: Any
) -> None:
    for _ in range(settings.BUOY_LOCKOUT_FAILURES):
        post_login(Client(), "alice_worker", "wrong password")
    failures = [
        e.context["failures"]
        for e in AuditEvent.objects.filter(action__startswith="access.login.").order_by("id")
    ]
    assert failures == list(range(1, settings.BUOY_LOCKOUT_FAILURES + 1))
    assert AuditEvent.objects.filter(action="access.login.locked").count() == 1
