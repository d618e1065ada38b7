"""Assessment pages: the case's assessment section, entry, correction, self-report links,
safety alerts and how they were handled, and the caregiver's own link page (no login); and
the administrator's pages for the department's instruments: item groups and timepoints."""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buoy.access.decorators import role_allows
from buoy.access.domain.roles import can_manage_instruments, can_see_identifiable_cases
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Case
from buoy.cases.selectors import get_case_for, staff_on_case
from buoy.core.errors import InvalidInput, NotFound
from buoy.core.forms import add_service_errors
from buoy.instruments import selectors, services
from buoy.instruments.domain.charts import ChartPoint, score_history_svg
from buoy.instruments.domain.definition import Instrument
from buoy.instruments.forms import (
    AlertHandlingForm,
    AnswersForm,
    AssessmentStartForm,
    ItemGroupForm,
    ItemGroupFormSet,
    ItemGroupsChangeForm,
    TimepointForm,
    WordingImportForm,
    WordingVerifyForm,
    instructions_in,
    item_label,
    text_in,
)
from buoy.instruments.models import Assessment, AssessmentMode, AssessmentStatus

casework = role_allows(can_see_identifiable_cases)
instrument_keeping = role_allows(can_manage_instruments)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _language() -> str:
    return get_language() or "en"


def _case(request: HttpRequest, case_id: int, *, audit: bool = True) -> Case:
    try:
        return get_case_for(
            _user(request),
            case_id,
            audit_as="cases.case.viewed" if audit and request.method == "GET" else None,
        )
    except NotFound:
        raise Http404(_("No such case.")) from None


def _assessment(request: HttpRequest, case: Case, assessment_id: int) -> Assessment:
    try:
        assessment = selectors.get_assessment_for(_user(request), assessment_id)
    except NotFound:
        raise Http404(_("No such assessment.")) from None
    if assessment.case_id != case.pk:
        raise Http404(_("No such assessment."))
    return assessment


def _history_charts(case: Case) -> list[dict[str, Any]]:
    language = _language()
    charts = []
    for _instrument_id, points in selectors.score_history(case).items():
        version = points[-1].assessment.instrument_version
        instrument = version.instrument()
        options = [s for rs in instrument.response_sets.values() for s in rs.scores] or [0.0]
        scored = instrument.total.items
        low, high = _total_range(instrument, min(options), max(options), len(scored))
        # Imported instruments may score number items: widen the axis to what was scored.
        values = [p.score.total for p in points if p.score.total is not None]
        low, high = math.floor(min([low, *values])), math.ceil(max([high, *values]))
        if high <= low:
            high = low + 1
        norm = next((n for n in instrument.norms if n.default), None)
        chart_points = [
            ChartPoint(p.assessment.timepoint.label(language), p.score.total) for p in points
        ]
        charts.append(
            {
                "instrument": version,
                "name": version.display_name(language),
                "svg": mark_safe(  # noqa: S308 - every text in it is escaped by the builder
                    score_history_svg(
                        chart_points,
                        low=low,
                        high=high,
                        reference=norm.mean if norm else None,
                        reference_label=(_("norm mean %(mean)s") % {"mean": f"{norm.mean:g}"})
                        if norm
                        else "",
                        title=_("%(name)s scores over time")
                        % {"name": version.display_name(language)},
                    )
                ),
                "points": points,
                "norms": _norm_rows(instrument),
                "profiles": _profile_change(instrument, points),
            }
        )
    return charts


def _quartile(quartiles: Any, total: float | None) -> int | None:
    """Which published quartile (1–4) a total falls in; None without quartiles or a total."""
    if total is None or not quartiles:
        return None
    for number, (low, high) in enumerate(quartiles, start=1):
        if low <= round(total) <= high:
            return number
    return None


def _norm_rows(instrument: Any, total: float | None = None) -> list[dict[str, Any]]:
    """Each reference population in the reader's language, default first, with the quartile
    of `total` where the source publishes quartiles."""
    language = _language()
    rows = [
        {
            "quartile": _quartile(norm.quartiles, total),
            "population": text_in(norm.population, language) or norm.id,
            "mean": norm.mean,
            "sd": norm.sd,
            "reliability": norm.reliability,
            "reliability_kind": norm.reliability_kind,
            "source": norm.source,
            "quartiles": norm.quartiles,
            "default": norm.default,
        }
        for norm in instrument.norms
    ]
    return sorted(rows, key=lambda row: not row["default"])


def _total_range(
    instrument: Any, option_low: float, option_high: float, n: int
) -> tuple[float, float]:
    method = instrument.total.method
    factor = instrument.total.multiplier
    if method in ("mean",):
        return option_low * factor, option_high * factor
    if method == "count":
        return 0.0, float(n)
    return option_low * n * factor, option_high * n * factor


def _profile_change(instrument: Any, points: list[Any]) -> list[dict[str, Any]]:
    """Item-group means at the first and the latest completed assessment (descriptive)."""
    if not instrument.item_groups or len(points) < 1:
        return []
    first, last = points[0].score, points[-1].score
    rows = []
    for group in instrument.item_groups:
        rows.append(
            {
                "label": text_in(group.label, _language()) or group.id,
                "before": first.profiles.get(group.id),
                "after": last.profiles.get(group.id) if len(points) > 1 else None,
            }
        )
    return rows


@casework
def case_section(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's assessment section (loaded into the case page by htmx): assessments,
    score charts, open safety alerts and the case's alert history."""
    user = _user(request)
    # The case page has recorded the view of the case; this records what the section shows.
    case = _case(request, case_id, audit=False)
    assessments = list(selectors.assessments_visible_to(user).filter(case=case))
    history = list(selectors.alert_history(case))
    record(
        actor=user,
        action="instruments.assessment.listed",
        subject=case,
        context={
            "case": case.pk,
            "ids": sorted(a.pk for a in assessments),
            "count": len(assessments),
            "alerts": sorted(a.pk for a in history),
        },
    )
    return render(
        request,
        "instruments/case_section.html",
        {
            "case": case,
            "assessments": assessments,
            "charts": _history_charts(case),
            "alerts": [alert for alert in history if not alert.is_handled],
            "history": history,
            "overdue_hours": selectors.alert_overdue_hours(),
            "language": _language(),
        },
    )


def _wording_rows(case: Case) -> list[dict[str, Any]]:
    """For the start page: each instrument's wording in the languages of the case's
    caregivers, so the worker knows before choosing which can go out as a link."""
    languages = sorted({c.preferred_language for c in case.caregivers.all()})
    rows = []
    for version in selectors.current_instruments().prefetch_related("wordings"):
        rows.append(
            {
                "name": version.display_name(_language()),
                "wordings": [
                    {
                        "language": _language_name(language),
                        "wording": selectors.wording_in(version, language),
                        "licensed": version.instrument().licence.status == "licensed",
                    }
                    for language in languages
                ],
            }
        )
    return rows


@casework
def assessment_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Start an assessment: caregiver, instrument, timepoint, interview or link."""
    case = _case(request, case_id)
    form = AssessmentStartForm(
        request.POST or None,
        caregivers=case.caregivers.all(),
        instruments=selectors.current_instruments(),
        timepoints=selectors.timepoints(),
        language=_language(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.start_assessment(
                actor=_user(request),
                case=case,
                caregiver=form.cleaned_data["caregiver"],
                instrument_version=form.cleaned_data["instrument"],
                timepoint=form.cleaned_data["timepoint"],
                mode=form.cleaned_data["mode"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            if assessment.mode == AssessmentMode.SELF_REPORT:
                return _link_page(request, case, assessment)
            return redirect("instruments:assessment", case_id=case.pk, assessment_id=assessment.pk)
    return render(
        request,
        "instruments/assessment_new.html",
        {"case": case, "form": form, "wording_rows": _wording_rows(case)},
    )


def _link_page(request: HttpRequest, case: Case, assessment: Assessment) -> HttpResponse:
    key = services.create_self_report_link(actor=_user(request), assessment=assessment)
    url = request.build_absolute_uri(reverse("self_report", args=[key]))
    version = assessment.instrument_version
    return render(
        request,
        "instruments/link_created.html",
        {
            "case": case,
            "assessment": assessment,
            "url": url,
            "name": version.display_name(_language()),
            "wording": selectors.wording_in(version, assessment.language),
            "wording_language": _language_name(assessment.language),
        },
    )


@require_POST
@casework
def link_new(request: HttpRequest, case_id: int, assessment_id: int) -> HttpResponse:
    """Make a (new) one-time link for an unfinished assessment."""
    case = _case(request, case_id)
    assessment = _assessment(request, case, assessment_id)
    try:
        return _link_page(request, case, assessment)
    except InvalidInput as error:
        messages.error(request, " ".join(m for ms in error.errors.values() for m in ms))
        return redirect("instruments:assessment", case_id=case.pk, assessment_id=assessment.pk)


def _unanswered(instrument: Instrument, items: Any, language: str) -> list[dict[str, Any]]:
    """The unanswered items as the confirmation lists them: number, field id and text."""
    return [
        {"number": item.number, "id": item.id, "text": text_in(item.text, language)}
        for item in items
    ]


def _completed_message(found: Assessment) -> str:
    """The banner after completing: never "scored" for an invalid score. How many items are
    missing comes from the scoring rules themselves (domain/scoring.py)."""
    score = selectors.current_score(found)
    if score is None or score.status != "invalid":
        return _("The assessment was completed and scored.")
    result = selectors.score_if_completed(found)
    rule = found.instrument_version.instrument().total
    return ngettext(
        "The assessment was completed; its score is invalid because %(missing)s item is "
        "unanswered (at least %(needed)s of %(count)s are needed).",
        "The assessment was completed; its score is invalid because %(missing)s items are "
        "unanswered (at least %(needed)s of %(count)s are needed).",
        len(result.missing),
    ) % {"missing": len(result.missing), "needed": rule.min_answered, "count": len(rule.items)}


@casework
def assessment(request: HttpRequest, case_id: int, assessment_id: int) -> HttpResponse:
    """Enter answers in an interview, see the score, or correct a completed assessment."""
    case = _case(request, case_id)
    found = _assessment(request, case, assessment_id)
    instrument = found.instrument_version.instrument()
    completed = found.status == AssessmentStatus.COMPLETED
    current = selectors.current_answers(found)
    form = AnswersForm(
        request.POST or None,
        instrument=instrument,
        language=_language(),
        with_reason=completed,
        initial={k: ("" if v is None else str(v)) for k, v in current.items()},
    )
    confirm: services.UnconfirmedInvalidScore | None = None
    if request.method == "POST" and form.is_valid():
        try:
            if completed:
                services.correct_assessment(
                    actor=_user(request),
                    assessment=found,
                    answers=form.answers(),
                    reason=form.cleaned_data["reason"],
                )
                corrected = selectors.current_score(found)
                messages.success(
                    request,
                    _(
                        "The correction was saved; the score is now invalid: too few items "
                        "are answered."
                    )
                    if corrected is not None and corrected.status == "invalid"
                    else _("The correction was saved and scored again."),
                )
            else:
                finish = "complete" in request.POST
                services.record_answers(
                    actor=_user(request),
                    assessment=found,
                    answers=form.answers(),
                    complete=finish,
                    confirm_invalid=request.POST.get("complete") == "confirm_invalid",
                )
                messages.success(
                    request,
                    _completed_message(found) if finish else _("The answers were saved."),
                )
        except services.UnconfirmedInvalidScore as refusal:
            confirm = refusal
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            return redirect("instruments:assessment", case_id=case.pk, assessment_id=found.pk)
    score = selectors.current_score(found)
    version = found.instrument_version
    return render(
        request,
        "instruments/assessment.html",
        {
            "case": case,
            "assessment": found,
            "instrument": instrument,
            "name": version.display_name(_language()),
            "instructions": instructions_in(instrument, _language(), fallback=True),
            "form": form,
            "score": score,
            "completed": completed,
            "confirm": confirm,
            "unanswered": _unanswered(instrument, confirm.unanswered, _language())
            if confirm
            else [],
            "unanswered_ids": [item.id for item in confirm.unanswered] if confirm else [],
            "licensed_without_wording": instrument.licence.status == "licensed"
            and not instrument.has_wording(_language()),
            # The caregiver's link is in the assessment's language, not the page's.
            "link_wording": selectors.wording_in(version, found.language),
            "link_language": _language_name(found.language),
            "link_licensed": instrument.licence.status == "licensed",
            "norms": _norm_rows(instrument, score.total if score else None),
            "corrections": found.corrections.select_related("corrected_by"),
        },
    )


ALERTS_SHOWN = 100


@casework
def alerts(request: HttpRequest) -> HttpResponse:
    """Open safety alerts on the cases the user sees, the longest waiting first, overdue ones
    marked (the worker's and the supervisor's to-do list)."""
    user = _user(request)
    found = selectors.open_alerts_visible_to(user)
    shown = list(found[:ALERTS_SHOWN])
    selectors.record_alerts_shown(user, shown)
    return render(
        request,
        "instruments/alerts.html",
        {
            "alerts": shown,
            "total": found.count() if len(shown) == ALERTS_SHOWN else len(shown),
            "overdue_hours": selectors.alert_overdue_hours(),
            "language": _language(),
        },
    )


@casework
def alerts_banner(request: HttpRequest) -> HttpResponse:
    """A one-line count of open safety alerts, and of the overdue ones, loaded into the
    caseload by htmx. Counts only: it names no family, so it records no read."""
    found = selectors.open_alerts_visible_to(_user(request))
    return render(
        request,
        "instruments/alerts_banner.html",
        {
            "count": found.count(),
            "overdue": selectors.only_overdue(found).count(),
            "overdue_hours": selectors.alert_overdue_hours(),
        },
    )


def _same_site_next(request: HttpRequest) -> str:
    """The `next` address the form came with, if it stays on this site; else empty.

    Anything else (another host, another scheme, `//evil.example`) is dropped, so the form
    cannot be used to send a worker off to another site.
    """
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return ""


@casework
def alert_handle(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Record what was done about a safety alert (what, when, by whom, a note); for an alert
    already handled, show that record."""
    user = _user(request)
    try:
        alert = selectors.get_alert_for(user, alert_id)
    except NotFound:
        raise Http404(_("No such alert.")) from None
    # Through the one door: a GET records the view (the page shows the family and the answer).
    case = _case(request, alert.case_id)
    back = _same_site_next(request)
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = AlertHandlingForm(
        request.POST or None,
        staff=staff_on_case(case),
        initial={"handled_by": user.pk, "handled_at": now, "next": back},
    )
    form.fields["handled_at"].widget.attrs.update(
        {
            "min": timezone.localtime(alert.raised_at).strftime("%Y-%m-%dT%H:%M"),
            "max": now.strftime("%Y-%m-%dT%H:%M"),
        }
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.handle_alert(
                    actor=user,
                    alert=alert,
                    actions=form.cleaned_data["actions"],
                    handled_at=form.cleaned_data["handled_at"],
                    handled_by=form.cleaned_data["handled_by"],
                    note=form.cleaned_data["note"],
                )
            except InvalidInput as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("What was done about the alert is recorded."))
                return redirect(back or "instruments:alerts")
        status = 400
    return render(
        request,
        "instruments/alert_handle.html",
        {
            "case": case,
            "alert": alert,
            "form": form,
            "back": back or reverse("instruments:alerts"),
            "overdue_hours": selectors.alert_overdue_hours(),
        },
        status=status,
    )


def self_report(request: HttpRequest, key: str) -> HttpResponse:
    """The caregiver's page: only the questionnaire, in their language, no login. Nothing on
    it says where the wording comes from: that is for the staff (ADR 0010)."""
    try:
        link = selectors.usable_self_report_link(key)
    except NotFound:
        return render(request, "instruments/self_report_closed.html", status=404)
    found = link.assessment
    language = found.language
    with translation.override(language):
        instrument = found.instrument_version.instrument()
        form = AnswersForm(
            request.POST or None,
            instrument=instrument,
            language=language,
            initial={
                k: ("" if v is None else str(v))
                for k, v in selectors.current_answers(found).items()
            },
        )
        page = {
            "form": form,
            "name": found.instrument_version.display_name(language),
            "instructions": instructions_in(instrument, language, fallback=False),
            "language": language,
            "expires": link.expires_at,
        }
        if request.method == "POST" and form.is_valid():
            submit = "submit" in request.POST
            try:
                services.save_self_report(
                    link=link,
                    answers=form.answers(),
                    submit=submit,
                    confirm_invalid=request.POST.get("submit") == "confirm_invalid",
                )
            except services.UnconfirmedInvalidScore as refusal:
                page["unanswered"] = _unanswered(instrument, refusal.unanswered, language)
                page["unanswered_ids"] = [item.id for item in refusal.unanswered]
                page["count"] = len(instrument.items)
                page["answered"] = len(instrument.items) - len(refusal.unanswered)
            except InvalidInput as error:
                add_service_errors(form, error)
            except NotFound:
                return render(request, "instruments/self_report_closed.html", status=404)
            else:
                if submit:
                    return render(
                        request, "instruments/self_report_done.html", {"language": language}
                    )
                page["saved"] = True
        response = render(request, "instruments/self_report.html", page)
    response["Cache-Control"] = "no-store"
    return response


# --- the administrator's instrument pages ------------------------------------------------


def _licence_label(status: str) -> str:
    return {
        "public_domain": _("Public domain"),
        "free": _("Free to use"),
        "licensed": _("Licensed"),
    }.get(status, status)


def _origin_label(origin: str) -> str:
    return {
        "bundled": _("Bundled with Buoy"),
        "native": _("Imported definition"),
        "redcap": _("Imported from REDCap"),
        "fhir": _("Imported from FHIR"),
        "edited": _("Item groups edited"),
    }.get(origin, origin)


def _language_name(code: str) -> str:
    return {"en": _("English"), "zh-hans": _("Chinese")}.get(code, code)


def _item_numbers(instrument: Instrument, item_ids: tuple[str, ...]) -> str:
    return ", ".join(str(instrument.item(item_id).number) for item_id in item_ids)


def _wording_cell(
    row: selectors.InstrumentInUse, wording: selectors.WordingInLanguage
) -> dict[str, Any]:
    return {
        "code": wording.language,
        "language": _language_name(wording.language),
        "wording": wording,
        "licensed": row.instrument.licence.status == "licensed",
        "confidence": wording.row.confidence if wording.row else "",
    }


@instrument_keeping
def instrument_list(request: HttpRequest) -> HttpResponse:
    """The instruments in use: version, licence, wording (and whose it is), item groups."""
    language = _language()
    rows = [
        {
            "id": row.version.instrument_id,
            "name": row.version.display_name(language),
            "version": row.version.version,
            "licence": _licence_label(row.instrument.licence.status),
            "licensed": row.instrument.licence.status == "licensed",
            "wording": [_language_name(code) for code in row.wording],
            "imported": [_language_name(code) for code in row.imported_wording],
            "wordings": [_wording_cell(row, wording) for wording in row.wordings],
            "groups": [
                {
                    "id": group.id,
                    "label": text_in(group.label, language) or group.id,
                    "items": _item_numbers(row.instrument, group.items),
                }
                for group in row.instrument.item_groups
            ],
        }
        for row in selectors.instruments_in_use()
    ]
    return render(request, "instruments/instrument_list.html", {"rows": rows})


def _text_rows(instrument: Instrument, language: str) -> list[dict[str, Any]]:
    """Each item with its answers, in English beside `language`, for comparing with the
    rights holder's text."""
    rows = []
    for item in instrument.items:
        response_set = instrument.response_set_of(item)
        rows.append(
            {
                "number": item.number,
                "id": item.id,
                "english": item.text.get("en", ""),
                "text": item.text.get(language, ""),
                "options": [
                    {
                        "value": option.value,
                        "english": option.label.get("en", ""),
                        "text": option.label.get(language, ""),
                    }
                    for option in (response_set.options if response_set else ())
                ],
            }
        )
    return rows


@instrument_keeping
def wording(request: HttpRequest, instrument_id: str, language: str) -> HttpResponse:
    """One instrument's wording in one language: where it comes from, its text beside the
    English, marking a shipped wording verified, and importing the official text over it."""
    if language not in selectors.WORDING_LANGUAGES:
        raise Http404(_("No such language."))
    try:
        version = selectors.current_instrument(instrument_id)
    except NotFound:
        raise Http404(_("No such instrument.")) from None
    found = selectors.wording_in(version, language)
    verify_form = WordingVerifyForm(request.POST if "verify" in request.POST else None)
    import_form = WordingImportForm(
        request.POST if "import" in request.POST else None,
        request.FILES if "import" in request.POST else None,
    )
    if request.method == "POST":
        try:
            if "verify" in request.POST and found.row is not None and verify_form.is_valid():
                services.verify_wording(
                    actor=_user(request), wording=found.row, note=verify_form.cleaned_data["note"]
                )
                messages.success(request, _("The wording is marked as verified."))
                return redirect(
                    "instruments:wording", instrument_id=instrument_id, language=language
                )
            if "import" in request.POST and import_form.is_valid():
                services.import_wording(
                    actor=_user(request),
                    version=version,
                    language=language,
                    wording=import_form.cleaned_data["file"],
                    source=import_form.file_name,
                )
                messages.success(request, _("The wording was imported."))
                return redirect(
                    "instruments:wording", instrument_id=instrument_id, language=language
                )
        except InvalidInput as error:
            add_service_errors(verify_form if "verify" in request.POST else import_form, error)
    instrument = version.instrument()
    provenance = found.row.provenance if found.row else {}
    return render(
        request,
        "instruments/wording.html",
        {
            "version": version,
            "name": version.display_name(_language()),
            "language": language,
            "language_name": _language_name(language),
            "wording": found,
            "licensed": instrument.licence.status == "licensed",
            "provenance": provenance,
            "instructions": instrument.instructions.get(language, ""),
            "instructions_en": instrument.instructions.get("en", ""),
            "texts": _text_rows(instrument, language),
            "verify_form": verify_form,
            "import_form": import_form,
        },
    )


@instrument_keeping
def item_groups(request: HttpRequest, instrument_id: str) -> HttpResponse:
    """Edit an instrument's item groups; saving installs its next version."""
    try:
        version = selectors.current_instrument(instrument_id)
    except NotFound:
        raise Http404(_("No such instrument.")) from None
    # Items show their wording only where the site installed it; otherwise "Item 3".
    instrument = version.instrument()
    choices = [(item.id, item_label(item, _language())) for item in instrument.scored_items]
    if request.method == "POST":
        data = request.POST.copy()
        if "add_group" in data:
            # Another blank group, without saving (works without JavaScript).
            total = data.get("group-TOTAL_FORMS", "")
            data["group-TOTAL_FORMS"] = str(int(total) + 1) if total.isdigit() else total
        formset = ItemGroupFormSet(data, prefix="group", form_kwargs={"item_choices": choices})
        change = ItemGroupsChangeForm(data)
        if "add_group" not in data and formset.is_valid() and change.is_valid():
            groups, places = formset.groups()
            try:
                installed = services.set_item_groups(
                    actor=_user(request),
                    instrument_id=version.instrument_id,
                    groups=groups,
                    reason=change.cleaned_data["reason"],
                    based_on=change.cleaned_data["based_on"] or None,
                )
            except InvalidInput as error:
                formset.show_service_errors(error, places, change)
            else:
                messages.success(
                    request,
                    _("Version %(version)s of %(name)s is installed with the new item groups.")
                    % {"version": installed.version, "name": installed.display_name(_language())},
                )
                return redirect("instruments:instrument_list")
    else:
        formset = ItemGroupFormSet(
            prefix="group",
            initial=[ItemGroupForm.initial_for(group) for group in instrument.item_groups],
            form_kwargs={"item_choices": choices},
        )
        change = ItemGroupsChangeForm(initial={"based_on": version.version})
    return render(
        request,
        "instruments/item_groups.html",
        {
            "version": version,
            "name": version.display_name(_language()),
            "formset": formset,
            "change": change,
            "versions": [
                {
                    "version": v.version,
                    "in_use": v.is_current,
                    "installed": v.imported_at,
                    "by": v.imported_by.display_name() if v.imported_by else "",
                    "origin": _origin_label(v.origin),
                    "reason": v.reason,
                }
                for v in selectors.versions_of(version.instrument_id)
            ],
            "licensed_without_wording": instrument.licence.status == "licensed"
            and not instrument.has_wording(_language()),
        },
    )


@instrument_keeping
def timepoints(request: HttpRequest) -> HttpResponse:
    """The department's timepoints, and a form to add one."""
    form = TimepointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.set_timepoint(actor=_user(request), new=True, **form.cleaned_data)
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Timepoint %(label)s added.") % {"label": added.label(_language())}
            )
            return redirect("instruments:timepoints")
    return render(
        request,
        "instruments/timepoints.html",
        {"timepoints": selectors.timepoints(), "form": form, "language": _language()},
    )


@instrument_keeping
def timepoint_edit(request: HttpRequest, timepoint: str) -> HttpResponse:
    """Relabel a timepoint, or change its order or months; its code stays."""
    try:
        found = selectors.timepoint_with_code(timepoint)
    except NotFound:
        raise Http404(_("No such timepoint.")) from None
    initial = {
        "code": found.code,
        "label_en": found.label_en,
        "label_zh": found.label_zh,
        "order": found.order,
        "months_after_end": found.months_after_end,
    }
    form = TimepointForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.set_timepoint(actor=_user(request), **form.cleaned_data)
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Timepoint %(code)s saved.") % {"code": found.code})
            return redirect("instruments:timepoints")
    return render(request, "instruments/timepoint_form.html", {"form": form, "timepoint": found})
