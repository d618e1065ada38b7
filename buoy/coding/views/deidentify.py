"""De-identified copies: confirm what to replace, then make the copy."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from buoy.coding import selectors, services
from buoy.coding.domain.redaction import suggestion_key, surroundings, typed_replacements
from buoy.coding.views.common import _messages_of, _transcript, _user, coder
from buoy.core.errors import InvalidInput


@coder
def deidentify(request: HttpRequest, transcript_id: int) -> HttpResponse:
    """Confirm what to replace, then make a de-identified copy in a research project."""
    found = _transcript(request, transcript_id, audit=request.method == "GET")
    user = _user(request)
    if found.is_deidentified or found.case is None:
        raise Http404(_("Only a case transcript is de-identified."))
    suggestions = selectors.redaction_suggestions(user, found)
    projects = list(selectors.research_projects_of(user))
    errors: list[str] = []
    chosen = {suggestion_key(s) for s in suggestions}
    extra = ""
    if request.method == "POST":
        chosen = set(request.POST.getlist("accept"))
        extra = request.POST.get("extra", "")
        accepted: list[Any] = [s for s in suggestions if suggestion_key(s) in chosen]
        taken = [(s.start, s.end) for s in accepted]
        accepted += typed_replacements(found.text, extra, taken, _("[removed]"))
        target = next((p for p in projects if str(p.pk) == request.POST.get("project")), None)
        if target is None:
            errors.append(_("Choose a research project you are a member of."))
        else:
            try:
                copy = services.make_deidentified_copy(
                    actor=user,
                    transcript=found,
                    project=target,
                    accepted=accepted,
                    carry_codings=request.POST.get("carry") == "on",
                )
            except InvalidInput as error:
                errors += _messages_of(error)
            else:
                messages.success(request, _("The de-identified copy was made."))
                return redirect("coding:transcript", transcript_id=copy.pk)
    rows = []
    for suggestion in suggestions:
        before, after = surroundings(found.text, suggestion.start, suggestion.end)
        rows.append(
            {
                "key": suggestion_key(suggestion),
                "suggestion": suggestion,
                "before": before,
                "after": after,
                "checked": suggestion_key(suggestion) in chosen,
            }
        )
    context = {
        "transcript": found,
        "rows": rows,
        "projects": projects,
        "errors": errors,
        "extra": extra,
    }
    return render(request, "coding/deidentify.html", context, status=400 if errors else 200)
