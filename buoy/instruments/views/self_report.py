"""The caregiver's own link page (no login), in their language."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from buoy.core.errors import InvalidInput, NotFound
from buoy.core.forms import add_service_errors
from buoy.instruments import selectors, services
from buoy.instruments.forms import AnswersForm, instructions_in
from buoy.instruments.views.assessments import _unanswered


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
