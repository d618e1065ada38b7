from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "buoy.coding"
    label = "coding"
    verbose_name = "Interviews and coding"
