"""The one place web views check a user's role: `role_allows(rule)`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from buoy.access.domain.roles import Role

View = Callable[..., HttpResponseBase]


def role_allows(rule: Callable[[Role], bool]) -> Callable[[View], View]:
    """Let the view run only for signed-in users whose role passes `rule`; others get 403."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not rule(request.user.role_enum):  # type: ignore[union-attr]
                raise PermissionDenied()
            return view(request, *args, **kwargs)

        guarded.role_rule = rule  # type: ignore[attr-defined]
        return guarded

    return decorate
