from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_techniques(sender: AppConfig, **kwargs: Any) -> None:
    from buoy.plans.services import install_techniques

    install_techniques()


class PlansConfig(AppConfig):
    name = "buoy.plans"
    label = "plans"
    verbose_name = "Plans and casework"

    def ready(self) -> None:
        from buoy.cases.timeline import register_timeline_source
        from buoy.plans.selectors import plan_timeline_entries

        # The shipped technique library is there after every migrate; a technique the
        # department edited is never overwritten (install_techniques).
        post_migrate.connect(_install_techniques, sender=self)
        # Map and plan versions, reviews, sessions, group attendance and referral steps appear
        # on the case timeline (cases never imports this app; ADR 0009).
        register_timeline_source("plans", plan_timeline_entries)
