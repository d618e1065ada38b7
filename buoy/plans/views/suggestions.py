"""Pages of the rule-based suggestions: for a caregiver, the goals, techniques and referrals
the rules suggest, each with what triggered it and the worker's decision; accepting or
dismissing one (htmx swaps just that suggestion; a plain POST redirects back)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buoy.access.models import User
from buoy.cases.models import Caregiver, Case
from buoy.coding.services import casework_project
from buoy.core.errors import InvalidInput
from buoy.core.forms import add_service_errors
from buoy.plans import selectors, services
from buoy.plans.domain.suggestions import ABILITY, GOAL, ITEM, REFERRAL, RISK, TECHNIQUE
from buoy.plans.forms.suggestions import DecideForm
from buoy.plans.models import Ability, ResourceKind
from buoy.plans.views.maps import caregiver_of
from buoy.plans.views.shared import case_of, casework, page_language, user_of

_KIND_ORDER = (GOAL, TECHNIQUE, REFERRAL)


def _text(text: Mapping[str, str], language: str) -> str:
    return text.get(language) or text.get("en") or ""


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def _trigger_text(trigger: Any, names: Mapping[str, str]) -> str:
    """What made a rule's condition hold, in the worker's words."""
    if trigger.kind == ABILITY:
        text = _("Ability %(ability)s: item mean %(mean)s, at or below %(at_most)s") % {
            "ability": Ability(trigger.subject).label,
            "mean": _number(trigger.value),
            "at_most": _number(trigger.at_most),
        }
        if trigger.items:
            low = ", ".join(f"{item} = {_number(score)}" for item, score in trigger.items)
            text += " · " + _("low items: %(items)s") % {"items": low}
        return str(text)
    if trigger.kind == ITEM:
        return _("CD-RISC-10 %(item)s scored %(score)s, at or below %(at_most)s") % {
            "item": trigger.subject,
            "score": _number(trigger.value),
            "at_most": _number(trigger.at_most),
        }
    name = names.get(trigger.subject, "")
    if trigger.kind == RISK:
        return _("Risk factor %(code)s %(name)s present in the map") % {
            "code": trigger.subject,
            "name": name,
        }
    return _("Protective factor %(code)s %(name)s available in the map") % {
        "code": trigger.subject,
        "name": name,
    }


def _item(
    shown: selectors.SuggestionShown,
    found: selectors.CaregiverSuggestions,
    names: Mapping[str, str],
    language: str,
) -> dict[str, Any]:
    """One suggestion as the page shows it."""
    suggestion = shown.suggestion
    what, detail, aim = "", "", ""
    if suggestion.kind == GOAL and suggestion.goal is not None:
        what = _text(suggestion.goal.text, language)
        if suggestion.goal.ability:
            aim = str(Ability(suggestion.goal.ability).label)
        elif suggestion.goal.factor:
            aim = f"{suggestion.goal.factor} {names.get(suggestion.goal.factor, '')}".strip()
    elif suggestion.kind == TECHNIQUE and shown.technique is not None:
        what = shown.technique.name_in(language)
        detail = shown.technique.description_in(language)
    elif suggestion.kind == REFERRAL:
        what = str(ResourceKind(suggestion.referral).label) if suggestion.referral else ""
    rules = []
    for rule_id in suggestion.rules:
        try:
            rule = found.rules.rule(rule_id)
        except KeyError:
            continue
        rules.append({"id": rule_id, "note": _text(rule.note, language)})
    return {
        "key": shown.key,
        "kind": shown.kind,
        "what": what,
        "detail": detail,
        "aim": aim,
        "resources": shown.resources,
        "triggers": [_trigger_text(t, names) for t in suggestion.triggers],
        "rules": rules,
        "decision": shown.decision,
    }


def _factor_names(language: str) -> dict[str, str]:
    return {
        label: factor.code.name_in(language)
        for label, factor in selectors.codebook_factors(casework_project()).items()
    }


def suggestion_items(found: selectors.CaregiverSuggestions) -> list[dict[str, Any]]:
    """Every suggestion of a caregiver as the page shows it, goals first."""
    language = page_language()
    names = _factor_names(language)
    return [_item(shown, found, names, language) for shown in found.suggestions]


def _grouped(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    labels = {GOAL: _("Goals"), TECHNIQUE: _("Techniques"), REFERRAL: _("Referrals")}
    return [
        {"kind": kind, "label": labels[kind], "items": [i for i in items if i["kind"] == kind]}
        for kind in _KIND_ORDER
        if any(i["kind"] == kind for i in items)
    ]


def _basis(found: selectors.CaregiverSuggestions) -> dict[str, Any]:
    """What the suggestions rest on: the assessment, its ability profile, the map."""
    profile = found.profile
    abilities = []
    if profile is not None:
        for code in ("A", "B", "C"):
            mean = profile.mean(code)
            abilities.append(
                {
                    "label": Ability(code).label,
                    "mean": _number(mean),
                    "weak": mean is not None and mean <= found.rules.weak_ability_at_most,
                }
            )
    return {
        "assessment": found.assessment,
        "abilities": abilities,
        "factor_map": found.factor_map,
        "threshold": _number(found.rules.weak_ability_at_most),
        "rules_version": found.rules.version,
    }


def suggestions_url(case_id: int, caregiver_id: int) -> str:
    return reverse("plans:suggestions", kwargs={"case_id": case_id, "caregiver_id": caregiver_id})


def _page(
    request: HttpRequest,
    case: Case,
    caregiver: Caregiver,
    *,
    form: DecideForm | None = None,
    status: int = 200,
) -> HttpResponse:
    found = selectors.suggestions_for(user_of(request), case, caregiver)
    items = suggestion_items(found)
    context = {
        "case": case,
        "caregiver": caregiver,
        "groups": _grouped(items),
        "basis": _basis(found),
        "form": form,
        "next": suggestions_url(case.pk, caregiver.pk),
    }
    return render(request, "plans/suggestions_page.html", context, status=status)


@casework
def suggestions_page(request: HttpRequest, case_id: int, caregiver_id: int) -> HttpResponse:
    """The suggestions for one caregiver, with their triggers and the decisions recorded."""
    case = case_of(request, case_id)
    return _page(request, case, caregiver_of(case, caregiver_id))


def _next_url(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


@require_POST
@casework
def suggestion_decide(request: HttpRequest, case_id: int, caregiver_id: int) -> HttpResponse:
    """Accept or dismiss one suggestion. With htmx the answer is that suggestion redrawn
    (with the error beside it when refused: htmx swaps only a 2xx answer, so a refusal to
    htmx is a 200 carrying the error); without, a redirect back, or the page with the error
    (400)."""
    user = user_of(request)
    case = case_of(request, case_id)
    caregiver = caregiver_of(case, caregiver_id)
    form = DecideForm(request.POST)
    decided = False
    if form.is_valid():
        try:
            services.decide_suggestion(
                actor=user,
                case=case,
                key=form.cleaned_data["key"],
                accepted=form.accepted,
                caregiver=caregiver,
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            decided = True
    if request.htmx:  # type: ignore[attr-defined]
        return _one_suggestion(request, user, case, caregiver, form)
    if decided:
        messages.success(
            request,
            _("Accepted: recorded.") if form.accepted else _("Dismissed: recorded."),
        )
        return redirect(_next_url(request, suggestions_url(case.pk, caregiver.pk)))
    return _page(request, case, caregiver, form=form, status=400)


def _one_suggestion(
    request: HttpRequest, user: User, case: Case, caregiver: Caregiver, form: DecideForm
) -> HttpResponse:
    """The suggestion the form named, redrawn with its decision (not audited again: the
    worker is looking at it already and the decision is audited)."""
    found = selectors.current_suggestions(user, case, caregiver)
    key = form.data.get("key", "")
    shown = found.by_key().get(key) if isinstance(key, str) else None
    language = page_language()
    item = None if shown is None else _item(shown, found, _factor_names(language), language)
    errors = [m for field_errors in form.errors.values() for m in field_errors]
    return render(
        request,
        "plans/suggestion_item.html",
        {
            "item": item,
            "case": case,
            "caregiver": caregiver,
            "errors": errors,
            "next": request.POST.get("next", ""),
            "compact": request.POST.get("compact") == "1",
        },
    )


SECTION_SUGGESTIONS = 3  # suggestions awaiting a decision shown on the case page, per caregiver


def section_context(user: User, case: Case) -> dict[str, Any]:
    """What the case page's plans section shows of suggestions (plans/section/suggestions.html):
    for each caregiver, the current suggestions with what triggered each."""
    rows = []
    for caregiver in case.caregivers.order_by("-is_primary", "pk"):
        found = selectors.suggestions_for(user, case, caregiver)
        items = suggestion_items(found)
        # The case page shows what still awaits a decision, briefly; the suggestions page has
        # every suggestion with its detail and rules.
        waiting = [item for item in items if item["decision"] is None]
        rows.append(
            {
                "caregiver": caregiver,
                "items": waiting[:SECTION_SUGGESTIONS],
                "waiting": len(waiting),
                "decided": len(items) - len(waiting),
                "link": suggestions_url(case.pk, caregiver.pk),
            }
        )
    return {
        "suggestion_rows": rows,
        "case_url": reverse("cases:detail", kwargs={"case_id": case.pk}),
    }
