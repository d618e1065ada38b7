"""`collectstatic` that first makes the data folder, so STATIC_ROOT's parent is owner-only.

Django would make BUOY_HOME/static with the umask's mode, BUOY_HOME included; Buoy makes a
missing BUOY_HOME with mode 0700 (docs/deployment.md). `buoy.core` is listed before
`django.contrib.staticfiles` in INSTALLED_APPS so that this command replaces Django's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles.management.commands import collectstatic

from buoy.core.domain.data_folder import ensure_data_folder


class Command(collectstatic.Command):
    """Django's collectstatic, run after the data folder exists."""

    def handle(self, **options: Any) -> str | None:
        ensure_data_folder(settings.BUOY_HOME)  # STATIC_ROOT is BUOY_HOME/static
        return super().handle(**options)
