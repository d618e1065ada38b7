"""Site-wide pages with no domain of their own."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for load balancers; shows nothing about the data."""
    return HttpResponse("ok", content_type="text/plain")
