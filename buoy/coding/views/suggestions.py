"""Learned code suggestions: train the model, read its quality, accept a suggestion."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buoy.coding import selectors, services
from buoy.coding.forms import code_numbers, positions
from buoy.coding.models import Project, Transcript
from buoy.coding.views.common import (
    _language,
    _messages_of,
    _project,
    _query_link,
    _transcript,
    _user,
    _wants_fragment,
    coder,
)
from buoy.core.errors import Forbidden, InvalidInput, NotFound


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _suggestions_page(
    request: HttpRequest, project: Project, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    language = _language()
    history = list(selectors.suggestion_models_of(project)[:10])
    latest = history[0] if history else None
    codes = {str(code.pk): code for code in project.codes.all()}

    def name(code_id: str) -> str:
        code = codes.get(code_id)
        return code.name_in(language) if code else _("(deleted code)")

    quality = []
    skipped = []
    if latest is not None:
        for code_id, figures in latest.quality.items():
            support = figures.get("support") or 0
            quality.append(
                {
                    "name": name(code_id),
                    "precision": _share(figures.get("precision")),
                    "recall": _share(figures.get("recall")),
                    "support": support,
                    "chance": _share(support / latest.n_examples if latest.n_examples else None),
                }
            )
        quality.sort(key=lambda row: str(row["name"]))
        skipped = sorted((name(code_id), count) for code_id, count in latest.skipped.items())
    transcripts = selectors.listed_transcripts(user, project)
    context = {
        "project": project,
        "latest": latest,
        "history": history,
        "quality": quality,
        "skipped": skipped,
        "transcripts": transcripts,
        "errors": errors or [],
        "min_examples": services.SUGGESTION_MIN_EXAMPLES,
    }
    return render(request, "coding/suggestions.html", context, status=status)


@coder
def suggestions(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project's suggestion model: train it, read its cross-validated quality per code,
    and open a transcript's suggestions."""
    return _suggestions_page(request, _project(request, project_id))


@require_POST
@coder
def suggestions_train(request: HttpRequest, project_id: int) -> HttpResponse:
    """Train the project's suggestion model on the coded segments the user may read."""
    found = _project(request, project_id)
    try:
        stored = services.train_suggestions(actor=_user(request), project=found)
    except (NotFound, Forbidden):
        raise Http404(_("No such project.")) from None
    except InvalidInput as error:
        return _suggestions_page(request, found, _messages_of(error), status=400)
    messages.success(
        request,
        _("The model learned from %(n)s examples.") % {"n": stored.n_examples},
    )
    return redirect("coding:suggestions", project_id=found.pk)


def _transcript_suggestions_context(
    request: HttpRequest, found: Transcript, errors: list[str] | None = None
) -> dict[str, Any]:
    language = _language()
    result = selectors.suggestions_for(_user(request), found)
    return {
        "transcript": found,
        "project": found.project,
        "result": result,
        "sentences": [
            {
                "sentence": sentence,
                "link": _query_link(found.pk, sentence.start, sentence.end),
                "codes": [
                    {
                        "code": item.code,
                        "name": item.code.name_in(language),
                        "confidence": _share(item.confidence),
                        "precision": _share(item.precision),
                    }
                    for item in sentence.codes
                ],
            }
            for sentence in result.sentences
        ],
        "errors": errors or [],
    }


@coder
def transcript_suggestions(request: HttpRequest, transcript_id: int) -> HttpResponse:
    """Suggested codes for the transcript's uncoded sentences, each with an Accept button; the
    coding screen loads the `panel` fragment."""
    found = _transcript(request, transcript_id)
    context = _transcript_suggestions_context(request, found)
    context["screen"] = _wants_fragment(request)
    template = "coding/transcript_suggestions.html"
    return render(request, f"{template}#panel" if _wants_fragment(request) else template, context)


@require_POST
@coder
def suggestion_accept(request: HttpRequest, transcript_id: int) -> HttpResponse:
    """Accept one suggested code (`code`, `start`, `end`); back to the list or, with
    `next=screen`, to the coding screen at the sentence."""
    found = _transcript(request, transcript_id, audit=False)
    try:
        start, end = positions(request.POST.get("start"), request.POST.get("end"))
        (code_id,) = code_numbers([request.POST.get("code")])
        services.accept_suggestion(
            actor=_user(request), transcript=found, code_id=code_id, start=start, end=end
        )
    except (NotFound, Forbidden):
        raise Http404(_("No such transcript.")) from None
    except InvalidInput as error:
        shown = _transcript(request, transcript_id)  # the page shows the text: audited
        context = _transcript_suggestions_context(request, shown, _messages_of(error))
        return render(request, "coding/transcript_suggestions.html", context, status=400)
    messages.success(request, _("The suggested code was applied."))
    if request.POST.get("next") == "screen":
        return redirect(_query_link(found.pk, start, end))
    return redirect("coding:transcript_suggestions", transcript_id=found.pk)
