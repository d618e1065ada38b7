"""The REST API, version 1: every app registers its endpoints here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import DefaultRouter

from buoy.cases import api as cases_api
from buoy.coding import api as coding_api
from buoy.instruments import api as instruments_api
from buoy.plans import api as plans_api

router = DefaultRouter()
router.register("cases", cases_api.CaseViewSet, basename="case")
router.register("caregivers", cases_api.CaregiverViewSet, basename="caregiver")
router.register("children", cases_api.ChildViewSet, basename="child")
router.register("notes", cases_api.NoteViewSet, basename="note")
router.register("instruments", instruments_api.InstrumentViewSet, basename="instrument")
router.register("assessments", instruments_api.AssessmentViewSet, basename="assessment")
router.register("scores", instruments_api.ScoreViewSet, basename="score")
router.register("alerts", instruments_api.AlertViewSet, basename="alert")
router.register("coding/projects", coding_api.ProjectViewSet, basename="coding-project")
router.register("coding/transcripts", coding_api.TranscriptViewSet, basename="coding-transcript")
router.register("coding/segments", coding_api.SegmentViewSet, basename="coding-segment")
# plans: the intervention model (buoy/plans/api/)
router.register("factors", plans_api.FactorViewSet, basename="factor")
router.register("plans", plans_api.PlanViewSet, basename="plan")
router.register("goals", plans_api.GoalViewSet, basename="goal")
router.register("sessions", plans_api.SessionViewSet, basename="session")
router.register("group-sessions", plans_api.GroupSessionViewSet, basename="group-session")
router.register("techniques", plans_api.TechniqueViewSet, basename="technique")
router.register("resources", plans_api.ResourceViewSet, basename="resource")
router.register("referrals", plans_api.ReferralViewSet, basename="referral")

urlpatterns = [
    path("schema/", SpectacularJSONAPIView.as_view(), name="api-schema"),
    path("", include(router.urls)),
]
