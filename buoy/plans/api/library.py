"""`/api/v1/techniques/` and `/api/v1/resources/`: the technique library and the resource
directory. Neither names a family, so reading them is not audited; supervisors and
administrators keep them (the services refuse others with 403)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from buoy.access.domain.roles import can_keep_resource_directory, can_keep_technique_library
from buoy.core.errors import Forbidden, InvalidInput, NotFound
from buoy.plans import selectors, services
from buoy.plans.api._common import (
    ReadsResourceDirectory,
    ReadsTechniqueLibrary,
    parse,
    row_id,
    user_of,
)
from buoy.plans.models import Resource, ResourceKind, Technique


def _require(request: Request, rule: Any) -> None:
    """403 before the body is read for those who may read but not keep (the services check
    it again)."""
    if not rule(user_of(request).role_enum):
        raise Forbidden()


class TechniqueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Technique
        fields = [
            "id", "code", "library_version", "origin", "name_en", "name_zh", "description_en",
            "description_zh", "abilities", "factors", "evidence_en", "evidence_zh", "sources",
            "active", "position", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


def _texts(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, **kwargs)


class TechniqueInSerializer(serializers.Serializer):
    """A technique as the department writes it; on a change, only what changes."""

    code = serializers.CharField(
        help_text="A new technique's stable id: lower-case letters and digits joined by "
        "hyphens (family-meeting). Cannot be changed."
    )
    name_en = _texts()
    name_zh = _texts()
    description_en = _texts()
    description_zh = _texts()
    abilities = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="A, B and/or C."
    )
    factors = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Casework codebook factors."
    )
    evidence_en = _texts()
    evidence_zh = _texts()
    sources = serializers.ListField(child=serializers.CharField(), required=False)
    active = serializers.BooleanField(required=False, help_text="Offered to workers.")


class TechniqueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The technique library in its order, offered or not (every role reads it). Filter:
    `active` (true: only what a worker may choose today). A technique is found by its id or
    its stable code (`/techniques/eco-map/`)."""

    serializer_class = TechniqueSerializer
    permission_classes = [ReadsTechniqueLibrary]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = "[-a-z0-9]+"

    def get_queryset(self) -> Any:
        techniques = selectors.techniques_visible_to(user_of(self.request))
        active = self.request.query_params.get("active", "")
        if active in ("true", "1"):
            techniques = techniques.filter(active=True)
        return techniques

    def _technique(self, pk: str) -> Technique:
        if pk.isdigit() and row_id(pk) is None:
            raise NotFound()
        return selectors.get_technique_for(user_of(self.request), pk)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(TechniqueSerializer(self._technique(pk)).data)

    @extend_schema(request=TechniqueInSerializer, responses={201: TechniqueSerializer})
    def create(self, request: Request) -> Response:
        """Add the department's own technique (supervisors and administrators). Both names and
        both descriptions are needed, and at least one ability and one source."""
        _require(request, can_keep_technique_library)
        data = dict(parse(TechniqueInSerializer, request))
        technique = services.add_technique(
            actor=user_of(request), code=data.pop("code"), fields=data
        )
        return Response(TechniqueSerializer(technique).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TechniqueInSerializer, responses={200: TechniqueSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change what is given (supervisors and administrators); `active: false` withdraws
        the technique, which the sessions that used it still name."""
        technique = self._technique(pk)
        _require(request, can_keep_technique_library)
        # `code` given is refused by the service: a technique's id never changes
        data = parse(TechniqueInSerializer, request, partial=True)
        changed = services.update_technique(
            actor=user_of(request), technique=technique, changes=data
        )
        return Response(TechniqueSerializer(changed).data)


class ResourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resource
        fields = ["id", "name", "kind", "contact", "eligibility", "languages", "active",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields


class ResourceInSerializer(serializers.Serializer):
    """An entry of the directory; on a change, only what changes."""

    name = serializers.CharField(allow_blank=True, trim_whitespace=False)
    kind = serializers.ChoiceField(choices=ResourceKind.choices)
    contact = _texts()
    eligibility = _texts()
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    active = serializers.BooleanField(required=False)


class ResourceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The department's resource directory (case staff and its keepers). Filters: `kind`,
    `active` (true: only what a family can be referred to today)."""

    serializer_class = ResourceSerializer
    permission_classes = [ReadsResourceDirectory]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        kind = self.request.query_params.get("kind", "")
        if kind and kind not in ResourceKind.values:
            raise InvalidInput({"kind": [_("Choose a kind of resource from the list.")]})
        return selectors.resources_visible_to(
            user_of(self.request),
            kind=kind,
            offered_only=self.request.query_params.get("active", "") in ("true", "1"),
        )

    def _resource(self, pk: str) -> Resource:
        found = row_id(pk)
        if found is None:
            raise NotFound()
        return selectors.get_resource_for(user_of(self.request), found)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ResourceSerializer(self._resource(pk)).data)

    @extend_schema(request=ResourceInSerializer, responses={201: ResourceSerializer})
    def create(self, request: Request) -> Response:
        """Add an entry (supervisors and administrators)."""
        _require(request, can_keep_resource_directory)
        data = parse(ResourceInSerializer, request)
        resource = services.add_resource(actor=user_of(request), **data)
        return Response(ResourceSerializer(resource).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResourceInSerializer, responses={200: ResourceSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change what is given, or stop offering the entry (`active: false`; referrals made
        to it stay as they were). Supervisors and administrators."""
        resource = self._resource(pk)
        _require(request, can_keep_resource_directory)
        data = parse(ResourceInSerializer, request, partial=True)
        changed = services.update_resource(actor=user_of(request), resource=resource, changes=data)
        return Response(ResourceSerializer(changed).data)
