from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_bundled(sender: AppConfig, **kwargs: Any) -> None:
    from buoy.instruments.services import ensure_bundled_instruments

    ensure_bundled_instruments()


class InstrumentsConfig(AppConfig):
    name = "buoy.instruments"
    label = "instruments"

    def ready(self) -> None:
        from buoy.cases.closing import register_closing_check
        from buoy.cases.timeline import register_timeline_source
        from buoy.instruments.selectors import (
            alert_timeline_entries,
            assessment_timeline_entries,
            has_post_assessment,
        )

        # The bundled library and default timepoints are there after every migrate.
        post_migrate.connect(_install_bundled, sender=self)
        # Safety alerts raised and handled appear on the case timeline (cases never imports
        # this app; it draws what its registered sources return).
        register_timeline_source("instruments.alerts", alert_timeline_entries)
        register_timeline_source("instruments.assessments", assessment_timeline_entries)
        # Closing a case expects a post CD-RISC-10, or a recorded reason (ADR 0014).
        register_closing_check(
            "instruments.post_assessment",
            has_post_assessment,
            missing=_(
                "This case has no CD-RISC-10 with a valid score completed at the "
                "post-intervention timepoint or after the baseline."
            ),
        )
