from django.urls import path

from buoy.instruments import views

app_name = "instruments"
urlpatterns = [
    path("cases/<int:case_id>/assessments/", views.case_section, name="case_section"),
    path("cases/<int:case_id>/assessments/new/", views.assessment_new, name="assessment_new"),
    path(
        "cases/<int:case_id>/assessments/<int:assessment_id>/", views.assessment, name="assessment"
    ),
    path(
        "cases/<int:case_id>/assessments/<int:assessment_id>/link/", views.link_new, name="link_new"
    ),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/banner/", views.alerts_banner, name="alerts_banner"),
    path("alerts/<int:alert_id>/handle/", views.alert_handle, name="alert_handle"),
    # The administrator's pages: item groups, timepoints and each instrument's wording.
    path("instruments/", views.instrument_list, name="instrument_list"),
    path("instruments/timepoints/", views.timepoints, name="timepoints"),
    path("instruments/timepoints/<slug:timepoint>/", views.timepoint_edit, name="timepoint_edit"),
    path("instruments/<slug:instrument_id>/groups/", views.item_groups, name="item_groups"),
    path(
        "instruments/<slug:instrument_id>/wording/<slug:language>/",
        views.wording,
        name="wording",
    ),
]
