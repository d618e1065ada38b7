from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "buoy.cases"
    label = "cases"
