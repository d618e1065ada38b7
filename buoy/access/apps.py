from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "buoy.access"
    label = "access"
