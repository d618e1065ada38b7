"""The coding screen: the text with its codings; apply, remove, undo and memos."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buoy.coding import selectors, services
from buoy.coding.domain.runs import cut_into_runs
from buoy.coding.forms import MemoForm, code_numbers, positions
from buoy.coding.models import Code, Transcript
from buoy.coding.views.common import (
    _is_casework,
    _language,
    _messages_of,
    _transcript,
    _tree,
    _user,
    _wants_fragment,
    coder,
)
from buoy.core.errors import Forbidden, InvalidInput, NotFound
from buoy.core.forms import add_service_errors


def _located(request: HttpRequest) -> tuple[int, int] | None:
    try:
        start, end = int(request.GET["at"]), int(request.GET["to"])
    except (KeyError, ValueError):
        return None
    return (start, end) if 0 <= start < end else None


def _screen_context(
    request: HttpRequest,
    transcript: Transcript,
    *,
    errors: list[str] | None = None,
    memo_form: MemoForm | None = None,
    located: tuple[int, int] | None = None,
) -> dict[str, Any]:
    user = _user(request)
    project = transcript.project
    language = _language()
    codes = {code.pk: code for code in project.codes.all()}

    def shown(code_id: int) -> Code:
        code = codes[code_id]  # a merged code is shown as the code it was merged into
        return codes.get(code.merged_into_id or code.pk, code)

    segments = list(selectors.segments_in(transcript))
    code_of = {segment.pk: shown(segment.code_id) for segment in segments}
    turns = list(transcript.turns.values_list("start", "end", "speaker"))
    blocks = []
    anchored = False
    for block in cut_into_runs(
        transcript.text, [(s.start, s.end, s.pk) for s in segments], turns, located
    ):
        runs = []
        for run in block.runs:
            covering = list(dict.fromkeys(code_of[key] for key in run.covering))
            anchor = run.located and not anchored
            anchored = anchored or anchor
            runs.append(
                {
                    "run": run,
                    "anchor": anchor,
                    "codes": " ".join(str(code.pk) for code in covering),
                    "title": "; ".join(code.name_in(language) for code in covering),
                }
            )
        blank = block.speaker is None and not any(run.text.strip() for run in block.runs)
        blocks.append({"speaker": block.speaker, "runs": runs, "blank": blank})
    counts = selectors.code_counts(project, Transcript.objects.filter(pk=transcript.pk))
    memos = (
        selectors.memos_visible_to(user, project)
        .filter(Q(transcript=transcript) | Q(segment__transcript=transcript))
        .select_related("author", "segment__code")
    )
    return {
        "transcript": transcript,
        "project": project,
        "show_case": _is_casework(user) and transcript.case_id is not None,
        "blocks": blocks,
        "segments": [
            {
                "segment": segment,
                "code": code_of[segment.pk],
                "name": code_of[segment.pk].name_in(language),
                "text": transcript.text[segment.start : segment.end],
            }
            for segment in segments
        ],
        "tree": _tree(project, counts, language),
        "memos": memos,
        "memo_form": memo_form or MemoForm(),
        "can_undo": selectors.undoable_action(project, user) is not None,
        "errors": errors or [],
        "located": located,
    }


def _screen(
    request: HttpRequest,
    transcript: Transcript,
    *,
    errors: list[str] | None = None,
    memo_form: MemoForm | None = None,
    done: str = "",
) -> HttpResponse:
    """After a change: the workspace fragment for the script, a redirect for a plain form."""
    status = 400 if errors or (memo_form is not None and memo_form.errors) else 200
    if _wants_fragment(request):
        context = _screen_context(request, transcript, errors=errors, memo_form=memo_form)
        context["done"] = done
        return render(request, "coding/transcript.html#workspace", context, status=status)
    if status == 400:
        context = _screen_context(request, transcript, errors=errors, memo_form=memo_form)
        return render(request, "coding/transcript.html", context, status=status)
    if done:
        messages.success(request, done)
    return redirect("coding:transcript", transcript_id=transcript.pk)


@coder
def transcript(request: HttpRequest, transcript_id: int) -> HttpResponse:
    """The coding screen: the text with its codings, the code tree, segments and memos."""
    found = _transcript(request, transcript_id)
    context = _screen_context(request, found, located=_located(request))
    return render(request, "coding/transcript.html", context)


@require_POST
@coder
def apply(request: HttpRequest, transcript_id: int) -> HttpResponse:
    """Apply the posted codes (`code`, repeatable) to [start, end) in code points."""
    found = _transcript(request, transcript_id, audit=False)
    try:
        start, end = positions(request.POST.get("start"), request.POST.get("end"))
        services.apply_codes(
            actor=_user(request),
            transcript=found,
            code_ids=code_numbers(request.POST.getlist("code")),
            start=start,
            end=end,
        )
    except (NotFound, Forbidden):
        raise Http404(_("No such transcript.")) from None
    except InvalidInput as error:
        return _screen(request, found, errors=_messages_of(error))
    return _screen(request, found, done=_("The code was applied."))


@require_POST
@coder
def segment_remove(request: HttpRequest, segment_id: int) -> HttpResponse:
    """Take a code off a stretch of text (undo brings it back)."""
    user = _user(request)
    try:
        segment = selectors.get_segment_for(user, segment_id, audit_as=None)
        services.remove_segment(actor=user, segment=segment)
    except (NotFound, Forbidden):
        raise Http404(_("No such coded segment.")) from None
    return _screen(request, segment.transcript, done=_("The code was removed."))


@require_POST
@coder
def undo(request: HttpRequest, transcript_id: int) -> HttpResponse:
    """Undo the user's last coding action in the transcript's project."""
    found = _transcript(request, transcript_id, audit=False)
    try:
        undone = services.undo_last(actor=_user(request), project=found.project)
    except (NotFound, Forbidden):
        raise Http404(_("No such transcript.")) from None
    if undone is None:
        return _screen(request, found, errors=[_("There is nothing to undo.")])
    return _screen(request, found, done=_("Your last change was undone."))


@require_POST
@coder
def memo_new(request: HttpRequest, transcript_id: int) -> HttpResponse:
    """A memo on the transcript, or on one of its coded segments (`segment`)."""
    found = _transcript(request, transcript_id, audit=False)
    form = MemoForm(request.POST)
    if form.is_valid():
        segment = None
        if form.cleaned_data["segment"]:
            segment = selectors.segments_in(found).filter(pk=form.cleaned_data["segment"]).first()
            if segment is None:
                raise Http404(_("No such coded segment."))
        try:
            services.write_memo(
                actor=_user(request),
                project=found.project,
                text=form.cleaned_data["text"],
                title=form.cleaned_data["title"],
                segment=segment,
                transcript=None if segment else found,
            )
        except (NotFound, Forbidden):
            raise Http404(_("No such transcript.")) from None
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            return _screen(request, found, done=_("The memo was saved."))
    return _screen(request, found, memo_form=form, errors=[_("The memo was not saved.")])
