from django.urls import path

from buoy.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("new/", views.case_new, name="new"),
    path("overview/", views.overview, name="overview"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/child/", views.child_edit, name="child_edit"),
    path("<int:case_id>/caregivers/new/", views.caregiver_form, name="caregiver_new"),
    path(
        "<int:case_id>/caregivers/<int:caregiver_id>/", views.caregiver_form, name="caregiver_edit"
    ),
    path("<int:case_id>/costs/", views.costs_new, name="costs_new"),
    path("<int:case_id>/phase/", views.case_phase, name="phase"),
    path("<int:case_id>/close/", views.case_close, name="close"),
    path("<int:case_id>/follow-ups/", views.follow_up_new, name="follow_up_new"),
    path("<int:case_id>/notes/", views.note_new, name="note_new"),
    path("<int:case_id>/consents/new/", views.consent_new, name="consent_new"),
    path(
        "<int:case_id>/consents/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:case_id>/reassign/", views.case_reassign, name="reassign"),
]
