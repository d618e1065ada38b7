"""Case pages: parse the request, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from buoy.access.decorators import role_allows
from buoy.access.domain.roles import (
    can_reassign,
    can_reassign_cases,
    can_see_department_counts,
    can_see_identifiable_cases,
)
from buoy.access.models import User
from buoy.access.selectors import colleagues_in_wards
from buoy.cases import selectors, services
from buoy.cases.closing import missing_for_closing
from buoy.cases.domain.diagnoses import COMMON_DIAGNOSES
from buoy.cases.domain.phases import Phase, allowed_moves, is_open
from buoy.cases.domain.timeline_filter import GROUP_NAMES, chosen_groups
from buoy.cases.forms import (
    CaregiverForm,
    CaseloadFilterForm,
    CaseOpenForm,
    ChildForm,
    CloseForm,
    ConsentForm,
    CostForm,
    FirstCaregiverForm,
    FollowUpForm,
    NoteForm,
    ReassignForm,
)
from buoy.cases.models import CAREGIVER_FIELDS, CHILD_FIELDS, COST_FIELDS, Case, PhaseChoice
from buoy.core.errors import InvalidInput, NotFound
from buoy.core.forms import add_service_errors

PAGE_SIZE = 25
casework = role_allows(can_see_identifiable_cases)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _case(request: HttpRequest, case_id: int) -> Case:
    """The case through the one door; a page that shows it is audited as a view."""
    audit_as = "cases.case.viewed" if request.method == "GET" else None
    try:
        return selectors.get_case_for(_user(request), case_id, audit_as=audit_as)
    except NotFound:
        raise Http404(_("No such case.")) from None


@casework
def caseload(request: HttpRequest) -> HttpResponse:
    """The user's cases with search, filters and pages; htmx swaps just the results."""
    user = _user(request)
    actor = user.as_actor()
    form = CaseloadFilterForm(
        request.GET or None,
        workers=colleagues_in_wards(actor.ward_ids),
        wards=user.wards.order_by("name"),
    )
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.CaseloadFilter(
        text=data.get("q") or "",
        phase=data.get("phase") or "",
        worker_id=data.get("worker"),
        diagnosis=data.get("diagnosis") or "",
        ward_id=data.get("ward"),
    )
    page = Paginator(selectors.caseload(user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    services.note_cases_listed(
        actor=user, case_ids=[c.pk for c in page.object_list], channel_action="cases.case.listed"
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "cases/caseload.html#results", context)
    return render(request, "cases/caseload.html", context)


@casework
def case_new(request: HttpRequest) -> HttpResponse:
    """Register a new family: the case, the child and the first caregiver."""
    user = _user(request)
    actor = user.as_actor()
    wards = user.wards.order_by("name")
    case_form = CaseOpenForm(
        request.POST or None,
        prefix="case",
        wards=wards,
        colleagues=colleagues_in_wards(actor.ward_ids),
    )
    child_form = ChildForm(request.POST or None, prefix="child")
    caregiver_form = FirstCaregiverForm(request.POST or None, prefix="caregiver")
    forms = (case_form, child_form, caregiver_form)
    if request.method == "POST" and all(f.is_valid() for f in forms):
        try:
            case = services.open_case(
                actor=user,
                ward=case_form.cleaned_data["ward"],
                assigned_worker=case_form.cleaned_data["assigned_worker"],
                referral_source=case_form.cleaned_data["referral_source"],
                opened_on=case_form.cleaned_data["opened_on"],
                child=child_form.cleaned_data,
                caregiver=caregiver_form.cleaned_data,
            )
        except InvalidInput as error:
            for form in forms:
                add_service_errors(form, error)
        else:
            messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/case_new.html",
        {
            "case_form": case_form,
            "child_form": child_form,
            "caregiver_form": caregiver_form,
            "diagnoses": _diagnosis_options(),
            "has_errors": request.method == "POST",
        },
    )


def _diagnosis_options() -> list[tuple[str, str]]:
    language = get_language() or "en"
    return [(d.code, d.label_in(language)) for d in COMMON_DIAGNOSES]


# The timeline filter's groups (buoy/cases/domain/timeline_filter.py), as the page names them.
TIMELINE_GROUP_LABELS = {
    "assessments": _lazy("Assessments"),
    "interviews": _lazy("Interviews and coding"),
    "maps": _lazy("Strengths–risk maps"),
    "plans": _lazy("Plans and reviews"),
    "sessions": _lazy("Sessions"),
    "referrals": _lazy("Referrals"),
    "notes": _lazy("Notes"),
    "phases": _lazy("Phase changes"),
    "record": _lazy("Consents, costs, follow-ups"),
    "other": _lazy("Other"),
}


@casework
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page: child, caregivers, costs, consents, phase and timeline. The timeline is
    filtered by ``?kinds=notes&kinds=plans`` (or ``kinds=notes,plans``; unknown names are
    ignored); an htmx request aimed at the timeline gets only the timeline."""
    case = _case(request, case_id)
    groups = chosen_groups(request.GET.getlist("kinds"))
    context = _detail_context(request, case, timeline_groups=groups)
    if request.htmx and request.htmx.target == "timeline":  # type: ignore[attr-defined]
        return render(request, "cases/case_detail.html#timeline", context)
    return render(request, "cases/case_detail.html", context)


def _detail_context(
    request: HttpRequest, case: Case, *, timeline_groups: tuple[str, ...] = (), **extra: Any
) -> dict[str, Any]:
    user = _user(request)
    phase = case.phase_enum
    moves = [(p.value, PhaseChoice(p.value).label) for p in allowed_moves(phase)]
    return {
        "case": case,
        "caregivers": case.caregivers.all(),
        "costs": case.cost_records.first(),
        "consents": case.consents.select_related("caregiver"),
        "timeline": selectors.case_timeline(case, timeline_groups),
        "timeline_filter": [
            (group, TIMELINE_GROUP_LABELS[group], group in timeline_groups) for group in GROUP_NAMES
        ],
        "timeline_filtered": bool(timeline_groups),
        "moves": moves,
        "can_close": is_open(phase),
        "can_reassign": can_reassign(user.as_actor(), selectors.access_facts(case)),
        "follow_ups": selectors.follow_ups_of(case, timezone.localdate()),
        "note_form": extra.pop("note_form", None) or NoteForm(),
        **extra,
    }


@casework
def child_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    """Update the child's details, diagnosis and treatment."""
    case = _case(request, case_id)
    form = ChildForm(request.POST or None, instance=case.child)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in CHILD_FIELDS}
        case.child.refresh_from_db()
        try:
            services.update_child(actor=_user(request), case=case, changes=changes)
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The child's details were saved."))
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/child_form.html",
        {"case": case, "form": form, "diagnoses": _diagnosis_options()},
    )


@casework
def caregiver_form(
    request: HttpRequest, case_id: int, caregiver_id: int | None = None
) -> HttpResponse:
    """Add a caregiver, or update one's details and family situation."""
    case = _case(request, case_id)
    caregiver = None
    if caregiver_id is not None:
        caregiver = case.caregivers.filter(pk=caregiver_id).first()
        if caregiver is None:
            raise Http404(_("No such caregiver."))
    form = CaregiverForm(request.POST or None, instance=caregiver)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in CAREGIVER_FIELDS}
        try:
            if caregiver is None:
                services.add_caregiver(actor=_user(request), case=case, details=values)
            else:
                caregiver.refresh_from_db()
                services.update_caregiver(actor=_user(request), caregiver=caregiver, changes=values)
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The caregiver's details were saved."))
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request, "cases/caregiver_form.html", {"case": case, "form": form, "caregiver": caregiver}
    )


@casework
def costs_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record the family's costs as they stand."""
    case = _case(request, case_id)
    form = CostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        amounts = {name: form.cleaned_data[name] for name in COST_FIELDS}
        try:
            services.record_costs(
                actor=_user(request),
                case=case,
                amounts=amounts,
                recorded_on=form.cleaned_data["recorded_on"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The costs were recorded."))
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/costs_form.html", {"case": case, "form": form})


@require_POST
@casework
def case_phase(request: HttpRequest, case_id: int) -> HttpResponse:
    """Move the case to the phase chosen on the case page."""
    case = _case(request, case_id)
    try:
        target = Phase(request.POST.get("phase", ""))
        services.move_case_to_phase(actor=_user(request), case=case, phase=target)
    except (ValueError, InvalidInput):
        messages.error(
            request, _("A case in this phase cannot move there. Choose one of the phases offered.")
        )
    else:
        messages.success(
            request, _("The case moved to %(phase)s.") % {"phase": PhaseChoice(target.value).label}
        )
    return redirect("cases:detail", case_id=case.pk)


@casework
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    """Close the case with a reason, and say why when the post-assessment is missing."""
    case = _case(request, case_id)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_case(
                actor=_user(request),
                case=case,
                reason=form.cleaned_data["reason"],
                closed_on=form.cleaned_data["closed_on"],
                without_post_assessment_reason=form.cleaned_data["without_post_assessment_reason"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case was closed."))
            return redirect("cases:detail", case_id=case.pk)
    # Said before the worker submits, so the reason can be written the first time.
    missing = missing_for_closing(case)
    return render(
        request, "cases/close_form.html", {"case": case, "form": form, "missing": missing}
    )


@require_POST
@casework
def follow_up_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record that a follow-up contact with the family was made."""
    case = _case(request, case_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.record_follow_up(
                actor=_user(request),
                case=case,
                months=form.cleaned_data["months"],
                contacted_on=form.cleaned_data["contacted_on"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
    # The follow-ups are rows of the case page, so a refusal is said as a message there.
    if form.errors:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    else:
        messages.success(request, _("The follow-up contact was recorded."))
    return redirect("cases:detail", case_id=case.pk)


@require_POST
@casework
def note_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Add a note; with htmx only the notes and timeline are redrawn."""
    case = _case(request, case_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.write_note(actor=_user(request), case=case, body=form.cleaned_data["body"])
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            form = NoteForm()
    context = _detail_context(request, case, note_form=form)
    status = 200 if not form.errors else 400
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "cases/case_detail.html#timeline", context, status=status)
    if form.errors:
        return render(request, "cases/case_detail.html", context, status=status)
    return redirect("cases:detail", case_id=case.pk)


@casework
def consent_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record a caregiver's consent."""
    case = _case(request, case_id)
    form = ConsentForm(request.POST or None, caregivers=case.caregivers.all())
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(
                actor=_user(request),
                case=case,
                caregiver=form.cleaned_data["caregiver"],
                scope=form.cleaned_data["scope"],
                given_on=form.cleaned_data["given_on"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/consent_form.html", {"case": case, "form": form})


@require_POST
@casework
def consent_withdraw(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    """Record that a consent was withdrawn today."""
    case = _case(request, case_id)
    consent = case.consents.filter(pk=consent_id).first()
    if consent is None:
        raise Http404(_("No such consent."))
    try:
        services.withdraw_consent(
            actor=_user(request), consent=consent, withdrawn_on=timezone.localdate()
        )
    except InvalidInput as error:
        messages.error(request, " ".join(m for ms in error.errors.values() for m in ms))
    else:
        messages.success(request, _("The withdrawal was recorded."))
    return redirect("cases:detail", case_id=case.pk)


@role_allows(can_reassign_cases)
def case_reassign(request: HttpRequest, case_id: int) -> HttpResponse:
    """A supervisor gives the case to another worker and sets who shares it."""
    case = _case(request, case_id)
    colleagues = colleagues_in_wards({case.ward_id})
    form = ReassignForm(
        request.POST or None,
        colleagues=colleagues,
        initial={"worker": case.assigned_worker, "shared_with": list(case.shared_with.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reassign_case(
                actor=_user(request),
                case=case,
                worker=form.cleaned_data["worker"],
                shared_with=form.cleaned_data["shared_with"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case was reassigned."))
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/reassign_form.html", {"case": case, "form": form})


@role_allows(can_see_department_counts)
def overview(request: HttpRequest) -> HttpResponse:
    """Department-wide counts by phase and diagnosis group; no family can be identified."""
    counts = selectors.department_counts()
    return render(
        request,
        "cases/overview.html",
        {
            "phases": [
                (label, counts.by_phase.get(value, "0")) for value, label in PhaseChoice.choices
            ],
            "groups": list(counts.by_group.items()),
            "total": counts.total,
        },
    )
