"""Pages of the intervention model: a case's sessions, support group meetings and a
caregiver's attendance at one. Parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from buoy.access.decorators import role_allows
from buoy.access.domain.roles import can_run_support_groups
from buoy.access.models import User
from buoy.access.selectors import colleagues_in_wards
from buoy.cases.models import Case
from buoy.core.errors import InvalidInput, NotFound
from buoy.core.forms import add_service_errors
from buoy.plans import selectors, services
from buoy.plans.forms.sessions import AttendanceForm, GroupSessionForm, SessionForm
from buoy.plans.models import FamilyRole, GroupSession, Session
from buoy.plans.views.shared import case_of, casework, page_language, user_of

RECENT_SESSIONS = 5
MEETINGS_OFFERED = 50
PAGE_SIZE = 25
support_groups = role_allows(can_run_support_groups)


def section_context(user: User, case: Case) -> dict[str, Any]:
    """What the case page's plans section shows of sessions (plans/section/sessions.html):
    the latest sessions, how many there are, and the caregivers' support group attendance."""
    return {
        "recent_sessions": selectors.sessions_of(user, case, limit=RECENT_SESSIONS),
        "session_total": selectors.sessions_visible_to(user).filter(case=case).count(),
        "group_attendance": selectors.group_attendance_of_case(user, case),
    }


# --- choices drawn from the case and the library -------------------------------------------


def _technique_choices(language: str) -> list[tuple[Any, str]]:
    """The techniques offered today, named in the page's language."""
    return [(t.pk, t.name_in(language)) for t in selectors.techniques_offered()]


def _caregiver_choices(case: Case) -> list[tuple[Any, str]]:
    return [(c.pk, c.full_name) for c in case.caregivers.order_by("-is_primary", "pk")]


def _goal_choices(case: Case) -> list[tuple[Any, str]]:
    """The goals of each caregiver's plan in force, named after the caregiver when the case
    has more than one plan."""
    plans = [
        plan
        for caregiver in case.caregivers.order_by("-is_primary", "pk")
        if (plan := selectors.current_plan(case, caregiver)) is not None
    ]
    choices: list[tuple[Any, str]] = []
    for plan in plans:
        for goal in plan.goals.order_by("order", "pk"):
            label = f"{plan.caregiver.full_name}: {goal.text}" if len(plans) > 1 else goal.text
            choices.append((goal.pk, label))
    return choices


def _family_labels(session: Session) -> list[str]:
    labels = dict(FamilyRole.choices)
    return [str(labels.get(role, role)) for role in session.family_members]


# --- a case's sessions -----------------------------------------------------------------------


@casework
def session_list(request: HttpRequest, case_id: int) -> HttpResponse:
    """Every session of the case, newest first."""
    user = user_of(request)
    case = case_of(request, case_id)
    shown = selectors.sessions_of(user, case)
    return render(
        request,
        "plans/session_list.html",
        {"case": case, "sessions": shown, "language": page_language()},
    )


@casework
def session_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record a session with the family."""
    user = user_of(request)
    case = case_of(request, case_id)
    language = page_language()
    form = SessionForm(
        request.POST or None,
        caregivers=_caregiver_choices(case),
        techniques=_technique_choices(language),
        goals=_goal_choices(case),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.record_session(
                actor=user,
                case=case,
                held_on=data["held_on"],
                minutes=data["minutes"],
                mode=data["mode"],
                caregivers=data["caregivers"],
                family_members=data["family_members"],
                techniques=data["techniques"],
                goals=data["goals"],
                notes=data["notes"],
                homework=data["homework"],
                distress_before=data["distress_before"],
                distress_after=data["distress_after"],
                next_steps=data["next_steps"],
                next_session_on=data["next_session_on"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session was recorded."))
            return redirect("plans:session_detail", case_id=case.pk, session_id=session.pk)
    return render(request, "plans/session_form.html", {"case": case, "form": form})


@casework
def session_detail(request: HttpRequest, case_id: int, session_id: int) -> HttpResponse:
    """One session: who took part, what was done, distress before and after."""
    user = user_of(request)
    case = case_of(request, case_id)
    try:
        session = selectors.get_session_for(user, session_id)
    except NotFound:
        raise Http404(_("No such session.")) from None
    if session.case_id != case.pk:
        raise Http404(_("No such session."))
    return render(
        request,
        "plans/session_detail.html",
        {
            "case": case,
            "session": session,
            "family": _family_labels(session),
            "language": page_language(),
        },
    )


# --- support groups ------------------------------------------------------------------------


@support_groups
def group_list(request: HttpRequest) -> HttpResponse:
    """The support group meetings, newest first (a meeting names no family)."""
    user = user_of(request)
    page = Paginator(selectors.group_sessions_visible_to(user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "plans/group_list.html", {"page": page, "language": page_language()})


def _facilitators(user: User) -> list[User]:
    """Who may be named as a meeting's facilitator: the user and the colleagues of her wards."""
    colleagues = list(colleagues_in_wards(user.as_actor().ward_ids))
    return colleagues if user in colleagues else [user, *colleagues]


@support_groups
def group_new(request: HttpRequest) -> HttpResponse:
    """Record a support group meeting; each case then records its caregiver's attendance."""
    user = user_of(request)
    facilitators = _facilitators(user)
    form = GroupSessionForm(
        request.POST or None,
        facilitators=[(c.pk, c.display_name()) for c in facilitators],
        techniques=_technique_choices(page_language()),
        initial={"facilitator": user.pk},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lead = next((c for c in facilitators if str(c.pk) == data["facilitator"]), None)
        try:
            if lead is None:
                raise InvalidInput({"facilitator": [_("Choose a social worker or supervisor.")]})
            group = services.record_group_session(
                actor=user,
                held_on=data["held_on"],
                minutes=data["minutes"],
                topic=data["topic"],
                techniques=data["techniques"],
                facilitator=lead,
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The support group meeting was recorded."))
            return redirect("plans:group_detail", group_session_id=group.pk)
    return render(request, "plans/group_form.html", {"form": form})


@support_groups
def group_detail(request: HttpRequest, group_session_id: int) -> HttpResponse:
    """One meeting, with the attendance of the caregivers of cases the viewer may see."""
    user = user_of(request)
    try:
        group = selectors.get_group_session_for(user, group_session_id)
    except NotFound:
        raise Http404(_("No such support group meeting.")) from None
    return render(
        request,
        "plans/group_detail.html",
        {
            "group": group,
            "attendance": selectors.group_attendance_of(user, group),
            "language": page_language(),
        },
    )


@casework
def group_attendance_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """From a case: record whether its caregiver attended a support group meeting."""
    user = user_of(request)
    case = case_of(request, case_id)
    meetings = selectors.group_sessions_visible_to(user).filter(held_on__gte=case.opened_on)
    initial = {"group_session": request.GET.get("group", "")}
    form = AttendanceForm(
        request.POST or None,
        meetings=[(g.pk, _meeting_label(g)) for g in meetings[:MEETINGS_OFFERED]],
        caregivers=_caregiver_choices(case),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group: GroupSession | None = selectors.get_group_session_for(
                user, data["group_session"]
            )
        except NotFound:
            group = None
        caregiver = case.caregivers.filter(pk=_digits(data["caregiver"])).first()
        try:
            services.record_group_attendance(
                actor=user,
                group_session=group,  # type: ignore[arg-type]
                case=case,
                caregiver=caregiver,  # type: ignore[arg-type]
                attended=data["attended"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The attendance was recorded."))
            return redirect(reverse("cases:detail", args=[case.pk]) + "#plans")
    return render(request, "plans/group_attendance_form.html", {"case": case, "form": form})


def _meeting_label(group: GroupSession) -> str:
    day = group.held_on.isoformat()
    return f"{day} · {group.topic}" if group.topic else day


def _digits(value: Any) -> int:
    """The id a choice names, or 0 (no row) for anything else."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() else 0
