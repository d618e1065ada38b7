"""Tag each web or API request so audit events know their source address."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from buoy.audit.context import acting_from


class AuditSourceMiddleware:
    """Records REMOTE_ADDR (set by the WSGI server; a proxy must be trusted there, not here)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        with acting_from(request.META.get("REMOTE_ADDR") or None, channel):
            return self.get_response(request)
