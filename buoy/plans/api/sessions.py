"""`/api/v1/sessions/` and `/api/v1/group-sessions/`: sessions with a family, and support
group meetings with the attendance of the cases the user may see."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from buoy.access.models import User
from buoy.core.errors import InvalidInput, NotFound
from buoy.plans import selectors, services
from buoy.plans.api._common import (
    DoesCasework,
    IdField,
    ListedRecords,
    caregiver_of,
    id_filter,
    id_parameter,
    parse,
    row_id,
    user_of,
    visible_case,
)
from buoy.plans.models import FamilyRole, GroupAttendance, GroupSession, Session, SessionMode


class SessionSerializer(serializers.ModelSerializer):
    """A session: who took part (caregivers of the case by id, other family members by role),
    the techniques used (ids), the goals addressed (ids), distress before and after (0–10)."""

    caregivers: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    techniques: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    goals: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    family_members = serializers.ListField(
        child=serializers.ChoiceField(choices=FamilyRole.choices), read_only=True
    )

    class Meta:
        model = Session
        fields = [
            "id", "case", "held_on", "minutes", "mode", "caregivers", "family_members",
            "techniques", "goals", "notes", "homework", "distress_before", "distress_after",
            "next_steps", "next_session_on", "recorded_by", "recorded_at",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema_field(
    {
        "type": "array",
        "items": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
        "description": "Techniques by id or by their stable code (eco-map); each one the "
        "library offers today.",
    }
)
class TechniquesField(serializers.JSONField):
    """Techniques as given, checked by the service (`techniques`)."""


def _text() -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )


def _distress() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="0 (none) to 10 (the worst)."
    )


class SessionRecordSerializer(serializers.Serializer):
    case = IdField()
    held_on = serializers.DateField(help_text="Not in the future, not before the case opened.")
    minutes = serializers.IntegerField(help_text="1 to 600.")
    mode = serializers.ChoiceField(choices=SessionMode.choices)
    caregivers = serializers.ListField(child=IdField(), required=False, default=list)
    family_members = serializers.ListField(
        child=serializers.ChoiceField(choices=FamilyRole.choices), required=False, default=list
    )
    techniques = TechniquesField(required=False)
    goals = serializers.ListField(
        child=IdField(), required=False, default=list, help_text="Goals of this case's plans."
    )
    notes = _text()
    homework = _text()
    distress_before = _distress()
    distress_after = _distress()
    next_steps = _text()
    next_session_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The day agreed for the next session; not before this one (the today page).",
    )


@extend_schema(parameters=[id_parameter("case", "Only this case's sessions.")])
class SessionViewSet(ListedRecords):
    """Sessions of the cases the user may see, newest first. Filter: `case`."""

    serializer_class = SessionSerializer
    permission_classes = [DoesCasework]
    audit_name = "session"

    def visible(self) -> Any:
        sessions = selectors.sessions_visible_to(user_of(self.request))
        case = id_filter(self.request, "case")
        if case is not None:
            sessions = sessions.filter(case_id=case)
        return sessions.prefetch_related("caregivers", "techniques", "goals").order_by(
            "-held_on", "-pk"
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        """One session (audited)."""
        if row_id(pk) is None:
            raise NotFound()
        return Response(SessionSerializer(selectors.get_session_for(user_of(request), pk)).data)

    @extend_schema(request=SessionRecordSerializer, responses={201: SessionSerializer})
    def create(self, request: Request) -> Response:
        """Record a session. Refused (400, naming the field) for a day in the future or before
        the case opened (`held_on`), a length outside 1–600 minutes, nobody taking part, a
        caregiver of another case, a technique the library lacks or no longer offers
        (`techniques`), a goal not of this case's plans, distress outside 0–10, or a next
        session planned before this one (`next_session_on`)."""
        user = user_of(request)
        data = dict(parse(SessionRecordSerializer, request))
        case = visible_case(user, data.pop("case"))
        session = services.record_session(actor=user, case=case, **data)
        fresh = selectors.get_session_for(user, session.pk, audit_as=None)
        return Response(SessionSerializer(fresh).data, status=status.HTTP_201_CREATED)


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = GroupAttendance
        fields = ["id", "case", "caregiver", "attended", "recorded_by", "recorded_at"]
        read_only_fields = fields


class GroupSessionSerializer(serializers.ModelSerializer):
    """A support group meeting; it names no family."""

    techniques: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = GroupSession
        fields = ["id", "held_on", "minutes", "topic", "techniques", "facilitator", "recorded_at"]
        read_only_fields = fields


class GroupSessionDetailSerializer(GroupSessionSerializer):
    attendance = serializers.SerializerMethodField()

    class Meta(GroupSessionSerializer.Meta):
        fields = [*GroupSessionSerializer.Meta.fields, "attendance"]
        read_only_fields = fields

    @extend_schema_field(AttendanceSerializer(many=True))
    def get_attendance(self, group: GroupSession) -> list[dict[str, Any]]:
        shown = self.context["attendance"]
        return list(AttendanceSerializer(shown, many=True).data)


class GroupSessionRecordSerializer(serializers.Serializer):
    held_on = serializers.DateField(help_text="Not in the future.")
    minutes = serializers.IntegerField(help_text="1 to 600.")
    topic = _text()
    techniques = TechniquesField(required=False)
    facilitator = IdField(required=False, help_text="A colleague's user id; default: you.")


class AttendanceRecordSerializer(serializers.Serializer):
    case = IdField()
    caregiver = IdField()
    attended = serializers.BooleanField(default=True)


class GroupSessionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Support group meetings, for case staff, newest first. A meeting's detail lists the
    attendance of the cases the user may see only (audited); `attendance/` records whether a
    caregiver of one of them attended (again: the new answer replaces the old)."""

    serializer_class = GroupSessionSerializer
    permission_classes = [DoesCasework]
    # the URL names the meeting `group_session_id`, as the pages do
    lookup_url_kwarg = "group_session_id"

    def get_queryset(self) -> Any:
        return selectors.group_sessions_visible_to(user_of(self.request)).order_by(
            "-held_on", "-pk"
        )

    def _group(self, pk: str) -> GroupSession:
        found = row_id(pk)
        if found is None:
            raise NotFound()
        return selectors.get_group_session_for(user_of(self.request), found)

    def _detail(self, group: GroupSession, *, code: int = status.HTTP_200_OK) -> Response:
        attendance = selectors.group_attendance_of(user_of(self.request), group)
        data = GroupSessionDetailSerializer(group, context={"attendance": attendance}).data
        return Response(data, status=code)

    @extend_schema(responses={200: GroupSessionDetailSerializer})
    def retrieve(self, request: Request, group_session_id: str) -> Response:
        """The meeting with the attendance of the cases the user may see (audited)."""
        return self._detail(self._group(group_session_id))

    @extend_schema(request=GroupSessionRecordSerializer, responses={201: GroupSessionSerializer})
    def create(self, request: Request) -> Response:
        """Record a meeting. Refused (400) for a day in the future, a length outside 1–600
        minutes, a technique not offered, a facilitator who is not case staff."""
        user = user_of(request)
        data = dict(parse(GroupSessionRecordSerializer, request))
        facilitator = None
        if "facilitator" in data:
            facilitator = User.objects.filter(pk=data.pop("facilitator"), is_active=True).first()
            if facilitator is None:
                raise InvalidInput({"facilitator": [_("Choose a social worker or supervisor.")]})
        group = services.record_group_session(actor=user, facilitator=facilitator, **data)
        fresh = selectors.get_group_session_for(user, group.pk)
        return Response(GroupSessionSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AttendanceRecordSerializer, responses={200: GroupSessionDetailSerializer}
    )
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, group_session_id: str) -> Response:
        """Record whether a caregiver of a case attended; answers with the meeting and the
        attendance the user may see."""
        user = user_of(request)
        group = self._group(group_session_id)
        data = parse(AttendanceRecordSerializer, request)
        case = visible_case(user, data["case"])
        services.record_group_attendance(
            actor=user,
            group_session=group,
            case=case,
            caregiver=caregiver_of(case, data["caregiver"]),
            attended=data["attended"],
        )
        return self._detail(group)
