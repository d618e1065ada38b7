"""`/api/v1/referrals/`: a case's referrals to the department's resources, and each step
they take (proposed → made → accepted or declined → completed)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from buoy.core.errors import NotFound
from buoy.plans import selectors, services
from buoy.plans.api._common import (
    DoesCasework,
    IdField,
    ListedRecords,
    id_filter,
    id_parameter,
    parse,
    row_id,
    user_of,
    visible_case,
)
from buoy.plans.models import Referral, ReferralStatus


class ReferralSerializer(serializers.ModelSerializer):
    resource_name = serializers.CharField(source="resource.name", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id", "case", "resource", "resource_name", "status", "proposed_on", "made_on",
            "accepted_on", "declined_on", "completed_on", "outcome", "made_by", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ReferSerializer(serializers.Serializer):
    case = IdField()
    resource = IdField(help_text="A resource the directory offers.")
    proposed_on = serializers.DateField(required=False, help_text="Default: today.")
    outcome = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )


class MoveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=ReferralStatus.choices, help_text="The step reached (never back to proposed)."
    )
    on = serializers.DateField(required=False, help_text="Default: today.")
    outcome = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


@extend_schema(parameters=[id_parameter("case", "Only this case's referrals.")])
class ReferralViewSet(ListedRecords):
    """Referrals of the cases the user may see, newest first. Filter: `case`."""

    serializer_class = ReferralSerializer
    permission_classes = [DoesCasework]
    audit_name = "referral"

    def visible(self) -> Any:
        referrals = selectors.referrals_visible_to(user_of(self.request))
        case = id_filter(self.request, "case")
        if case is not None:
            referrals = referrals.filter(case_id=case)
        return referrals.select_related("resource").order_by("-proposed_on", "-pk")

    def _referral(self, pk: str, *, audit_as: str | None) -> Referral:
        found = row_id(pk)
        if found is None:
            raise NotFound()
        return selectors.get_referral_for(user_of(self.request), found, audit_as=audit_as)

    def retrieve(self, request: Request, pk: str) -> Response:
        """One referral (audited)."""
        return Response(
            ReferralSerializer(self._referral(pk, audit_as="plans.referral.viewed")).data
        )

    @extend_schema(request=ReferSerializer, responses={201: ReferralSerializer})
    def create(self, request: Request) -> Response:
        """Propose a referral of the family to a resource. Refused (400) on `resource` when it
        does not exist or is no longer offered, on `proposed_on` for a day in the future or
        before the case opened."""
        user = user_of(request)
        data = parse(ReferSerializer, request)
        referral = services.refer_case(
            actor=user,
            case=visible_case(user, data["case"]),
            resource=data["resource"],
            proposed_on=data.get("proposed_on"),
            outcome=data["outcome"],
        )
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MoveSerializer, responses={200: ReferralSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        """Move the referral one step: a proposed one is made or declined, a made one accepted
        or declined, an accepted one completed. Refused (400) on `status` for a move its state
        does not allow, on `on` for a day in the future, before the case opened or before the
        previous step."""
        referral = self._referral(pk, audit_as=None)
        data = parse(MoveSerializer, request)
        moved = services.move_referral(
            actor=user_of(request),
            referral=referral,
            status=data["status"],
            on=data.get("on"),
            outcome=data.get("outcome"),
        )
        return Response(ReferralSerializer(moved).data)
