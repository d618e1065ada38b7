"""`/api/v1/factors/`: the factors of strengths–risk maps (one row per factor of one map
version), and the writes of a map, which always make a whole new version."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from buoy.core.errors import NotFound
from buoy.instruments.models import Timepoint
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
from buoy.plans.models import FactorEntry, FactorEvidence, FactorMap


class EvidenceSerializer(serializers.Serializer):
    """One piece of evidence: exactly one of `segment` (a coded passage of the case's
    interviews), `answer` (an assessment answer), `assessment` with `item` (an item of one
    of the case's assessments) or `note` (a case note), each the row's id."""

    segment = IdField(required=False)
    answer = IdField(required=False)
    assessment = IdField(required=False)
    item = serializers.CharField(required=False)
    note = IdField(required=False)


def _evidence(row: FactorEvidence) -> dict[str, Any]:
    if row.segment_id is not None:
        return {"segment": row.segment_id}
    if row.answer_id is not None:
        return {"answer": row.answer_id}
    if row.assessment_id is not None:
        return {"assessment": row.assessment_id, "item": row.item_id}
    return {"note": row.case_note_id}


class FactorSerializer(serializers.ModelSerializer):
    """A factor of one map version, with the version it belongs to (`map`, `map_version`,
    `map_made_at`, `map_confirmed`)."""

    map = serializers.IntegerField(source="factor_map_id", read_only=True)
    case = serializers.IntegerField(source="factor_map.case_id", read_only=True)
    caregiver = serializers.IntegerField(source="factor_map.caregiver_id", read_only=True)
    map_version = serializers.IntegerField(source="factor_map.version", read_only=True)
    map_made_at = serializers.DateTimeField(source="factor_map.made_at", read_only=True)
    map_confirmed = serializers.BooleanField(source="factor_map.is_confirmed", read_only=True)
    code = serializers.CharField(source="code_label", read_only=True)
    rating = serializers.IntegerField(read_only=True, allow_null=True)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = FactorEntry
        fields = [
            "id", "map", "case", "caregiver", "map_version", "map_made_at", "map_confirmed",
            "code", "kind", "level", "status", "rating", "strength", "severity", "note",
            "evidence",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, entry: FactorEntry) -> list[dict[str, Any]]:
        return [_evidence(row) for row in entry.evidence.all()]


class FactorOfMapSerializer(FactorSerializer):
    class Meta(FactorSerializer.Meta):
        fields = ["id", "code", "kind", "level", "status", "rating", "strength", "severity",
                  "note", "evidence"]  # fmt: skip
        read_only_fields = fields


class FactorMapSerializer(serializers.ModelSerializer):
    """One version of a caregiver's map with all its factors."""

    confirmed = serializers.BooleanField(source="is_confirmed", read_only=True)
    factors = FactorOfMapSerializer(source="entries", many=True, read_only=True)

    class Meta:
        model = FactorMap
        fields = [
            "id", "case", "caregiver", "version", "confirmed", "based_on", "codebook_version",
            "note", "made_by", "made_at", "factors",
        ]  # fmt: skip
        read_only_fields = fields


class FactorInSerializer(serializers.Serializer):
    """One factor as the worker assessed it (for the schema; the service checks each)."""

    code = serializers.CharField(help_text="A factor of the casework codebook, e.g. R-ECO-01.")
    status = serializers.ChoiceField(
        choices=["present", "absent", "unknown"], required=False, help_text="Default: present."
    )
    strength = serializers.IntegerField(
        required=False, help_text="1–3: a present protective factor only."
    )
    severity = serializers.IntegerField(required=False, help_text="1–3: a present risk only.")
    note = serializers.CharField(required=False, max_length=500)
    evidence = EvidenceSerializer(many=True, required=False)


@extend_schema_field(FactorInSerializer(many=True))
class FactorsField(serializers.JSONField):
    """The factors of a map as given; `save_factor_map` checks each and names the one it
    refuses (`entries[2].code`, `entries[0].evidence[1]`)."""


class MapSaveSerializer(serializers.Serializer):
    case = IdField()
    caregiver = IdField()
    entries = FactorsField(help_text="Every factor of the new version: a map is saved whole.")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    confirmed = serializers.BooleanField(
        default=True, help_text="false keeps the new version a draft."
    )


class MapDraftSerializer(serializers.Serializer):
    case = IdField()
    caregiver = IdField()
    timepoint = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Timepoint.objects.all(),
        required=False,
        help_text="Only the interviews of this timepoint (e.g. post).",
    )


class MapConfirmSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


def _map_shown(user: Any, factor_map: FactorMap) -> Response:
    """The version just made, with its factors: the service recorded the change, so no view."""
    fresh = selectors.get_factor_map_for(user, factor_map.pk, audit_as=None)
    return Response(FactorMapSerializer(fresh).data, status=status.HTTP_201_CREATED)


@extend_schema(
    parameters=[
        id_parameter("case", "Only factors of this case's maps."),
        id_parameter("caregiver", "Only factors of this caregiver's maps."),
        id_parameter("map", "Only the factors of this map version."),
    ]
)
class FactorViewSet(mixins.RetrieveModelMixin, ListedRecords):
    """The factors of the maps of the cases the user may see, newest version first. Filters:
    `case`, `caregiver`, `map`.

    A map is never edited: `POST maps/` saves the caregiver's whole map as a new version,
    `POST drafts/` proposes a draft from the case's coded interviews, `POST maps/{map_id}/
    confirm/` confirms a draft as it is.
    """

    serializer_class = FactorSerializer
    permission_classes = [DoesCasework]
    audit_name = "factor"

    def visible(self) -> Any:
        user = user_of(self.request)
        entries = FactorEntry.objects.filter(factor_map__in=selectors.factor_maps_visible_to(user))
        case, caregiver, factor_map = (
            id_filter(self.request, name) for name in ("case", "caregiver", "map")
        )
        if case is not None:
            entries = entries.filter(factor_map__case_id=case)
        if caregiver is not None:
            entries = entries.filter(factor_map__caregiver_id=caregiver)
        if factor_map is not None:
            entries = entries.filter(factor_map_id=factor_map)
        return (
            entries.select_related("factor_map")
            .prefetch_related("evidence")
            .order_by(
                "factor_map__case_id",
                "factor_map__caregiver_id",
                "-factor_map__version",
                "kind",
                "code_label",
            )
        )

    def case_of(self, row: Any) -> int:
        return int(row.factor_map.case_id)

    def get_object(self) -> FactorEntry:
        found: Any = self.audited_object()
        return found

    @extend_schema(request=MapSaveSerializer, responses={201: FactorMapSerializer})
    @action(detail=False, methods=["post"], url_path="maps")
    def maps(self, request: Request) -> Response:
        """Save the caregiver's map as a new version: every factor, each with its `status`
        (present, absent, unknown), `strength` (a present protective factor) or `severity`
        (a present risk) 1–3, a `note` and its `evidence`. Refused (400, naming the field:
        `entries[0].code`, `entries[1].severity`, …) for a factor not in the casework codebook
        or listed twice, a bad status or rating, or evidence not of this case."""
        user = user_of(request)
        data = parse(MapSaveSerializer, request)
        case = visible_case(user, data["case"])
        factor_map = services.save_factor_map(
            actor=user,
            case=case,
            caregiver=caregiver_of(case, data["caregiver"]),
            entries=data["entries"],
            note=data["note"],
            confirmed=data["confirmed"],
        )
        return _map_shown(user, factor_map)

    @extend_schema(request=MapDraftSerializer, responses={201: FactorMapSerializer})
    @action(detail=False, methods=["post"], url_path="drafts")
    def drafts(self, request: Request) -> Response:
        """Propose a draft map from the case's coded interviews: each factor coded in the
        caregiver's interviews is proposed present, unrated, with those passages as evidence."""
        user = user_of(request)
        data = parse(MapDraftSerializer, request)
        case = visible_case(user, data["case"])
        factor_map = services.draft_factor_map(
            actor=user,
            case=case,
            caregiver=caregiver_of(case, data["caregiver"]),
            timepoint=data.get("timepoint"),
        )
        return _map_shown(user, factor_map)

    @extend_schema(
        request=MapConfirmSerializer,
        responses={201: FactorMapSerializer},
        parameters=[
            OpenApiParameter(
                "map_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The draft."
            )
        ],
    )
    @action(detail=False, methods=["post"], url_path=r"maps/(?P<map_id>[^/.]+)/confirm")
    def confirm(self, request: Request, map_id: str) -> Response:
        """Confirm the newest draft as it is: a new, confirmed version with its factors."""
        user = user_of(request)
        pk = row_id(map_id)
        if pk is None:
            raise NotFound()
        draft = selectors.get_factor_map_for(user, pk, audit_as=None)
        data = parse(MapConfirmSerializer, request)
        confirmed = services.confirm_factor_map(actor=user, factor_map=draft, note=data.get("note"))
        return _map_shown(user, confirmed)
