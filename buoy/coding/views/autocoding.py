"""Auto-coding: a search and the preview of its matches, applying them, and undo."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from buoy.coding import selectors, services
from buoy.coding.forms import AutocodeForm
from buoy.coding.models import Project
from buoy.coding.views.common import (
    _language,
    _messages_of,
    _project,
    _query_link,
    _transcript,
    _user,
    coder,
)
from buoy.core.errors import Forbidden, InvalidInput, NotFound


def _codable_choices(project: Project) -> list[tuple[int, str]]:
    codes = selectors.codes_of(project)
    depths = selectors.code_depths(codes)
    language = _language()
    return [
        (code.pk, "\u2003" * min(depths.get(code.pk, 0), 6) + code.name_in(language))
        for code in codes
        if code.codable
    ]


def _autocode_form(
    request: HttpRequest, project: Project, data: Any, *, needs_code: bool = False
) -> AutocodeForm:
    listed = selectors.listed_transcripts(_user(request), project)
    transcripts = [(transcript.pk, transcript.title) for transcript in listed]
    return AutocodeForm(
        data, transcripts=transcripts, codes=_codable_choices(project), needs_code=needs_code
    )


def _autocode_preview(
    request: HttpRequest, project: Project, form: AutocodeForm
) -> tuple[selectors.AutocodingPreview | None, list[str]]:
    """The preview the form asks for, or the reasons there is none."""
    if not form.is_valid():
        return None, []
    data = form.cleaned_data
    chosen = _transcript(request, data["transcript"], audit=False) if data["transcript"] else None
    try:
        preview = selectors.autocoding_preview(
            _user(request),
            project,
            pattern=data["pattern"],
            kind=data["kind"],
            scope=data["scope"],
            transcript=chosen,
        )
    except InvalidInput as error:
        return None, _messages_of(error)
    return preview, []


def _autocode_page(
    request: HttpRequest,
    project: Project,
    form: AutocodeForm,
    *,
    preview: selectors.AutocodingPreview | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    undoable = selectors.undoable_action(project, user)
    applied = request.GET.get("action", "")
    groups: dict[int, dict[str, Any]] = {}
    for match in preview.matches if preview else []:
        group = groups.setdefault(
            match.transcript.pk, {"transcript": match.transcript, "matches": []}
        )
        group["matches"].append(
            {"match": match, "link": _query_link(match.transcript.pk, match.start, match.end)}
        )
    context = {
        "project": project,
        "form": form,
        "preview": preview,
        "groups": list(groups.values()),
        "errors": errors or [],
        "undo_action": undoable if undoable and str(undoable.pk) == applied else None,
        "limit": selectors.AUTOCODING_LIMIT,
    }
    return render(request, "coding/autocode.html", context, status=status)


@coder
def autocode(request: HttpRequest, project_id: int) -> HttpResponse:
    """Auto-coding: a search (text, regular expression or speaker) and the preview of its
    matches; applying them is a separate POST (`autocode_apply`)."""
    found = _project(request, project_id)
    form = _autocode_form(request, found, request.GET if "pattern" in request.GET else None)
    preview, errors = _autocode_preview(request, found, form)
    return _autocode_page(
        request, found, form, preview=preview, errors=errors, status=400 if errors else 200
    )


@require_POST
@coder
def autocode_apply(request: HttpRequest, project_id: int) -> HttpResponse:
    """Apply the chosen code to every match of the posted search, as one undoable action."""
    found = _project(request, project_id)
    form = _autocode_form(request, found, request.POST, needs_code=True)
    preview, errors = _autocode_preview(request, found, form)
    if preview is None:
        return _autocode_page(request, found, form, errors=errors, status=400)
    try:
        result = services.apply_autocoding(
            actor=_user(request),
            project=found,
            code_id=form.cleaned_data["code"],
            matches=preview.matches,
        )
    except (NotFound, Forbidden):
        raise Http404(_("No such project.")) from None
    except InvalidInput as error:
        return _autocode_page(
            request, found, form, preview=preview, errors=_messages_of(error), status=400
        )
    done = ngettext(
        "The code was applied to %(n)s stretch of text.",
        "The code was applied to %(n)s stretches of text.",
        result.applied,
    ) % {"n": result.applied}
    if result.skipped:
        done += " " + ngettext(
            "%(n)s stretch you had already coded with it was left as it was.",
            "%(n)s stretches you had already coded with it were left as they were.",
            result.skipped,
        ) % {"n": result.skipped}
    messages.success(request, done)
    url = reverse("coding:autocode", kwargs={"project_id": found.pk})
    if result.action is not None:
        url += "?" + urlencode({"action": result.action.pk})
    return redirect(url)


@require_POST
@coder
def autocode_undo(request: HttpRequest, project_id: int) -> HttpResponse:
    """Undo an auto-coding (`action`), if it is still the user's last change in the project."""
    found = _project(request, project_id)
    user = _user(request)
    latest = selectors.undoable_action(found, user)
    if latest is None or str(latest.pk) != request.POST.get("action", ""):
        error = _(
            "This auto-coding is no longer your last change in the project, so it cannot be "
            "undone here: undo your later changes first."
        )
        return _autocode_page(
            request, found, _autocode_form(request, found, None), errors=[error], status=400
        )
    try:
        services.undo_last(actor=user, project=found)
    except (NotFound, Forbidden):
        raise Http404(_("No such project.")) from None
    messages.success(request, _("The auto-coding was undone."))
    return redirect("coding:autocode", project_id=found.pk)
