"""`/api/v1/plans/` and `/api/v1/goals/`: case plan versions with their GAS goals, reviews
and T-scores; every change makes a new version, as on the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

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
from buoy.plans.models import CasePlan, Goal
from buoy.plans.selectors import GoalDetail, PlanDetail, ReviewDetail


class PlanSerializer(serializers.ModelSerializer):
    """A plan version as a list shows it: `in_force` is false once a later version replaces
    it."""

    in_force = serializers.SerializerMethodField()
    goal_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = CasePlan
        fields = [
            "id", "case", "caregiver", "version", "in_force", "replaces", "planned_sessions",
            "agreed_on", "note", "made_by", "made_at", "goal_count",
        ]  # fmt: skip
        read_only_fields = fields

    def get_in_force(self, plan: CasePlan) -> bool:
        return not hasattr(plan, "replaced_by")


class GoalDetailSerializer(serializers.Serializer):
    """A goal of the plan: `levels` are the five texts, −2 … +2; `baseline_level` the level at
    the start; `current_level` the latest reviewed level (null before a review)."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    ability = serializers.CharField(
        source="goal.ability", help_text="A, B or C; empty for a factor."
    )
    factor = serializers.IntegerField(source="goal.factor_id", allow_null=True)
    factor_code = serializers.SerializerMethodField()
    weight = serializers.FloatField()
    baseline_level = serializers.IntegerField()
    current_level = serializers.IntegerField(allow_null=True)
    levels = serializers.ListField(child=serializers.CharField(), min_length=5, max_length=5)
    carried_from = serializers.IntegerField(source="goal.carried_from_id", allow_null=True)
    suggestion_key = serializers.CharField(source="goal.suggestion_key")

    def get_factor_code(self, detail: GoalDetail) -> str | None:
        factor = detail.goal.factor
        return None if factor is None else factor.code_label


class ReviewDetailSerializer(serializers.Serializer):
    """A review of this version: the level each goal reviewed reached (goal id → level) and the
    T over the goals it scored (null when none with a weight above 0)."""

    id = serializers.IntegerField(source="review.pk")
    reviewed_on = serializers.DateField(source="review.reviewed_on")
    reviewed_by = serializers.IntegerField(source="review.reviewed_by_id")
    note = serializers.CharField(source="review.note")
    levels = serializers.SerializerMethodField()
    t = serializers.SerializerMethodField()

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}})
    def get_levels(self, detail: ReviewDetail) -> dict[str, int]:
        return {str(goal): level for goal, level in detail.levels.items()}

    def get_t(self, detail: ReviewDetail) -> float | None:
        return None if detail.t is None else detail.t.t


class GasSerializer(serializers.Serializer):
    rho = serializers.FloatField()
    t_baseline = serializers.FloatField(allow_null=True)
    t_current = serializers.FloatField(allow_null=True)
    goals_scored = serializers.IntegerField()


class PlanDetailSerializer(serializers.Serializer):
    """A plan version with its goals, reviews (oldest first) and GAS summary (Kiresuk &
    Sherman, ρ = 0.3): `gas.t_baseline` at the start, `gas.t_current` at the latest review,
    `gas_change` the difference when both score the same goals."""

    id = serializers.IntegerField(source="plan.pk")
    case = serializers.IntegerField(source="plan.case_id")
    caregiver = serializers.IntegerField(source="plan.caregiver_id")
    version = serializers.IntegerField(source="plan.version")
    in_force = serializers.SerializerMethodField()
    replaces = serializers.IntegerField(source="plan.replaces_id", allow_null=True)
    planned_sessions = serializers.IntegerField(source="plan.planned_sessions", allow_null=True)
    agreed_on = serializers.DateField(source="plan.agreed_on", allow_null=True)
    note = serializers.CharField(source="plan.note")
    made_by = serializers.IntegerField(source="plan.made_by_id")
    made_at = serializers.DateTimeField(source="plan.made_at")
    goals = GoalDetailSerializer(many=True)
    reviews = ReviewDetailSerializer(many=True)
    gas = GasSerializer()
    gas_change = serializers.FloatField(allow_null=True)

    def get_in_force(self, detail: PlanDetail) -> bool:
        return not hasattr(detail.plan, "replaced_by")


class GoalInSerializer(serializers.Serializer):
    """One goal as given (for the schema; the service checks each and names the one it
    refuses, `goals[1].weight`)."""

    text = serializers.CharField(help_text="In the caregiver's own words.")
    ability = serializers.ChoiceField(
        choices=["A", "B", "C"], required=False, help_text="Or `factor`, not both."
    )
    factor = IdField(required=False, help_text="A factor (id) of this caregiver's map.")
    levels = serializers.ListField(
        child=serializers.CharField(), min_length=5, max_length=5, help_text="−2 … +2."
    )
    weight = serializers.FloatField(required=False, min_value=0, help_text="Default 1.")
    start_level = serializers.ChoiceField(choices=[-1, -2], required=False)
    carried_from = IdField(required=False, help_text="Revise only: this goal in the old version.")
    suggestion_key = serializers.CharField(required=False)


@extend_schema_field(GoalInSerializer(many=True))
class GoalsField(serializers.JSONField):
    """The goals as given, checked by the service."""


class PlanMakeSerializer(serializers.Serializer):
    case = IdField()
    caregiver = IdField()
    goals = GoalsField(required=False)
    planned_sessions = serializers.IntegerField(required=False, allow_null=True, default=None)
    agreed_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )


class PlanReviseSerializer(serializers.Serializer):
    goals = GoalsField(required=False, help_text="All goals of the new version.")
    planned_sessions = serializers.IntegerField(required=False, allow_null=True)
    agreed_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class ReviewSerializer(serializers.Serializer):
    levels = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text="Goal id → the level it reached, −2 … +2; goals left out are not scored.",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    reviewed_on = serializers.DateField(required=False, help_text="Default: today.")


def _detail(user: Any, plan: CasePlan, *, code: int = status.HTTP_200_OK) -> Response:
    """The version just made or reviewed: the service recorded the change, so no view."""
    detail = selectors.plan_detail(user, plan.pk, audit_as=None)
    return Response(PlanDetailSerializer(detail).data, status=code)


@extend_schema(
    parameters=[
        id_parameter("case", "Only this case's plans."),
        id_parameter("caregiver", "Only this caregiver's plans."),
    ]
)
class PlanViewSet(ListedRecords):
    """Plan versions of the cases the user may see, newest first. Filters: `case`,
    `caregiver`. A plan is never edited: `revise/` makes a new version that replaces it."""

    serializer_class = PlanSerializer
    permission_classes = [DoesCasework]
    audit_name = "plan"

    def visible(self) -> Any:
        plans = selectors.plans_visible_to(user_of(self.request))
        case, caregiver = id_filter(self.request, "case"), id_filter(self.request, "caregiver")
        if case is not None:
            plans = plans.filter(case_id=case)
        if caregiver is not None:
            plans = plans.filter(caregiver_id=caregiver)
        return (
            plans.select_related("replaced_by")
            .annotate(goal_count=Count("goals"))
            .order_by("case_id", "caregiver_id", "-version")
        )

    def _plan(self, pk: str) -> CasePlan:
        found = row_id(pk)
        if found is None:
            raise NotFound()
        return selectors.get_plan_for(user_of(self.request), found, audit_as=None)

    @extend_schema(responses={200: PlanDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        """The plan version with its goals, reviews and GAS T-scores (audited)."""
        if row_id(pk) is None:
            raise NotFound()
        detail: PlanDetail = selectors.plan_detail(user_of(request), pk)
        return Response(PlanDetailSerializer(detail).data)

    @extend_schema(request=PlanMakeSerializer, responses={201: PlanDetailSerializer})
    def create(self, request: Request) -> Response:
        """The caregiver's first plan. Refused (400, naming the field) for a goal without
        text, aim or its five levels (`goals[0].levels`), a weight below 0, a start other
        than −1 or −2, a factor not of this caregiver's map, planned sessions outside 1–100,
        an agreed day in the future or before the case opened; and when the caregiver has a
        plan already (revise it)."""
        user = user_of(request)
        data = parse(PlanMakeSerializer, request)
        case = visible_case(user, data["case"])
        plan = services.make_plan(
            actor=user,
            case=case,
            caregiver=caregiver_of(case, data["caregiver"]),
            goals=data.get("goals", []),
            planned_sessions=data["planned_sessions"],
            agreed_on=data["agreed_on"],
            note=data["note"],
        )
        return _detail(user, plan, code=status.HTTP_201_CREATED)

    @extend_schema(request=PlanReviseSerializer, responses={201: PlanDetailSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str) -> Response:
        """A new version of the plan in force; what is not given stays as it was (goals not
        given are carried on). Refused as creating is, and when this version was revised."""
        plan = self._plan(pk)
        data = parse(PlanReviseSerializer, request)
        if not data:
            names = ", ".join(PlanReviseSerializer().fields)
            raise InvalidInput({"": [_("Give what changes: %(names)s.") % {"names": names}]})
        revised = services.revise_plan(
            actor=user_of(request),
            plan=plan,
            **{name: data[name] for name in data},
        )
        return _detail(user_of(request), revised, code=status.HTTP_201_CREATED)

    @extend_schema(request=ReviewSerializer, responses={201: PlanDetailSerializer})
    @action(detail=True, methods=["post"])
    def reviews(self, request: Request, pk: str) -> Response:
        """Review the goals of the plan in force: the level each reached. Answers with the plan
        as it now stands (the new review last, `gas.t_current` from it). Refused (400) on
        `levels[<goal id>]` for a goal of another plan or a level outside −2…+2, on `levels`
        when none is given, on `reviewed_on` for a day in the future or before the case
        opened, on `plan` when a newer version replaces this one."""
        plan = self._plan(pk)
        data = parse(ReviewSerializer, request)
        services.review_goals(
            actor=user_of(request),
            plan=plan,
            levels=data["levels"],
            note=data["note"],
            reviewed_on=data.get("reviewed_on"),
        )
        return _detail(user_of(request), plan, code=status.HTTP_201_CREATED)


class GoalSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="plan.case_id", read_only=True)
    levels = serializers.ListField(child=serializers.CharField(), read_only=True)
    baseline_level = serializers.IntegerField(source="start_level", read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id", "plan", "case", "order", "text", "ability", "factor", "levels", "weight",
            "baseline_level", "carried_from", "suggestion_key",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema(
    parameters=[
        id_parameter("case", "Only goals of this case's plans."),
        id_parameter("plan", "Only the goals of this plan version."),
    ]
)
class GoalViewSet(mixins.RetrieveModelMixin, ListedRecords):
    """Goals of the plans the user may see (read only: goals change by revising the plan;
    the levels reached are in the plan's detail). Filters: `case`, `plan`."""

    serializer_class = GoalSerializer
    permission_classes = [DoesCasework]
    audit_name = "goal"

    def visible(self) -> Any:
        goals = selectors.goals_visible_to(user_of(self.request))
        case, plan = id_filter(self.request, "case"), id_filter(self.request, "plan")
        if case is not None:
            goals = goals.filter(plan__case_id=case)
        if plan is not None:
            goals = goals.filter(plan_id=plan)
        return goals.select_related("plan").order_by("plan__case_id", "plan_id", "order", "pk")

    def case_of(self, row: Any) -> int:
        return int(row.plan.case_id)

    def get_object(self) -> Goal:
        found: Any = self.audited_object()
        return found
