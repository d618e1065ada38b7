"""A new password, or a change of an account's active state, shuts out whoever held the old one.

Every path that sets a password (the Users page, `buoy user password`, `buoy manage
changepassword`) ends the user's sessions and revokes their API tokens; deactivating and
reactivating an account does too; `buoy user token --revoke` and the token page revoke keys.
"""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from buoy.access import services
from buoy.access.models import ApiToken, User
from buoy.audit.models import AuditEvent
from buoy.cli import main
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-19"


def api_key(user: User) -> str:
    return services.issue_api_token(actor=None, user=user)


def key_works(key: str) -> bool:
    return Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/").status_code == 200


def session_works(client: Client) -> bool:
    return client.get(reverse("access:tokens")).status_code == 200


def edit_form(account: User, **changes: Any) -> dict[str, Any]:
    form = {
        "username": account.username,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "role": account.role,
        "wards": list(account.wards.values_list("pk", flat=True)),
        "is_active": "on" if account.is_active else "",
        "password": "",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v != ""}


@pytest.fixture
def alice_signed_in(alice_worker: User) -> tuple[Client, str]:
    key = api_key(alice_worker)
    browser = logged_in(alice_worker)
    assert key_works(key)
    assert session_works(browser)
    return browser, key


def test_a_new_password_on_the_users_page_signs_the_user_out_and_revokes_their_tokens(
    alice_worker: User, adam_admin: User, alice_signed_in: tuple[Client, str]
) -> None:
    browser, key = alice_signed_in
    admin = logged_in(adam_admin)
    response = admin.post(
        reverse("access:user_edit", args=[alice_worker.pk]),
        edit_form(alice_worker, password=NEW_PASSWORD),
    )
    assert response.status_code == 302
    assert not key_works(key)
    assert not session_works(browser)
    assert session_works(admin)
    revoked = AuditEvent.objects.get(action="access.token.revoked")
    assert revoked.actor == adam_admin
    assert revoked.context == {
        "tokens": [ApiToken.objects.get().pk],
        "count": 1,
        "because": "password_set",
    }
    assert AuditEvent.objects.filter(action="access.user.signed_out", actor=adam_admin).exists()


def test_an_administrator_changing_their_own_password_stays_signed_in_here_only(
    adam_admin: User,
) -> None:
    here, elsewhere = logged_in(adam_admin), logged_in(adam_admin)
    response = here.post(
        reverse("access:user_edit", args=[adam_admin.pk]),
        edit_form(adam_admin, password=NEW_PASSWORD),
    )
    assert response.status_code == 302
    assert session_works(here)
    assert not session_works(elsewhere)


def test_buoy_user_password_signs_the_user_out_and_revokes_their_tokens(
    alice_worker: User,
    alice_signed_in: tuple[Client, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    browser, key = alice_signed_in
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_PASSWORD + "\n"))
    assert main(["user", "password", "alice_worker", "--password-stdin"]) == 0
    assert "1 API token revoked" in capsys.readouterr().out
    alice_worker.refresh_from_db()
    assert alice_worker.check_password(NEW_PASSWORD)
    assert not key_works(key)
    assert not session_works(browser)
    assert AuditEvent.objects.get(action="access.user.password_set").channel == "cli"


def test_buoy_user_password_refuses_a_weak_password_and_changes_nothing(
    alice_worker: User,
    alice_signed_in: tuple[Client, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    browser, key = alice_signed_in
    monkeypatch.setattr(sys, "stdin", io.StringIO("123\n"))
    assert main(["user", "password", "alice_worker", "--password-stdin"]) == 2
    assert "password" in capsys.readouterr().err
    assert key_works(key)
    assert session_works(browser)


def test_djangos_changepassword_goes_through_the_same_service(
    alice_worker: User, alice_signed_in: tuple[Client, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    browser, key = alice_signed_in
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", "alice_worker", stdout=io.StringIO())
    alice_worker.refresh_from_db()
    assert alice_worker.check_password(NEW_PASSWORD)
    assert not key_works(key)
    assert not session_works(browser)
    assert AuditEvent.objects.get(action="access.user.password_set").channel == "cli"


def test_djangos_changepassword_refuses_a_weak_password(
    alice_worker: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "123")
    with pytest.raises(CommandError, match="unchanged"):
        call_command("changepassword", "alice_worker", stdout=io.StringIO(), stderr=io.StringIO())
    alice_worker.refresh_from_db()
    assert not alice_worker.check_password("123")


def test_a_deactivated_then_reactivated_user_starts_with_no_token_and_no_session(
    alice_worker: User, adam_admin: User, alice_signed_in: tuple[Client, str]
) -> None:
    browser, key = alice_signed_in
    admin = logged_in(adam_admin)
    edit = reverse("access:user_edit", args=[alice_worker.pk])
    assert admin.post(edit, edit_form(alice_worker, is_active="")).status_code == 302
    assert not key_works(key)
    assert not session_works(browser)
    alice_worker.refresh_from_db()
    assert admin.post(edit, edit_form(alice_worker, is_active="on")).status_code == 302
    assert not key_works(key)
    assert not session_works(browser)
    assert not ApiToken.objects.filter(user=alice_worker, revoked_at__isnull=True).exists()
    becauses = [
        e.context["because"]
        for e in AuditEvent.objects.filter(action="access.user.signed_out").order_by("id")
    ]
    assert becauses == ["deactivated", "reactivated"]


def test_reactivation_ends_sessions_and_tokens_that_outlived_an_older_deactivation(
    alice_worker: User, alice_signed_in: tuple[Client, str]
) -> None:
    browser, key = alice_signed_in
    # Deactivated before Buoy ended sessions on deactivation: the session and key were kept.
    User.objects.filter(pk=alice_worker.pk).update(is_active=False)
    alice_worker.refresh_from_db()
    services.update_user(
        actor=None,
        user=alice_worker,
        role=alice_worker.role_enum,
        ward_codes=["ward-a"],
        is_active=True,
        first_name=alice_worker.first_name,
        last_name="",
        email="",
    )
    assert not key_works(key)
    assert not session_works(browser)


def test_no_token_is_made_for_an_inactive_account(
    alice_worker: User, capsys: pytest.CaptureFixture[str]
) -> None:
    User.objects.filter(pk=alice_worker.pk).update(is_active=False)
    assert main(["user", "token", "alice_worker"]) == 2
    assert "not active" in capsys.readouterr().err
    assert not ApiToken.objects.exists()


def test_buoy_user_token_revoke_revokes_every_token_of_the_user(
    alice_worker: User, bob_same_team: User, capsys: pytest.CaptureFixture[str]
) -> None:
    alice_key, bob_key = api_key(alice_worker), api_key(bob_same_team)
    assert main(["user", "token", "--revoke", "alice_worker"]) == 0
    assert "Revoked 1 API token of alice_worker" in capsys.readouterr().out
    assert not key_works(alice_key)
    assert key_works(bob_key)
    event = AuditEvent.objects.get(action="access.token.revoked")
    assert (event.channel, event.context["because"]) == ("cli", "revoked")
    assert main(["user", "token", "--revoke", "alice_worker"]) == 0
    assert "Revoked 0 API tokens" in capsys.readouterr().out


def test_the_token_page_shows_prefix_and_dates_but_never_the_key(
    alice_worker: User, bob_same_team: User
) -> None:
    key = api_key(alice_worker)
    bobs = api_key(bob_same_team)
    assert key_works(key)  # sets "last used"
    page = logged_in(alice_worker).get(reverse("access:tokens"))
    html = page.content.decode()
    assert key[:8] in html
    assert key not in html
    assert bobs[:8] not in html
    token = ApiToken.objects.get(user=alice_worker)
    assert token.last_used_at is not None
    assert list(page.context["tokens"]) == [token]


def test_a_user_revokes_their_own_token_and_nobody_elses(
    alice_worker: User, bob_same_team: User
) -> None:
    alice_key, bob_key = api_key(alice_worker), api_key(bob_same_team)
    bob_token = ApiToken.objects.get(user=bob_same_team)
    alice = logged_in(alice_worker)
    refused = alice.post(reverse("access:token_revoke", args=[bob_token.pk]))
    assert refused.status_code == 404
    assert key_works(bob_key)
    own = ApiToken.objects.get(user=alice_worker)
    assert alice.post(reverse("access:token_revoke", args=[own.pk])).status_code == 302
    assert not key_works(alice_key)
    assert alice.post(reverse("access:token_revoke", args=[own.pk])).status_code == 404
    event = AuditEvent.objects.get(action="access.token.revoked")
    assert (event.actor, event.context) == (
        alice_worker,
        {"tokens": [own.pk], "count": 1, "because": "revoked_by_owner"},
    )


def test_an_administrator_revokes_all_tokens_of_an_account(
    alice_worker: User, adam_admin: User
) -> None:
    key = api_key(alice_worker)
    admin = logged_in(adam_admin)
    page = admin.get(reverse("access:user_edit", args=[alice_worker.pk]))
    assert page.context["live_tokens"] == 1
    response = admin.post(reverse("access:user_tokens_revoke", args=[alice_worker.pk]))
    assert response.status_code == 302
    assert not key_works(key)
    assert AuditEvent.objects.get(action="access.token.revoked").actor == adam_admin


def test_sessions_made_before_any_sign_out_keep_djangos_hash(alice_worker: User) -> None:
    # So that upgrading Buoy (adding session_generation = 0) signs nobody out.
    assert alice_worker.session_generation == 0
    assert alice_worker.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(
        alice_worker
    )
