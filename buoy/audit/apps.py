from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "buoy.audit"
    label = "audit"
