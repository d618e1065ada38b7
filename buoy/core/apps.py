from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "buoy.core"
    label = "core"
