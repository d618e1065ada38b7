"""Forms of the plan pages: a plan version with its GAS goals (a formset, one form per goal),
and a review of the goals. They check the shape of the input; the services check the rules
(a weight below 0, a start other than −1 or −2, a level outside −2…+2, a day in the future),
and `show_plan_errors` / `show_review_errors` put the services' refusals beside the field
they name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buoy.cases.forms import DateInput
from buoy.core.errors import InvalidInput
from buoy.plans.domain.gas import DEFAULT_WEIGHT, LEVELS
from buoy.plans.models import Ability, Goal

MOST_GOALS = 20
# The form's field for each level −2 … +2, in that order.
LEVEL_FIELDS = ("level_m2", "level_m1", "level_0", "level_p1", "level_p2")
LEVEL_LABELS = {
    -2: _("−2: much less than expected"),
    -1: _("−1: somewhat less than expected"),
    0: _("0: the expected outcome"),
    1: _("+1: somewhat more than expected"),
    2: _("+2: much more than expected"),
}
START_CHOICES = [
    (-1, _("−1: somewhat less than expected")),
    (-2, _("−2: much less than expected (nothing can be worse)")),
]
FACTOR_AIM = "factor:"  # a goal's aim: "A", "B", "C" or "factor:<map entry id>"


def signed(level: int) -> str:
    """A GAS level as it is written: −2, −1, 0, +1, +2."""
    return f"+{level}" if level > 0 else str(level).replace("-", "−")


def _text_area(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PlanForm(forms.Form):
    """What a plan version says besides its goals."""

    planned_sessions = forms.IntegerField(
        label=_("Sessions planned"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    agreed_on = forms.DateField(
        label=_("Agreed with the caregiver on"), required=False, widget=DateInput()
    )
    note = forms.CharField(label=_("Note"), required=False, widget=_text_area(3))

    def plan_fields(self) -> dict[str, Any]:
        """The service's keyword arguments for these fields (after `is_valid`)."""
        data = self.cleaned_data
        return {
            "planned_sessions": data.get("planned_sessions"),
            "agreed_on": data.get("agreed_on"),
            "note": data.get("note") or "",
        }


class GoalForm(forms.Form):
    """One goal: its words, its aim, its five levels, weight and start. The aim is a select
    of abilities and the map's factors; an aim that is none of them goes to the service,
    which says what is wrong with it."""

    text = forms.CharField(
        label=_("Goal, in the caregiver's own words"), required=False, widget=_text_area()
    )
    aim = forms.CharField(label=_("Aimed at"), required=False)
    level_m2 = forms.CharField(label=LEVEL_LABELS[-2], required=False, widget=_text_area())
    level_m1 = forms.CharField(label=LEVEL_LABELS[-1], required=False, widget=_text_area())
    level_0 = forms.CharField(label=LEVEL_LABELS[0], required=False, widget=_text_area())
    level_p1 = forms.CharField(label=LEVEL_LABELS[1], required=False, widget=_text_area())
    level_p2 = forms.CharField(label=LEVEL_LABELS[2], required=False, widget=_text_area())
    weight = forms.FloatField(
        label=_("Weight"),
        required=False,
        initial=DEFAULT_WEIGHT,
        help_text=_("0 or more; 1 unless some goals matter more than others."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    start_level = forms.IntegerField(
        label=_("Level at the start"),
        required=False,
        initial=-1,
        widget=forms.Select(choices=START_CHOICES),
    )
    carried_from = forms.IntegerField(required=False, widget=forms.HiddenInput)
    suggestion_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, aims: Sequence[tuple[str, Any]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["aim"].widget = forms.Select(choices=[("", _("Choose…")), *aims])

    @property
    def level_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in LEVEL_FIELDS]

    def goal(self) -> dict[str, Any]:
        """The goal as `make_plan` and `revise_plan` take it (after `is_valid`)."""
        data = self.cleaned_data
        aim = data.get("aim") or ""
        goal: dict[str, Any] = {
            "text": data.get("text") or "",
            "levels": [data.get(name) or "" for name in LEVEL_FIELDS],
            "weight": DEFAULT_WEIGHT if data.get("weight") is None else data["weight"],
            "start_level": -1 if data.get("start_level") is None else data["start_level"],
            "suggestion_key": data.get("suggestion_key") or "",
        }
        if aim.startswith(FACTOR_AIM):
            goal["factor"] = aim.removeprefix(FACTOR_AIM)
        else:
            goal["ability"] = aim
        if data.get("carried_from") is not None:
            goal["carried_from"] = data["carried_from"]
        return goal


class BaseGoalFormSet(forms.BaseFormSet):
    """The goals of a plan form. A row left empty (no words, no levels) is not a goal; a
    row marked "remove" is left out of the version."""

    def goal_forms(self) -> list[GoalForm]:
        """The forms that are goals of the version, in order (after `is_valid`)."""
        chosen = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            if data.get("DELETE"):
                continue
            if not any(data.get(name) for name in ("text", *LEVEL_FIELDS, "carried_from")):
                continue
            chosen.append(form)
        return chosen


_GoalFormSet = forms.formset_factory(
    GoalForm,
    formset=BaseGoalFormSet,
    extra=0,
    can_delete=True,
    max_num=MOST_GOALS,
    validate_max=True,
    absolute_max=MOST_GOALS,
)


def goal_formset(
    data: Any = None,
    *,
    aims: Sequence[tuple[str, Any]],
    initial: Sequence[dict[str, Any]] | None = None,
    prefix: str = "goals",
) -> BaseGoalFormSet:
    """The goal rows of a plan form, bound to `data` when given, else filled from `initial`."""
    formset = _GoalFormSet(data, prefix=prefix, initial=initial, form_kwargs={"aims": aims})
    return cast(BaseGoalFormSet, formset)


def goal_initial(goal: Goal) -> dict[str, Any]:
    """A goal of the version being revised as the initial values of its form, carried on."""
    return {
        "text": goal.text,
        "aim": goal.ability or f"{FACTOR_AIM}{goal.factor_id}",
        **dict(zip(LEVEL_FIELDS, goal.levels, strict=True)),
        "weight": goal.weight,
        "start_level": goal.start_level,
        "carried_from": goal.pk,
        "suggestion_key": goal.suggestion_key,
    }


def ability_aims() -> list[tuple[str, Any]]:
    return [(value, label) for value, label in Ability.choices]


_GOAL_ERROR = re.compile(r"^goals\[(\d+)\]\.(\w+)(?:\[(\d+)\])?$")
_GOAL_FIELD = {
    "text": "text",
    "ability": "aim",
    "factor": "aim",
    "weight": "weight",
    "start_level": "start_level",
}


def show_plan_errors(
    error: InvalidInput, *, plan_form: PlanForm, goal_forms: Sequence[GoalForm]
) -> None:
    """Put a plan service's refusal beside the field it names: ``goals[1].weight`` on the
    second goal's weight, ``goals[0].levels[3]`` on the first goal's +1 text, ``agreed_on``
    on the plan's day; anything else at the top of the form."""
    for key, messages in error.errors.items():
        found = _GOAL_ERROR.match(key)
        form: forms.Form = plan_form
        field: str | None = key if key in plan_form.fields else None
        if found is not None and int(found.group(1)) < len(goal_forms):
            form = goal_forms[int(found.group(1))]
            name, level = found.group(2), found.group(3)
            if name == "levels" and level is not None and int(level) < len(LEVEL_FIELDS):
                field = LEVEL_FIELDS[int(level)]
            else:
                field = _GOAL_FIELD.get(name)
        for message in messages:
            form.add_error(field, message)


class ReviewForm(forms.Form):
    """A review of a plan version's goals: the level each reached (a goal left empty is not
    scored this time), the day and a note. The level fields are named ``level_<goal id>``;
    a level named for a goal not of this plan is passed on, so the service refuses it."""

    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=_text_area(3))

    def __init__(self, *args: Any, goals: Sequence[Goal] = (), **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"reviewed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        for goal in self.goals:
            choices: list[tuple[Any, Any]] = [("", _("Not scored this time"))]
            choices += [
                (level, f"{signed(level)} · {text}")
                for level, text in zip(LEVELS, goal.levels, strict=True)
            ]
            self.fields[f"level_{goal.pk}"] = forms.IntegerField(
                label=goal.text, required=False, widget=forms.Select(choices=choices)
            )

    @property
    def level_fields(self) -> list[forms.BoundField]:
        return [self[f"level_{goal.pk}"] for goal in self.goals]

    def levels(self) -> dict[Any, Any]:
        """Goal id → level, as `review_goals` takes them (after `is_valid`)."""
        levels: dict[Any, Any] = {
            goal.pk: self.cleaned_data[f"level_{goal.pk}"]
            for goal in self.goals
            if self.cleaned_data.get(f"level_{goal.pk}") is not None
        }
        for key in self.data:
            name = str(key)
            if name.startswith("level_") and name not in self.fields and self.data.get(name):
                levels[name.removeprefix("level_")] = self.data.get(name)
        return levels


def show_review_errors(error: InvalidInput, *, form: ReviewForm) -> None:
    """Put `review_goals`' refusal beside the field it names: ``levels[<goal id>]`` on that
    goal's level, ``reviewed_on`` on the day; anything else at the top of the form."""
    for key, messages in error.errors.items():
        field: str | None = key if key in form.fields else None
        found = re.match(r"^levels\[(.+)\]$", key)
        if found is not None and f"level_{found.group(1)}" in form.fields:
            field = f"level_{found.group(1)}"
        for message in messages:
            form.add_error(field, message)
