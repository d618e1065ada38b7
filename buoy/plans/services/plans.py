"""Case plans and Goal Attainment Scaling: a caregiver's first plan, every change as a new
version that keeps the old, and reviews that record the level each goal has reached.

A goal, as the services take it::

    {"text": "I sleep a full night twice a week",        # in the caregiver's own words
     "ability": "C",                                     # or "factor": a FactorEntry (or id)
     "levels": ["no full night", "one some weeks", "two a week", "three a week",
                "four or more"],                         # −2 … +2, each written out
     "weight": 1, "start_level": -1,
     "carried_from": <goal of the version revised>,      # revise_plan only: the same goal
     "suggestion_key": "goal:weak-feelings:0"}           # optional: the suggestion it came from
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Caregiver, Case
from buoy.cases.selectors import require_case_access
from buoy.core.errors import InvalidInput
from buoy.plans.domain.abilities import ABILITIES
from buoy.plans.domain.gas import (
    DEFAULT_WEIGHT,
    GasError,
    check_level,
    check_start_level,
    check_weight,
)
from buoy.plans.models import CasePlan, FactorEntry, Goal, GoalLevelAttained, GoalReview
from buoy.plans.services._common import (
    check_day,
    lock_case,
    next_version,
    pk_of,
    require_caregiver_of,
    short_text,
)

GOAL_TEXT_LIMIT = 1000
LEVEL_TEXT_LIMIT = 500
MOST_PLANNED_SESSIONS = 100
SUGGESTION_KEY_LIMIT = 120
GOAL_KEYS = frozenset(
    {
        "text",
        "ability",
        "factor",
        "levels",
        "weight",
        "start_level",
        "carried_from",
        "suggestion_key",
    }
)


class _Unchanged:
    """`revise_plan`'s default: keep what the revised version had."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


def _check_planned_sessions(value: Any, errors: dict[str, list[str]]) -> int | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MOST_PLANNED_SESSIONS
    ):
        errors["planned_sessions"] = [
            _("Enter the number of sessions planned, from 1 to %(most)s.")
            % {"most": MOST_PLANNED_SESSIONS}
        ]
        return None
    return value


def _check_levels(value: Any, *, where: str, errors: dict[str, list[str]]) -> list[str]:
    if not isinstance(value, list | tuple) or len(value) != 5:
        errors[f"{where}.levels"] = [
            _("Write out all five levels, from −2 (much less than expected) to +2.")
        ]
        return []
    texts = []
    for index, text in enumerate(value):
        cleaned = short_text(
            text, field=f"{where}.levels[{index}]", errors=errors, limit=LEVEL_TEXT_LIMIT
        )
        if not cleaned and f"{where}.levels[{index}]" not in errors:
            errors[f"{where}.levels[{index}]"] = [_("Write out what this level means.")]
        texts.append(cleaned)
    return texts


def _check_aim(
    data: Mapping[str, Any],
    *,
    where: str,
    factors: Mapping[int, FactorEntry],
    errors: dict[str, list[str]],
) -> tuple[str, FactorEntry | None]:
    ability, factor = data.get("ability") or "", data.get("factor")
    if bool(ability) == (factor is not None):
        errors[f"{where}.ability"] = [
            _("Aim the goal at one ability (A, B or C) or at one factor of the map.")
        ]
        return "", None
    if ability:
        if ability not in ABILITIES:
            errors[f"{where}.ability"] = [_("Choose ability A, B or C.")]
        return ability, None
    found = factors.get(pk_of(factor) or 0)
    if found is None:
        errors[f"{where}.factor"] = [_("Choose a factor of this caregiver's map.")]
    return "", found


def _gas_value(
    check: Any, value: Any, *, field: str, errors: dict[str, list[str]], message: str
) -> Any:
    try:
        return check(value, field=field)
    except GasError:
        errors[field] = [message]
        return None


def _checked_goals(
    goals: Any, *, case: Case, caregiver: Caregiver, revised: CasePlan | None
) -> list[Goal]:
    """The goals as unsaved rows (no plan yet); InvalidInput naming each refused field
    (``goals[1].weight``)."""
    if not isinstance(goals, list | tuple):
        raise InvalidInput({"goals": [_("Give the goals as a list.")]})
    errors: dict[str, list[str]] = {}
    factors = FactorEntry.objects.filter(
        factor_map__case=case, factor_map__caregiver=caregiver
    ).in_bulk()
    carried = {} if revised is None else revised.goals.in_bulk()
    rows: list[Goal] = []
    carried_seen: set[int] = set()
    for index, data in enumerate(goals):
        where = f"goals[{index}]"
        if not isinstance(data, Mapping):
            errors[where] = [_("Give each goal with its text, aim, levels and weight.")]
            continue
        for name in sorted(set(data) - GOAL_KEYS):
            errors[f"{where}.{name}"] = [_("This field cannot be given here.")]
        text = short_text(
            data.get("text"), field=f"{where}.text", errors=errors, limit=GOAL_TEXT_LIMIT
        )
        if not text and f"{where}.text" not in errors:
            errors[f"{where}.text"] = [_("Write the goal in the caregiver's own words.")]
        ability, factor = _check_aim(data, where=where, factors=factors, errors=errors)
        levels = _check_levels(data.get("levels"), where=where, errors=errors)
        weight = _gas_value(
            check_weight,
            data.get("weight", DEFAULT_WEIGHT),
            field=f"{where}.weight",
            errors=errors,
            message=_("A weight is a number, 0 or more."),
        )
        start = _gas_value(
            check_start_level,
            data.get("start_level", -1),
            field=f"{where}.start_level",
            errors=errors,
            message=_("The level at the start is −1, or −2 when nothing can be worse."),
        )
        previous = None
        if data.get("carried_from") is not None:
            previous = carried.get(pk_of(data["carried_from"]) or 0)
            if previous is None or previous.pk in carried_seen:
                errors[f"{where}.carried_from"] = [
                    _("Choose a goal of the plan being revised, once.")
                ]
            else:
                carried_seen.add(previous.pk)
        key = short_text(
            data.get("suggestion_key"),
            field=f"{where}.suggestion_key",
            errors=errors,
            limit=SUGGESTION_KEY_LIMIT,
        )
        if errors:
            continue
        rows.append(
            Goal(
                text=text,
                ability=ability,
                factor=factor,
                **dict(zip(Goal.LEVEL_FIELDS, levels, strict=True)),
                weight=weight,
                start_level=start,
                order=index,
                carried_from=previous,
                suggestion_key=key,
            )
        )
    if errors:
        raise InvalidInput(errors)
    return rows


def _store_plan(
    *,
    actor: User,
    case: Case,
    caregiver: Caregiver,
    goals: list[Goal],
    planned_sessions: int | None,
    agreed_on: dt.date | None,
    note: str,
    replaces: CasePlan | None,
) -> CasePlan:
    lock_case(case)
    plan = CasePlan.objects.create(
        case=case,
        caregiver=caregiver,
        version=next_version(CasePlan.objects.filter(case=case, caregiver=caregiver)),
        planned_sessions=planned_sessions,
        agreed_on=agreed_on,
        note=note,
        replaces=replaces,
        made_by=actor,
    )
    for goal in goals:
        goal.plan = plan
    Goal.objects.bulk_create(goals)
    return plan


def _plan_fields(
    *, case: Case, planned_sessions: Any, agreed_on: Any, note: Any
) -> tuple[int | None, dt.date | None, str]:
    errors: dict[str, list[str]] = {}
    sessions = _check_planned_sessions(planned_sessions, errors)
    day = check_day(agreed_on, case=case, field="agreed_on", errors=errors, required=False)
    text = short_text(note, field="note", errors=errors)
    if errors:
        raise InvalidInput(errors)
    return sessions, day, text


@transaction.atomic
def make_plan(
    *,
    actor: User,
    case: Case,
    caregiver: Caregiver,
    goals: Sequence[Mapping[str, Any]] = (),
    planned_sessions: int | None = None,
    agreed_on: dt.date | None = None,
    note: str = "",
) -> CasePlan:
    """The caregiver's first plan (version 1): its goals, the number of sessions planned and
    the day it was agreed with the caregiver. A caregiver who has a plan has it revised
    (`revise_plan`). InvalidInput naming the field, and nothing saved, for a goal without
    text, aim or its five levels, a weight below 0, a start other than −1 or −2, a factor not
    of this caregiver's map, a planned number of sessions outside 1–100, or an agreed day in
    the future or before the case was opened.
    """
    require_case_access(actor, case)
    require_caregiver_of(case, caregiver)
    if CasePlan.objects.filter(case=case, caregiver=caregiver).exists():
        raise InvalidInput({"": [_("This caregiver has a plan already: revise it instead.")]})
    sessions, day, text = _plan_fields(
        case=case, planned_sessions=planned_sessions, agreed_on=agreed_on, note=note
    )
    rows = _checked_goals(goals, case=case, caregiver=caregiver, revised=None)
    plan = _store_plan(
        actor=actor,
        case=case,
        caregiver=caregiver,
        goals=rows,
        planned_sessions=sessions,
        agreed_on=day,
        note=text,
        replaces=None,
    )
    record(
        actor=actor,
        action="plans.plan.made",
        subject=plan,
        changed_fields=["goals", "planned_sessions", "agreed_on", "note"],
        context={"case": case.pk, "version": plan.version, "goals": len(rows)},
    )
    return plan


def _carried_over(plan: CasePlan) -> list[dict[str, Any]]:
    """The goals of `plan` as goal input for its next version, each carried on."""
    return [
        {
            "text": goal.text,
            "ability": goal.ability or None,
            "factor": goal.factor_id,
            "levels": list(goal.levels),
            "weight": goal.weight,
            "start_level": goal.start_level,
            "carried_from": goal.pk,
            "suggestion_key": goal.suggestion_key,
        }
        for goal in plan.goals.order_by("order", "pk")
    ]


@transaction.atomic
def revise_plan(
    *,
    actor: User,
    plan: CasePlan,
    goals: Sequence[Mapping[str, Any]] = UNCHANGED,
    planned_sessions: int | None = UNCHANGED,
    agreed_on: dt.date | None = UNCHANGED,
    note: str = UNCHANGED,
) -> CasePlan:
    """A new version of the plan in force, which it replaces; the old version is kept. What
    is not given stays as it was (goals left unchanged are carried on, so their reviewed
    levels follow them). A goal that goes on from the old version names it in
    ``carried_from``. Refused as `make_plan` refuses, and when `plan` is not the version in
    force.
    """
    case = plan.case
    require_case_access(actor, case)
    lock_case(case)
    if CasePlan.objects.filter(replaces=plan).exists():
        raise InvalidInput({"plan": [_("This version has been revised: revise the newest one.")]})
    sessions, day, text = _plan_fields(
        case=case,
        planned_sessions=plan.planned_sessions
        if planned_sessions is UNCHANGED
        else planned_sessions,
        agreed_on=plan.agreed_on if agreed_on is UNCHANGED else agreed_on,
        note=plan.note if note is UNCHANGED else note,
    )
    given = _carried_over(plan) if goals is UNCHANGED else goals
    rows = _checked_goals(given, case=case, caregiver=plan.caregiver, revised=plan)
    revised = _store_plan(
        actor=actor,
        case=case,
        caregiver=plan.caregiver,
        goals=rows,
        planned_sessions=sessions,
        agreed_on=day,
        note=text,
        replaces=plan,
    )
    changed = [
        name
        for name, value in (
            ("goals", goals),
            ("planned_sessions", planned_sessions),
            ("agreed_on", agreed_on),
            ("note", note),
        )
        if value is not UNCHANGED
    ]
    record(
        actor=actor,
        action="plans.plan.revised",
        subject=revised,
        changed_fields=changed,
        context={
            "case": case.pk,
            "version": revised.version,
            "replaces": plan.pk,
            "goals": len(rows),
        },
    )
    return revised


@transaction.atomic
def review_goals(
    *,
    actor: User,
    plan: CasePlan,
    levels: Mapping[Any, Any],
    note: str = "",
    reviewed_on: dt.date | None = None,
) -> GoalReview:
    """Record a review of the plan in force with the caregiver: the level attained of each
    goal reviewed (goal or goal id → −2 … +2; goals left out are not scored this time), a note
    and the day (today by default).

    InvalidInput, and nothing saved, naming ``levels[<goal id>]`` for a goal of another plan
    or a level outside −2…+2, ``levels`` when no goal is scored, ``reviewed_on`` for a day in
    the future or before the case was opened, ``plan`` when a newer version replaces it.
    """
    case = plan.case
    require_case_access(actor, case)
    errors: dict[str, list[str]] = {}
    if CasePlan.objects.filter(replaces=plan).exists():
        errors["plan"] = [_("This version has been revised: review the newest one.")]
    day = check_day(
        timezone.localdate() if reviewed_on is None else reviewed_on,
        case=case,
        field="reviewed_on",
        errors=errors,
    )
    text = short_text(note, field="note", errors=errors)
    if not isinstance(levels, Mapping) or not levels:
        errors["levels"] = [_("Record the level reached of at least one goal.")]
        raise InvalidInput(errors)
    goals = plan.goals.in_bulk()
    attained: dict[int, int] = {}
    for key, value in levels.items():
        pk = pk_of(key)
        field = f"levels[{pk if pk is not None else key}]"
        if pk is None or pk not in goals:
            errors[field] = [_("This goal is not one of this plan's.")]
            continue
        level = _gas_value(
            check_level,
            value,
            field=field,
            errors=errors,
            message=_("Choose a level from −2 to +2."),
        )
        if level is not None:
            attained[pk] = level
    if errors or day is None:
        raise InvalidInput(errors)
    review = GoalReview.objects.create(plan=plan, reviewed_on=day, reviewed_by=actor, note=text)
    GoalLevelAttained.objects.bulk_create(
        [
            GoalLevelAttained(review=review, goal_id=pk, level=level)
            for pk, level in attained.items()
        ]
    )
    record(
        actor=actor,
        action="plans.goals.reviewed",
        subject=review,
        changed_fields=["levels", "note", "reviewed_on"],
        context={"case": case.pk, "plan": plan.pk, "goals": len(attained)},
    )
    return review
