"""Pages of the intervention model: case plans with their GAS goals, versions and reviews.

A caregiver's first plan (`plan_new`), a new version of the plan in force (`plan_revise`),
the plan page (`plan_page`: goals with their five levels, reviews, T-scores, versions), the
version history (`plan_versions`) and a review of the goals (`plan_review`). The plan form
has one row per goal; "add another goal" posts the form back with one more row, keeping
everything typed (htmx swaps just the form; without JavaScript the page comes back whole).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from buoy.access.models import User
from buoy.cases.models import Caregiver, Case
from buoy.core.errors import InvalidInput, NotFound
from buoy.plans import services
from buoy.plans.domain.gas import LEVELS
from buoy.plans.forms.plans import (
    FACTOR_AIM,
    LEVEL_LABELS,
    MOST_GOALS,
    PlanForm,
    ReviewForm,
    ability_aims,
    goal_formset,
    goal_initial,
    show_plan_errors,
    show_review_errors,
    signed,
)
from buoy.plans.models import Ability, CasePlan, FactorEntry, FactorKind, FactorStatus
from buoy.plans.selectors.plans import (
    GoalDetail,
    PlanDetail,
    accepted_goal_suggestions,
    current_plan,
    factors_to_aim_at,
    get_plan_for,
    plan_detail,
    plans_of,
)
from buoy.plans.views.shared import case_of, casework, page_language, user_of

GOALS_PREFIX = "goals"


# --- what the pages show of a goal ----------------------------------------------------------


@dataclass(frozen=True)
class LevelRow:
    """One of a goal's five levels as a page shows it."""

    level: int
    sign: str
    meaning: str
    text: str
    is_start: bool
    is_current: bool


@dataclass(frozen=True)
class GoalRow:
    """A goal with its aim in words and its five levels, −2 first."""

    detail: GoalDetail
    aim: str
    levels: list[LevelRow]

    @property
    def start(self) -> str:
        return signed(self.detail.baseline_level)

    @property
    def current(self) -> str:
        level = self.detail.current_level
        return "" if level is None else signed(level)


def factor_aim(entry: FactorEntry) -> str:
    """A map factor as a goal's aim: its code, kind and status (``R-ECO-01 · Risk factor``)."""
    kind = FactorKind(entry.kind).label if entry.kind in FactorKind.values else entry.kind
    return f"{entry.code_label} · {kind}"


def aim_of(detail: GoalDetail) -> str:
    goal = detail.goal
    if goal.ability:
        return str(Ability(goal.ability).label)
    return factor_aim(goal.factor) if goal.factor is not None else ""


def goal_rows(details: list[GoalDetail]) -> list[GoalRow]:
    return [
        GoalRow(
            detail=detail,
            aim=aim_of(detail),
            levels=[
                LevelRow(
                    level=level,
                    sign=signed(level),
                    meaning=str(LEVEL_LABELS[level]),
                    text=text,
                    is_start=level == detail.baseline_level,
                    is_current=level == detail.current_level,
                )
                for level, text in zip(LEVELS, detail.levels, strict=True)
            ],
        )
        for detail in details
    ]


def review_rows(detail: PlanDetail) -> list[dict[str, Any]]:
    """Each review, oldest first, with the level of every goal (blank: not scored then)."""
    return [
        {
            "review": review.review,
            "t": review.t,
            "levels": [
                signed(review.levels[goal.id]) if goal.id in review.levels else ""
                for goal in detail.goals
            ],
        }
        for review in detail.reviews
    ]


# --- the case page's section ----------------------------------------------------------------


def section_context(user: User, case: Case) -> dict[str, Any]:
    """What the case page's plans section shows of plans (plans/section/plans.html): per
    caregiver, the plan in force with its goals and T-scores at the start and now."""
    caregiver_plans = []
    for caregiver in case.caregivers.order_by("-is_primary", "pk"):
        plan = current_plan(case, caregiver)
        detail = None if plan is None else plan_detail(user, plan.pk)
        caregiver_plans.append(
            {
                "caregiver": caregiver,
                "detail": detail,
                "goals": [] if detail is None else goal_rows(detail.goals),
            }
        )
    return {"caregiver_plans": caregiver_plans}


# --- helpers of the views -------------------------------------------------------------------


def _caregiver_of(case: Case, caregiver_id: int) -> Caregiver:
    caregiver = case.caregivers.filter(pk=caregiver_id).first()
    if caregiver is None:
        raise Http404(_("No such caregiver."))
    return caregiver


def _plan_or_404(request: HttpRequest, plan_id: int, *, audit: bool = True) -> CasePlan:
    """The plan version through the one door; a GET that shows it records the view."""
    audit_as = "plans.plan.viewed" if audit and request.method == "GET" else None
    try:
        return get_plan_for(user_of(request), plan_id, audit_as=audit_as)
    except NotFound:
        raise Http404(_("No such plan.")) from None


def _detail_or_404(request: HttpRequest, plan_id: int) -> PlanDetail:
    audit_as = "plans.plan.viewed" if request.method == "GET" else None
    try:
        return plan_detail(user_of(request), plan_id, audit_as=audit_as)
    except NotFound:
        raise Http404(_("No such plan.")) from None


def _in_force(plan: CasePlan) -> bool:
    # get_plan_for fetched the version that replaces this one, if there is one.
    return getattr(plan, "replaced_by", None) is None


def _aims(
    request: HttpRequest, case: Case, caregiver: Caregiver, *, keep: list[int] | None = None
) -> list[tuple[str, Any]]:
    """The aims a goal may have: the three abilities, then the factors of the map."""
    entries = factors_to_aim_at(
        user_of(request),
        case,
        caregiver,
        keep=keep or [],
        audit=request.method == "GET",
    )
    factors = [
        (
            f"{FACTOR_AIM}{entry.pk}",
            f"{factor_aim(entry)} · {FactorStatus(entry.status).label}"
            if entry.status in FactorStatus.values
            else factor_aim(entry),
        )
        for entry in entries
    ]
    aims: list[tuple[str, Any]] = ability_aims()
    if factors:
        aims.append((_("A factor of the map"), factors))
    return aims


def _with_another_goal(data: QueryDict) -> QueryDict | None:
    """The posted plan form with one more, empty goal row; None when it cannot have one."""
    try:
        count = int(data.get(f"{GOALS_PREFIX}-TOTAL_FORMS", ""))
    except ValueError:
        return None
    if not 0 <= count < MOST_GOALS:
        return None
    more = data.copy()
    more[f"{GOALS_PREFIX}-TOTAL_FORMS"] = str(count + 1)
    more[f"{GOALS_PREFIX}-{count}-weight"] = "1"
    more[f"{GOALS_PREFIX}-{count}-start_level"] = "-1"
    return more


def _suggested_goals(request: HttpRequest, case: Case, caregiver: Caregiver) -> list[dict]:
    """Goal rows written from the suggestions the worker accepted for this caregiver."""
    found, accepted = accepted_goal_suggestions(user_of(request), case, caregiver)
    language = page_language()
    entries = {}
    if found.factor_map is not None:
        entries = {entry.code_label: entry for entry in found.factor_map.entries.all()}
    rows = []
    for shown in accepted:
        draft = shown.suggestion.goal
        if draft is None:
            continue
        text = draft.text.get("zh-hans" if language.startswith("zh") else "en") or ""
        aim = draft.ability or ""
        if draft.factor and draft.factor in entries:
            aim = f"{FACTOR_AIM}{entries[draft.factor].pk}"
        rows.append(
            {"text": text, "aim": aim, "weight": 1, "start_level": -1, "suggestion_key": shown.key}
        )
    return rows


def _render_plan_form(
    request: HttpRequest, *, case: Case, caregiver: Caregiver, plan: CasePlan | None, **context: Any
) -> HttpResponse:
    return render(
        request,
        "plans/plan_form.html",
        {"case": case, "caregiver": caregiver, "plan": plan, "most_goals": MOST_GOALS, **context},
    )


# --- the pages --------------------------------------------------------------------------------


@casework
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, case_id: int, caregiver_id: int) -> HttpResponse:
    """A caregiver's first plan: goals in the caregiver's words with their five levels,
    the sessions planned, the day agreed. Prefilled with the goals the worker accepted."""
    user = user_of(request)
    case = case_of(request, case_id)
    caregiver = _caregiver_of(case, caregiver_id)
    existing = current_plan(case, caregiver)
    if existing is not None:
        messages.info(request, _("This caregiver has a plan already: revise it instead."))
        return redirect("plans:plan_revise", plan_id=existing.pk)
    aims = _aims(request, case, caregiver)
    show_errors = request.method == "POST"
    if request.method == "POST":
        data: QueryDict = request.POST
        if "add_goal" in data:
            data = _with_another_goal(data) or data
            show_errors = False
        plan_form = PlanForm(data)
        goals = goal_formset(data, aims=aims, prefix=GOALS_PREFIX)
        if show_errors and plan_form.is_valid() and goals.is_valid():
            goal_forms = goals.goal_forms()
            try:
                plan = services.make_plan(
                    actor=user,
                    case=case,
                    caregiver=caregiver,
                    goals=[form.goal() for form in goal_forms],
                    **plan_form.plan_fields(),
                )
            except InvalidInput as error:
                show_plan_errors(error, plan_form=plan_form, goal_forms=goal_forms)
            else:
                messages.success(request, _("The plan was saved."))
                return redirect("plans:plan", plan_id=plan.pk)
    else:
        initial = _suggested_goals(request, case, caregiver)
        plan_form = PlanForm(initial={"agreed_on": timezone.localdate()})
        goals = goal_formset(
            aims=aims, initial=initial or [{"weight": 1, "start_level": -1}], prefix=GOALS_PREFIX
        )
    return _render_plan_form(
        request,
        case=case,
        caregiver=caregiver,
        plan=None,
        plan_form=plan_form,
        goals=goals,
        show_errors=show_errors,
    )


def _unless_same(value: Any, before: Any) -> Any:
    return services.UNCHANGED if value == before else value


@casework
@require_http_methods(["GET", "POST"])
def plan_revise(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A new version of the plan in force: the goals carried on, changed, removed or added;
    the version revised is kept."""
    user = user_of(request)
    plan = _plan_or_404(request, plan_id)
    case, caregiver = plan.case, plan.caregiver
    if not _in_force(plan):
        newest = current_plan(case, caregiver)
        if newest is not None and request.method == "GET":
            messages.info(request, _("A newer version of this plan is in force: revise it."))
            return redirect("plans:plan_revise", plan_id=newest.pk)
    old_goals = list(plan.goals.select_related("factor").order_by("order", "pk"))
    aims = _aims(request, case, caregiver, keep=[g.factor_id for g in old_goals if g.factor_id])
    show_errors = request.method == "POST"
    if request.method == "POST":
        data: QueryDict = request.POST
        if "add_goal" in data:
            data = _with_another_goal(data) or data
            show_errors = False
        plan_form = PlanForm(data)
        goals = goal_formset(data, aims=aims, prefix=GOALS_PREFIX)
        if show_errors and plan_form.is_valid() and goals.is_valid():
            goal_forms = goals.goal_forms()
            fields = plan_form.plan_fields()
            try:
                revised = services.revise_plan(
                    actor=user,
                    plan=plan,
                    goals=[form.goal() for form in goal_forms],
                    planned_sessions=_unless_same(
                        fields["planned_sessions"], plan.planned_sessions
                    ),
                    agreed_on=_unless_same(fields["agreed_on"], plan.agreed_on),
                    note=_unless_same(fields["note"], plan.note),
                )
            except InvalidInput as error:
                show_plan_errors(error, plan_form=plan_form, goal_forms=goal_forms)
            else:
                messages.success(
                    request,
                    _("Version %(version)s of the plan was saved; the earlier one is kept.")
                    % {"version": revised.version},
                )
                return redirect("plans:plan", plan_id=revised.pk)
    else:
        plan_form = PlanForm(
            initial={
                "planned_sessions": plan.planned_sessions,
                "agreed_on": plan.agreed_on,
                "note": plan.note,
            }
        )
        goals = goal_formset(
            aims=aims, initial=[goal_initial(goal) for goal in old_goals], prefix=GOALS_PREFIX
        )
    return _render_plan_form(
        request,
        case=case,
        caregiver=caregiver,
        plan=plan,
        plan_form=plan_form,
        goals=goals,
        show_errors=show_errors,
    )


@casework
@require_http_methods(["GET"])
def plan_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A plan version: its goals with their five levels, the reviews with their T-scores,
    the GAS summary and the versions of the caregiver's plan."""
    detail = _detail_or_404(request, plan_id)
    plan = detail.plan
    versions = plans_of(user_of(request), plan.case, plan.caregiver)
    return render(
        request,
        "plans/plan_detail.html",
        {
            "case": plan.case,
            "caregiver": plan.caregiver,
            "plan": plan,
            "detail": detail,
            "goals": goal_rows(detail.goals),
            "reviews": review_rows(detail),
            "versions": versions,
            "in_force": _in_force(plan),
        },
    )


@casework
@require_http_methods(["GET"])
def plan_versions(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Every version of the caregiver's plan, newest first (the listing is audited)."""
    plan = _plan_or_404(request, plan_id, audit=False)
    versions = plans_of(user_of(request), plan.case, plan.caregiver)
    return render(
        request,
        "plans/plan_versions.html",
        {"case": plan.case, "caregiver": plan.caregiver, "plan": plan, "versions": versions},
    )


@casework
@require_http_methods(["GET", "POST"])
def plan_review(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Review the goals of the plan in force with the caregiver: the level each reached,
    the day, a note. The page shows the T-score at the start and at each review so far."""
    detail = _detail_or_404(request, plan_id)
    plan = detail.plan
    if not _in_force(plan) and request.method == "GET":
        newest = current_plan(plan.case, plan.caregiver)
        if newest is not None:
            messages.info(request, _("A newer version of this plan is in force: review it."))
            return redirect("plans:plan_review", plan_id=newest.pk)
    goals = [goal.goal for goal in detail.goals]
    if request.method == "POST":
        form = ReviewForm(request.POST, goals=goals)
        if form.is_valid():
            try:
                services.review_goals(
                    actor=user_of(request),
                    plan=plan,
                    levels=form.levels(),
                    note=form.cleaned_data["note"],
                    reviewed_on=form.cleaned_data["reviewed_on"],
                )
            except InvalidInput as error:
                show_review_errors(error, form=form)
            else:
                messages.success(request, _("The review was saved."))
                return redirect("plans:plan", plan_id=plan.pk)
    else:
        form = ReviewForm(goals=goals)
    rows = goal_rows(detail.goals)
    return render(
        request,
        "plans/review_form.html",
        {
            "case": plan.case,
            "caregiver": plan.caregiver,
            "plan": plan,
            "detail": detail,
            "form": form,
            "goal_fields": list(zip(rows, form.level_fields, strict=True)),
            "reviews": review_rows(detail),
            "goals": rows,
        },
    )
