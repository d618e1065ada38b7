"""The case's assessment section (score charts, norms, alerts), starting an assessment, its
self-report link, and entering, completing and correcting answers."""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from buoy.cases.models import Case
from buoy.core.errors import InvalidInput
from buoy.core.forms import add_service_errors
from buoy.instruments import selectors, services
from buoy.instruments.domain.charts import ChartPoint, score_history_svg
from buoy.instruments.domain.definition import Instrument
from buoy.instruments.forms import AnswersForm, AssessmentStartForm, instructions_in, text_in
from buoy.instruments.models import Assessment, AssessmentMode, AssessmentStatus
from buoy.instruments.views.shared import (
    _assessment,
    _case,
    _language,
    _language_name,
    _user,
    casework,
)


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
    shown = selectors.assessments_shown_on_case(user, case)
    return render(
        request,
        "instruments/case_section.html",
        {
            "case": case,
            "assessments": shown.assessments,
            "charts": _history_charts(case),
            "alerts": [alert for alert in shown.alerts if not alert.is_handled],
            "history": shown.alerts,
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
            "corrections": selectors.corrections_of(found),
        },
    )
