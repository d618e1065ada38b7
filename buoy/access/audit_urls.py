"""URLs of the audit trail's pages (served by the access app, which knows roles)."""

from django.urls import path

from buoy.access import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_trail, name="events"),
    path("export.csv", views.audit_export, name="export"),
]
