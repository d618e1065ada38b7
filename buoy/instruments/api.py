"""REST API for instruments, assessments, answers, scores, self-report links and safety alerts.

Same selectors and services as the pages, so the same permissions and audit.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from buoy.access.models import User
from buoy.cases.api import DoesCasework
from buoy.cases.models import Caregiver, Case
from buoy.cases.selectors import cases_visible_to
from buoy.core.errors import InvalidInput, NotFound
from buoy.instruments import selectors, services
from buoy.instruments.models import (
    Assessment,
    AssessmentMode,
    InstrumentVersion,
    SafetyAlert,
    Score,
    Timepoint,
)


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class InstrumentSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="instrument_id")
    items = serializers.SerializerMethodField()
    licence = serializers.SerializerMethodField()
    wording = serializers.SerializerMethodField()

    class Meta:
        model = InstrumentVersion
        fields = ["id", "version", "name", "items", "licence", "origin", "wording"]

    def get_wording(self, version: InstrumentVersion) -> dict[str, Any]:
        """Per language: whether a caregiver's link can show every item (`complete`), whose
        text it is (`definition`, `bundled` with Buoy, `imported` by the site) and whether a
        shipped one was verified against the rights holder's text."""
        shown = {}
        for language in selectors.WORDING_LANGUAGES:
            found = selectors.wording_in(version, language)
            shown[language] = {
                "complete": found.complete,
                "origin": found.row.origin if found.row else "definition",
                "verified": not found.needs_verification,
            }
        return shown

    def get_items(self, version: InstrumentVersion) -> int:
        return len(version.instrument().scored_items)

    def get_licence(self, version: InstrumentVersion) -> str:
        return version.instrument().licence.status


class InstrumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Instruments in use (current versions). Definitions hold no personal data."""

    serializer_class = InstrumentSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "instrument_id"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_queryset(self) -> QuerySet[InstrumentVersion]:
        return selectors.current_instruments().prefetch_related("wordings")

    @extend_schema(responses={200: dict})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The native definition of the current version (with any imported wording)."""
        from buoy.instruments.domain.definition import instrument_to_dict

        try:
            version = selectors.current_instrument(kwargs["instrument_id"])
        except NotFound:
            raise NotFound() from None
        return Response(
            {"id": version.instrument_id, "definition": instrument_to_dict(version.instrument())}
        )


class ScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Score
        fields = [
            "id",
            "assessment",
            "instrument_id",
            "instrument_version",
            "rule",
            "total",
            "status",
            "error",
            "subscales",
            "profiles",
            "band",
            "scored_at",
        ]


class AssessmentSerializer(serializers.ModelSerializer):
    instrument = serializers.CharField(source="instrument_version.instrument_id", read_only=True)
    instrument_version = serializers.CharField(source="instrument_version.version", read_only=True)
    timepoint = serializers.CharField(source="timepoint.code", read_only=True)
    answers = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "case",
            "caregiver",
            "instrument",
            "instrument_version",
            "timepoint",
            "mode",
            "status",
            "language",
            "created_at",
            "completed_at",
            "answers",
            "score",
        ]

    def get_answers(self, assessment: Assessment) -> dict[str, Any]:
        return selectors.current_answers(assessment)

    def get_score(self, assessment: Assessment) -> dict[str, Any] | None:
        scores = list(assessment.scores.all())
        return dict(ScoreSerializer(scores[0]).data) if scores else None


class AssessmentStartSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    caregiver = serializers.PrimaryKeyRelatedField(queryset=Caregiver.objects.all())
    instrument = serializers.CharField()
    timepoint = serializers.SlugRelatedField(slug_field="code", queryset=Timepoint.objects.all())
    mode = serializers.ChoiceField(choices=AssessmentMode.choices, default=AssessmentMode.INTERVIEW)


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(child=serializers.JSONField(allow_null=True))
    complete = serializers.BooleanField(default=False)
    confirm_invalid = serializers.BooleanField(
        default=False,
        help_text=(
            "With complete: true, complete the assessment even though its score will be "
            "invalid (too few items answered). Without it such a request is refused with 400, "
            "naming the unanswered items in `unanswered`, and nothing is saved."
        ),
    )


class CorrectionSerializer(serializers.Serializer):
    answers = serializers.DictField(child=serializers.JSONField(allow_null=True))
    reason = serializers.CharField()


class LinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField()


class AssessmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Assessments of the cases the user may see. Filter: `case`."""

    serializer_class = AssessmentSerializer
    permission_classes = [DoesCasework]

    def get_queryset(self) -> QuerySet[Assessment]:
        found = selectors.assessments_visible_to(_user(self.request))
        case = self.request.query_params.get("case", "")
        return found.filter(case_id=int(case)) if case.isdigit() else found

    def _get(self, pk: Any) -> Assessment:
        return selectors.get_assessment_for(
            _user(self.request), pk, audit_as="instruments.assessment.viewed"
        )

    def _fresh(self, request: Request, pk: int) -> Response:
        """The assessment as it now stands, answers and current score included."""
        return Response(AssessmentSerializer(selectors.get_assessment_for(_user(request), pk)).data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = page if page is not None else []
        selectors.record_assessments_shown(_user(request), list(rows))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(AssessmentSerializer(self._get(pk)).data)

    @extend_schema(request=AssessmentStartSerializer, responses={201: AssessmentSerializer})
    def create(self, request: Request) -> Response:
        """Start an assessment of a caregiver with an instrument's current version.

        `mode: self_report` is refused (400, on `mode`) when the instrument has no wording in
        the caregiver's language: no link could be sent.
        """
        given = AssessmentStartSerializer(data=request.data)
        given.fields["case"].queryset = cases_visible_to(_user(request))  # type: ignore[attr-defined]
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            version = selectors.current_instrument(data["instrument"])
        except NotFound:
            raise InvalidInput({"instrument": [_("No instrument has this id.")]}) from None
        assessment = services.start_assessment(
            actor=_user(request),
            case=data["case"],
            caregiver=data["caregiver"],
            instrument_version=version,
            timepoint=data["timepoint"],
            mode=data["mode"],
        )
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswersSerializer, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def answers(self, request: Request, pk: str) -> Response:
        """Record answers; `complete: true` finishes and scores the assessment.

        Completing with too few items answered for a valid score is refused (400, with
        `confirm_invalid` and `unanswered`) unless `confirm_invalid: true` is sent too: a
        completed assessment is locked. Nothing is saved when it is refused.
        """
        found = selectors.get_assessment_for(_user(request), pk)
        given = AnswersSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        found = services.record_answers(
            actor=_user(request),
            assessment=found,
            answers=given.validated_data["answers"],
            complete=given.validated_data["complete"],
            confirm_invalid=given.validated_data["confirm_invalid"],
        )
        return self._fresh(request, found.pk)

    @extend_schema(request=CorrectionSerializer, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str) -> Response:
        """Change answers of a completed assessment, with a reason; it is scored again."""
        found = selectors.get_assessment_for(_user(request), pk)
        given = CorrectionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.correct_assessment(
            actor=_user(request),
            assessment=found,
            answers=given.validated_data["answers"],
            reason=given.validated_data["reason"],
        )
        return self._fresh(request, found.pk)

    @extend_schema(request=None, responses={201: LinkSerializer})
    @action(detail=True, methods=["post"])
    def link(self, request: Request, pk: str) -> Response:
        """A one-time self-report link for the caregiver (its key is shown only now).

        Refused (400) when the instrument has no wording in the assessment's language.
        """
        found = selectors.get_assessment_for(_user(request), pk)
        key = services.create_self_report_link(actor=_user(request), assessment=found)
        link = selectors.self_report_link_of(found)
        url = request.build_absolute_uri(reverse("self_report", args=[key]))
        return Response({"url": url, "expires_at": link.expires_at}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"], url_path="fhir")
    def fhir(self, request: Request, pk: str) -> Response:
        """The answers as a FHIR R4 QuestionnaireResponse."""
        found = self._get(pk)
        instrument_id = found.instrument_version.instrument_id
        url = request.build_absolute_uri(f"/api/v1/instruments/{instrument_id}/")
        return Response(selectors.questionnaire_response_of(found, instrument_url=url))


class ScoreViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Current scores of the assessments the user may see. Filter: `case`."""

    serializer_class = ScoreSerializer
    permission_classes = [DoesCasework]

    def get_queryset(self) -> QuerySet[Score]:
        found = selectors.current_scores_visible_to(_user(self.request))
        case = self.request.query_params.get("case", "")
        return found.filter(assessment__case_id=int(case)) if case.isdigit() else found

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = page if page is not None else []
        selectors.record_scores_shown(_user(request), list(rows))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class AlertSerializer(serializers.ModelSerializer):
    instrument = serializers.CharField(
        source="assessment.instrument_version.instrument_id", read_only=True
    )
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = SafetyAlert
        fields = [
            "id",
            "case",
            "assessment",
            "instrument",
            "rule_id",
            "item_id",
            "message",
            "raised_at",
            "is_overdue",
            "handled_at",
            "handled_by",
            "actions",
            "handling_note",
            "handling_recorded_by",
            "handling_recorded_at",
        ]
        read_only_fields = fields


class AlertHandlingSerializer(serializers.Serializer):
    # The service checks the values (and words the refusals); this only reads their shape.
    actions = serializers.ListField(child=serializers.CharField(max_length=40), allow_empty=True)
    handled_at = serializers.DateTimeField(required=False)
    handled_by = serializers.IntegerField(required=False, min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AlertViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Safety alerts on the cases the user may see, open and handled, newest first.

    Filters: `case` (id), `status` (open, overdue or handled). `POST .../handle/` records what
    was done, as the page does, through the same service.
    """

    serializer_class = AlertSerializer
    permission_classes = [DoesCasework]

    def get_queryset(self) -> QuerySet[SafetyAlert]:
        found = selectors.alerts_visible_to(_user(self.request))
        case = self.request.query_params.get("case", "")
        if case.isdigit():
            found = found.filter(case_id=int(case))
        wanted = self.request.query_params.get("status", "")
        if wanted and wanted not in selectors.ALERT_STATUSES:
            choices = ", ".join(selectors.ALERT_STATUSES)
            raise InvalidInput({"status": [_("Use one of: %(choices)s.") % {"choices": choices}]})
        return selectors.alerts_with_status(found, wanted) if wanted else found

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = page if page is not None else []
        selectors.record_alerts_shown(_user(request), list(rows))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        found = selectors.get_alert_for(_user(request), pk, audit_as="instruments.alert.viewed")
        return Response(AlertSerializer(found).data)

    @extend_schema(request=AlertHandlingSerializer, responses={200: AlertSerializer})
    @action(detail=True, methods=["post"])
    def handle(self, request: Request, pk: str) -> Response:
        """Record what was done (`actions`: caregiver_contacted, safety_plan_made,
        referred_mental_health, emergency_services, other), when (`handled_at`, default now),
        by whom (`handled_by`, a user id; default you) and a short `note` (needed for other)."""
        found = selectors.get_alert_for(_user(request), pk)
        given = AlertHandlingSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        handled_by = None
        if "handled_by" in data:
            handled_by = User.objects.filter(pk=data["handled_by"]).first()
            if handled_by is None:
                message = _("Choose a colleague who works on this case.")
                raise InvalidInput({"handled_by": [message]})
        services.handle_alert(
            actor=_user(request),
            alert=found,
            actions=data["actions"],
            handled_at=data.get("handled_at"),
            handled_by=handled_by,
            note=data["note"],
        )
        return Response(AlertSerializer(selectors.get_alert_for(_user(request), pk)).data)
