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
        # The bundled library and default timepoints are there after every migrate.
        post_migrate.connect(_install_bundled, sender=self)
