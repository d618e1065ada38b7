"""Password login that refuses locked accounts and counts failures."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from buoy.access import services
from buoy.access.models import User


class LockoutAwareBackend(ModelBackend):
    """ModelBackend (argon2 hashes) plus lock-out after repeated failed logins."""

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
        if user.is_locked():
            services.note_login_refused(user=user)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            services.note_login_succeeded(user=user)
            return user
        services.note_login_failed(user=user)
        return None
