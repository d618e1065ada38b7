"""Tag each web or API request so audit events know their source address."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from buoy.audit.context import acting_from


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a trusted proxy the X-Forwarded-For hop
    nearest to it that is not itself a trusted proxy (earlier hops can be forged)."""
    address = request.META.get("REMOTE_ADDR") or None
    trusted = set(settings.BUOY_TRUSTED_PROXIES)
    if address not in trusted:
        return address
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(hops):
        if hop in trusted:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            break  # a malformed hop: trust nothing before it
    return address


class AuditSourceMiddleware:
    """Tags the request with the client's address and channel for every audit event."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        with acting_from(client_address(request), channel):
            return self.get_response(request)
