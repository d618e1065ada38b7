from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "buoy.plans"
    label = "plans"
    verbose_name = "Plans and casework"
