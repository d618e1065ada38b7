"""API plumbing shared by every app: error translation and list pagination."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from buoy.core.errors import Forbidden, InvalidInput, NotFound


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn service errors into 404 / 403 / 400 answers shaped like DRF's own."""
    if isinstance(exc, NotFound):
        exc = Http404()
    elif isinstance(exc, Forbidden):
        exc = PermissionDenied()
    elif isinstance(exc, InvalidInput):
        return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
