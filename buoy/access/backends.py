"""Password login that refuses locked accounts and counts failures."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from buoy.access import services
from buoy.access.models import User


class LockoutAwareBackend(ModelBackend):
    """ModelBackend (Argon2 hashes) plus lock-out after repeated failed logins.

    Each attempt is counted before its password is checked, so simultaneous attempts cannot
    check more passwords than `BUOY_LOCKOUT_FAILURES`. An unknown username and a locked
    account cost the same hashing work as a real check, so the time of the answer does not
    tell whether an account exists or is locked. ADR 0012 says why this is not django-axes.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        # Reserve the attempt first: see services.reserve_login_attempt for why.
        attempt = services.reserve_login_attempt(user=user)
        if attempt is None:
            User().set_password(password)  # a locked account answers as slowly as any other
            services.note_login_refused(user=user)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            services.note_login_succeeded(user=user, attempt=attempt)
            return user
        services.note_login_failed(user=user, attempt=attempt)
        return None
