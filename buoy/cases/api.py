"""REST API for cases, caregivers, children and notes.

Every endpoint reads through `selectors` and writes through `services`, so it has exactly the
permissions and the audit trail of the web pages.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from buoy.access.domain.roles import can_see_identifiable_cases
from buoy.access.models import User, Ward
from buoy.audit.services import record
from buoy.cases import selectors, services
from buoy.cases.domain.phases import Phase
from buoy.cases.models import (
    CAREGIVER_FIELDS,
    CHILD_FIELDS,
    Caregiver,
    Case,
    CaseNote,
    Child,
    ClosingReason,
    InsuranceScheme,
    PhaseChoice,
    ReferralSource,
)
from buoy.core.errors import InvalidInput, NotFound


class DoesCasework(permissions.BasePermission):
    """Only roles that see identifiable case data use these endpoints (403 for others)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and can_see_identifiable_cases(user.role_enum))


class ChildSerializer(serializers.ModelSerializer):
    class Meta:
        model = Child
        fields = ["id", "case", *CHILD_FIELDS]
        read_only_fields = ["id", "case"]
        extra_kwargs = {"diagnosis_label": {"required": False}}


class CaregiverSerializer(serializers.ModelSerializer):
    insurance_schemes = serializers.ListField(
        child=serializers.ChoiceField(choices=InsuranceScheme.choices), required=False
    )

    class Meta:
        model = Caregiver
        fields = ["id", "case", *CAREGIVER_FIELDS]
        read_only_fields = ["id"]


class CaseSerializer(serializers.ModelSerializer):
    child = ChildSerializer(read_only=True)
    caregivers: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    assigned_worker_name = serializers.CharField(
        source="assigned_worker.display_name", read_only=True
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "ward",
            "assigned_worker",
            "assigned_worker_name",
            "referral_source",
            "phase",
            "opened_on",
            "closed_on",
            "closing_reason",
            "closed_without_post_reason",
            "child",
            "caregivers",
        ]
        read_only_fields = fields


class CaseOpenSerializer(serializers.Serializer):
    ward = serializers.PrimaryKeyRelatedField(queryset=Ward.objects.all())
    assigned_worker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    referral_source = serializers.ChoiceField(choices=ReferralSource.choices)
    opened_on = serializers.DateField(required=False)
    child = ChildSerializer()
    caregiver = CaregiverSerializer()

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["caregiver"].fields.pop("case")  # type: ignore[attr-defined]
        return fields


class PhaseSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=PhaseChoice.choices)


class CloseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ClosingReason.choices)
    closed_on = serializers.DateField(required=False)
    without_post_assessment_reason = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=True
    )


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "case", "author", "written_at", "body", "corrects"]
        read_only_fields = ["id", "author", "written_at"]


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def _visible_case(request: Request, case: Case) -> Case:
    """A case named in a request body, through the one door; refused as a field error."""
    try:
        return selectors.get_case_for(_user(request), case.pk, audit_as=None)
    except NotFound:
        raise InvalidInput({"case": [_("No such case.")]}) from None


class AuditedRecords(viewsets.GenericViewSet):
    """Lists and single records audited as views, through a selector scoped to the user."""

    permission_classes = [DoesCasework]
    audit_name = ""

    def visible(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return self.visible()

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        serializer = super().get_serializer(*args, **kwargs)
        if not kwargs.get("many"):
            # A case or note the user cannot see is refused exactly like one that does not exist.
            fields: Any = cast(serializers.Serializer, serializer).fields
            user = _user(self.request)
            if "case" in fields and not fields["case"].read_only:
                fields["case"].queryset = selectors.cases_visible_to(user)
            if "corrects" in fields:
                fields["corrects"].queryset = selectors.notes_visible_to(user)
        return serializer

    def get_object(self) -> Any:
        pk = self.kwargs["pk"]
        found = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if found is None:
            raise NotFound()
        # Every answer carries the whole record, so every lookup is a view (PATCH included).
        record(actor=self.request.user, action=f"cases.{self.audit_name}.viewed", subject=found)
        return found

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        records = page if page is not None else list(self.get_queryset())
        record(
            actor=request.user,
            action=f"cases.{self.audit_name}.listed",
            context={"ids": sorted(r.pk for r in records), "count": len(records)},
        )
        data = self.get_serializer(records, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class CaseViewSet(mixins.RetrieveModelMixin, AuditedRecords):
    """Cases the user may see. Filters: `phase`, `ward`, `worker`, `diagnosis`, `q`."""

    serializer_class = CaseSerializer
    audit_name = "case"

    def visible(self) -> QuerySet[Case]:
        params = self.request.query_params
        filters = selectors.CaseloadFilter(
            text=params.get("q", ""),
            phase=params.get("phase", ""),
            diagnosis=params.get("diagnosis", ""),
            worker_id=int(params["worker"]) if params.get("worker", "").isdigit() else None,
            ward_id=int(params["ward"]) if params.get("ward", "").isdigit() else None,
        )
        return selectors.caseload(_user(self.request), filters)

    def get_object(self) -> Case:
        return selectors.get_case_for(_user(self.request), self.kwargs["pk"])

    @extend_schema(request=CaseOpenSerializer, responses={201: CaseSerializer})
    def create(self, request: Request) -> Response:
        """Register a new family: the case, its child and the first caregiver."""
        given = CaseOpenSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        case = services.open_case(
            actor=_user(request),
            ward=data["ward"],
            assigned_worker=data.get("assigned_worker"),
            referral_source=data["referral_source"],
            opened_on=data.get("opened_on"),
            child=data["child"],
            caregiver=data["caregiver"],
        )
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PhaseSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def phase(self, request: Request, pk: str) -> Response:
        """Move the case one step through the casework process."""
        case = selectors.get_case_for(_user(request), pk, audit_as=None)
        given = PhaseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        case = services.move_case_to_phase(
            actor=_user(request), case=case, phase=Phase(given.validated_data["phase"])
        )
        return Response(CaseSerializer(case).data)

    @extend_schema(request=CloseSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """Close the case with a reason; without a post-assessment, say why
        (`without_post_assessment_reason`)."""
        case = selectors.get_case_for(_user(request), pk, audit_as=None)
        given = CloseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        case = services.close_case(
            actor=_user(request),
            case=case,
            reason=given.validated_data["reason"],
            closed_on=given.validated_data.get("closed_on"),
            without_post_assessment_reason=given.validated_data["without_post_assessment_reason"],
        )
        return Response(CaseSerializer(case).data)


class CaregiverViewSet(
    mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, AuditedRecords
):
    """Caregivers of the cases the user may see."""

    serializer_class = CaregiverSerializer
    audit_name = "caregiver"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def visible(self) -> QuerySet[Caregiver]:
        return selectors.caregivers_visible_to(_user(self.request))

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        case = _visible_case(self.request, data.pop("case"))
        serializer.instance = services.add_caregiver(
            actor=_user(self.request), case=case, details=data
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        caregiver: Caregiver = serializer.instance  # type: ignore[assignment]
        data = dict(serializer.validated_data)
        if "case" in data and data.pop("case").pk != caregiver.case_id:
            raise InvalidInput({"case": [_("A caregiver cannot move to another case.")]})
        serializer.instance = services.update_caregiver(
            actor=_user(self.request), caregiver=caregiver, changes=data
        )


class ChildViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, AuditedRecords):
    """Children of the cases the user may see (a child is created with its case)."""

    serializer_class = ChildSerializer
    audit_name = "child"
    http_method_names = ["get", "patch", "head", "options"]

    def visible(self) -> QuerySet[Child]:
        return selectors.children_visible_to(_user(self.request))

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        child: Child = serializer.instance  # type: ignore[assignment]
        serializer.instance = services.update_child(
            actor=_user(self.request), case=child.case, changes=dict(serializer.validated_data)
        )


class NoteViewSet(mixins.RetrieveModelMixin, mixins.CreateModelMixin, AuditedRecords):
    """Notes of the cases the user may see. Filter: `case`. Notes are never edited."""

    serializer_class = NoteSerializer
    audit_name = "note"

    def visible(self) -> QuerySet[CaseNote]:
        notes = selectors.notes_visible_to(_user(self.request))
        case = self.request.query_params.get("case", "")
        return notes.filter(case_id=int(case)) if case.isdigit() else notes

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        case = _visible_case(self.request, data["case"])
        serializer.instance = services.write_note(
            actor=_user(self.request), case=case, body=data["body"], corrects=data.get("corrects")
        )
