"""The site's URL map: each app owns its own urls.py; the API lives under /api/v1/."""

from django.urls import include, path
from django.views.i18n import set_language

from buoy.access import views as access_views
from buoy.core import views as core_views
from buoy.instruments import views as instruments_views

urlpatterns = [
    path("", access_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("buoy.access.urls")),
    path("cases/", include("buoy.cases.urls")),
    path("", include("buoy.instruments.urls")),
    path("coding/", include("buoy.coding.urls")),
    path("", include("buoy.plans.urls")),
    # The caregiver's one-time questionnaire link: short, no login, nothing else of Buoy.
    path("r/<str:key>/", instruments_views.self_report, name="self_report"),
    path("audit/", include("buoy.access.audit_urls")),
    path("api/v1/", include("buoy.config.api_urls")),
]
