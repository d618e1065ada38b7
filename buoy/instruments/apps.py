from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_bundled(sender: AppConfig, **kwargs: Any) -> None:
    from buoy.instruments.services import ensure_bundled_instruments

    ensure_bundled_instruments()


class InstrumentsConfig(AppConfig):
    name = "buoy.instruments"
    label = "instruments"

    def ready(self) -> None:
        from buoy.cases.timeline import register_timeline_source
        from buoy.instruments.selectors import alert_timeline_entries

        # The bundled library and default timepoints are there after every migrate.
        post_migrate.connect(_install_bundled, sender=self)
        # Safety alerts raised and handled appear on the case timeline (cases never imports
        # this app; it draws what its registered sources return).
        register_timeline_source("instruments.alerts", alert_timeline_entries)
