"""Pages of the intervention model: a case's referrals to the department's resources, and
each step they take (`domain/referrals.py`). Parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.core.errors import InvalidInput, NotFound
from buoy.core.forms import add_service_errors
from buoy.plans import selectors, services
from buoy.plans.domain.referrals import next_statuses
from buoy.plans.forms.referrals import ReferralForm, ReferralMoveForm
from buoy.plans.models import Referral, ReferralStatus
from buoy.plans.views.shared import case_of, casework, user_of


def section_context(user: User, case: Case) -> dict[str, Any]:
    """What the case page's plans section shows of referrals (plans/section/referrals.html)."""
    return {"case_referrals": selectors.referrals_of(user, case)}


def _resource_choices(user: User) -> list[tuple[Any, str]]:
    """The resources the directory offers today, with their kind."""
    return [
        (r.pk, f"{r.name} ({r.get_kind_display()})")
        for r in selectors.resources_visible_to(user, offered_only=True)
    ]


def _steps(referral: Referral) -> list[tuple[str, Any]]:
    """Each status the referral has reached and its day, in the order they happen."""
    return [
        (str(ReferralStatus(status).label), getattr(referral, field))
        for status, field in Referral.DATE_OF_STATUS.items()
        if getattr(referral, field) is not None
    ]


@casework
def referral_list(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's referrals, newest first, with status, dates and outcome."""
    user = user_of(request)
    case = case_of(request, case_id)
    return render(
        request,
        "plans/referral_list.html",
        {"case": case, "case_referrals": selectors.referrals_of(user, case)},
    )


@casework
def referral_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Propose a referral of the family to a resource of the directory."""
    user = user_of(request)
    case = case_of(request, case_id)
    form = ReferralForm(
        request.POST or None,
        resources=_resource_choices(user),
        initial={"resource": request.GET.get("resource", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.refer_case(
                actor=user,
                case=case,
                resource=data["resource"],
                proposed_on=data["proposed_on"],
                outcome=data["outcome"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The referral was proposed."))
            return redirect("plans:referral_detail", case_id=case.pk, referral_id=referral.pk)
    return render(request, "plans/referral_form.html", {"case": case, "form": form})


@casework
def referral_detail(request: HttpRequest, case_id: int, referral_id: int) -> HttpResponse:
    """A referral: its resource, each step with its day, the outcome; and the form that
    moves it on (POST), offering only the moves its status allows."""
    user = user_of(request)
    case = case_of(request, case_id)
    try:
        referral = selectors.get_referral_for(
            user,
            referral_id,
            audit_as="plans.referral.viewed" if request.method == "GET" else None,
        )
    except NotFound:
        raise Http404(_("No such referral.")) from None
    if referral.case_id != case.pk:
        raise Http404(_("No such referral."))
    onward = [(s, ReferralStatus(s).label) for s in next_statuses(referral.status)]
    form = ReferralMoveForm(
        request.POST or None, statuses=onward, initial={"outcome": referral.outcome}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.move_referral(
                actor=user,
                referral=referral,
                status=data["status"],
                on=data["on"],
                outcome=data["outcome"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The referral's status was changed."))
            return redirect("plans:referral_detail", case_id=case.pk, referral_id=referral.pk)
    return render(
        request,
        "plans/referral_detail.html",
        {
            "case": case,
            "referral": referral,
            "steps": _steps(referral),
            "form": form if onward or form.errors else None,
        },
    )
