"""Coding pages: projects, a project's transcripts and codebook, the coding screen, code
queries and tables (with CSV and XLSX downloads), search and inter-coder agreement.

The coding screen's script (`static/coding/coding.js`) posts a selection's code-point
positions; the views answer a script's request (header `HX-Request`) with the screen's
`workspace` fragment, and a plain form post with a redirect.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buoy.access.decorators import role_allows
from buoy.access.domain.roles import (
    can_code_interviews,
    can_edit_department_codebook,
    can_see_identifiable_cases,
    can_start_research_projects,
)
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Case
from buoy.cases.selectors import cases_visible_to, get_case_for
from buoy.coding import selectors, services
from buoy.coding.domain.agreement import (
    FIRST,
    character_agreement,
    disagreements,
    segment_agreement,
)
from buoy.coding.domain.runs import cut_into_runs
from buoy.coding.domain.tables import Table, to_csv, to_xlsx
from buoy.coding.forms import (
    AutocodeForm,
    CodeForm,
    MemoForm,
    ProjectStartForm,
    QueryForm,
    SegmentFilterForm,
    TablesForm,
    TranscriptImportForm,
)
from buoy.coding.models import Code, CodedSegment, Project, Transcript
from buoy.core.errors import Forbidden, InvalidInput, NotFound
from buoy.core.forms import add_service_errors

coder = role_allows(can_code_interviews)
TABLES = ("frequency", "cooccurrence", "cases")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _language() -> str:
    return get_language() or "en"


def _is_casework(user: User) -> bool:
    return can_see_identifiable_cases(user.role_enum)


def _wants_fragment(request: HttpRequest) -> bool:
    return bool(request.htmx)  # type: ignore[attr-defined]


def _project(request: HttpRequest, project_id: int) -> Project:
    try:
        return selectors.get_project_for(_user(request), project_id)
    except NotFound:
        raise Http404(_("No such project.")) from None


def _transcript(request: HttpRequest, transcript_id: int, *, audit: bool = True) -> Transcript:
    """The transcript through its one door; only a page that shows it is audited as a view."""
    audit_as = "coding.transcript.viewed" if audit else None
    try:
        return selectors.get_transcript_for(_user(request), transcript_id, audit_as=audit_as)
    except NotFound:
        raise Http404(_("No such transcript.")) from None


def _messages_of(error: InvalidInput) -> list[str]:
    return [message for field_messages in error.errors.values() for message in field_messages]


# --- projects ------------------------------------------------------------------------------


@coder
def projects(request: HttpRequest) -> HttpResponse:
    """The projects the user codes in, and (for those who may) a form to start one."""
    return _projects_page(request, ProjectStartForm())


def _projects_page(request: HttpRequest, form: ProjectStartForm, status: int = 200) -> HttpResponse:
    user = _user(request)
    context = {
        "projects": selectors.projects_visible_to(user).order_by("kind", "name"),
        "form": form if can_start_research_projects(user.role_enum) else None,
    }
    return render(request, "coding/projects.html", context, status=status)


@require_POST
@coder
def project_new(request: HttpRequest) -> HttpResponse:
    """Start a research project; the user becomes its first member."""
    form = ProjectStartForm(request.POST)
    if form.is_valid():
        try:
            project = services.start_project(
                actor=_user(request),
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                codebook=form.cleaned_data["codebook"] or None,
            )
        except Forbidden:
            raise PermissionDenied() from None
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The project was started."))
            return redirect("coding:project", project_id=project.pk)
    elif not can_start_research_projects(_user(request).role_enum):
        raise PermissionDenied()
    return _projects_page(request, form, status=400)


def _tree(
    project: Project, counts: dict[int, tuple[int, int]], language: str
) -> list[dict[str, Any]]:
    codes = selectors.codes_of(project)
    depths = selectors.code_depths(codes)
    return [
        {
            "code": code,
            "name": code.name_in(language),
            "depth": min(depths.get(code.pk, 0), 6),
            "own": counts.get(code.pk, (0, 0))[0],
            "rolled": counts.get(code.pk, (0, 0))[1],
        }
        for code in codes
    ]


@coder
def project(request: HttpRequest, project_id: int) -> HttpResponse:
    """A project's transcripts, the import form and the codebook with its counts."""
    return _project_page(request, _project(request, project_id), None)


def _project_page(
    request: HttpRequest,
    project: Project,
    form: TranscriptImportForm | None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    casework = _is_casework(user)
    visible = selectors.transcripts_visible_to(user).filter(project=project)
    transcripts = list(
        visible.select_related("case").annotate(
            segment_count=Count("segments", filter=Q(segments__removed_at__isnull=True))
        )
    )
    record(
        actor=user,
        action="coding.transcript.listed",
        subject=project,
        context={"ids": [t.pk for t in transcripts], "count": len(transcripts)},
    )
    counts = selectors.code_counts(project, visible)
    context = {
        "project": project,
        "transcripts": transcripts,
        "show_cases": casework,
        "form": form
        or TranscriptImportForm(casework=casework, initial={"case": request.GET.get("case", "")}),
        "tree": _tree(project, counts, _language()),
    }
    return render(request, "coding/project.html", context, status=status)


def _case_named(user: User, value: str) -> Case:
    """A case by its number (or id) through the one door; InvalidInput when not found."""
    value = value.strip()
    pk = cases_visible_to(user).filter(reference__iexact=value).values_list("pk", flat=True).first()
    try:
        return get_case_for(user, pk if pk is not None else value, audit_as=None)
    except NotFound:
        raise InvalidInput(
            {"case": [_("No case %(case)s on your caseload.") % {"case": value}]}
        ) from None


@require_POST
@coder
def transcript_import(request: HttpRequest, project_id: int) -> HttpResponse:
    """Import a file or pasted text as a transcript of the project."""
    project = _project(request, project_id)
    user = _user(request)
    form = TranscriptImportForm(request.POST, request.FILES, casework=_is_casework(user))
    if form.is_valid():
        data = form.cleaned_data
        upload = data.get("file")
        try:
            case = _case_named(user, data["case"]) if data.get("case") else None
            transcript = services.import_transcript(
                actor=user,
                project=project,
                filename=upload.name if upload else "",
                data=upload.read() if upload else None,
                pasted=None if upload else data["pasted"],
                case=case,
                title=data["title"],
                interview_date=data.get("interview_date"),
                interviewer=data.get("interviewer", ""),
                timepoint=data.get("timepoint"),
                consent_recorded=data["consent_recorded"],
            )
        except (NotFound, Forbidden):
            raise Http404(_("No such project.")) from None
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The transcript was imported."))
            return redirect("coding:transcript", transcript_id=transcript.pk)
    return _project_page(request, project, form, status=400)


# --- the coding screen ---------------------------------------------------------------------


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
        services.apply_codes(
            actor=_user(request),
            transcript=found,
            code_ids=request.POST.getlist("code"),
            start=request.POST.get("start"),
            end=request.POST.get("end"),
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
    segment = (
        CodedSegment.objects.filter(
            pk=segment_id, transcript__in=selectors.transcripts_visible_to(user).values("pk")
        )
        .select_related("transcript__project")
        .first()
    )
    if segment is None:
        raise Http404(_("No such coded segment."))
    try:
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


# --- queries and tables --------------------------------------------------------------------


def _coders(project: Project) -> list[str]:
    return list(selectors.coders_in(project).values_list("username", flat=True))


def _query_link(transcript_id: int, start: int, end: int) -> str:
    base = reverse("coding:transcript", kwargs={"transcript_id": transcript_id})
    return f"{base}?{urlencode({'at': start, 'to': end})}#located"


def _hits(hits: list[selectors.QueryHit]) -> list[dict[str, Any]]:
    return [
        {"hit": hit, "link": _query_link(hit.transcript.pk, hit.start, hit.end)} for hit in hits
    ]


@coder
def query(request: HttpRequest, project_id: int) -> HttpResponse:
    """Run a code query (AND / OR / NOT) with filters; each hit links into its transcript."""
    found = _project(request, project_id)
    form = QueryForm(request.GET or None, coders=_coders(found), language=_language())
    hits: list[dict[str, Any]] = []
    errors: list[str] = []
    status = 200
    if form.is_valid() and form.cleaned_data["q"].strip():
        try:
            found_hits = selectors.run_code_query(
                _user(request), found, form.cleaned_data["q"], form.segment_filter()
            )
        except InvalidInput as error:
            errors, status = _messages_of(error), 400
        else:
            fmt = request.GET.get("format")
            if fmt in ("csv", "xlsx"):
                table = selectors.hits_table(_user(request), found, found_hits)
                data = to_csv(table) if fmt == "csv" else to_xlsx([table])
                response = HttpResponse(
                    data, content_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX
                )
                response["Content-Disposition"] = f'attachment; filename="query.{fmt}"'
                return response
            hits = _hits(found_hits)
    context = {
        "project": found,
        "form": form,
        "hits": hits,
        "ran": bool(form.is_bound and form.is_valid() and form.cleaned_data["q"].strip()),
        "errors": errors,
        "tree": _tree(found, {}, _language()),
    }
    return render(request, "coding/query.html", context, status=status)


def _table(request: HttpRequest, found: Project, which: str, form: TablesForm) -> Table:
    user, filters = _user(request), form.segment_filter()
    if which == "frequency":
        return selectors.code_frequency(user, found, form.count_by(), filters)
    if which == "cooccurrence":
        return selectors.co_occurrence_table(user, found, filters)
    return selectors.codes_by_cases(user, found, filters)


def _cooccurrence_links(
    table: Table, found: Project, request: HttpRequest
) -> list[list[dict[str, Any]]]:
    """The co-occurrence matrix with a drill-down link in every non-empty cell."""
    by_name = {str(code): code for code in selectors.codes_of(found)}
    columns = [by_name.get(header) for header in table.headers[1:]]
    rows = []
    for row in table.rows:
        first = by_name.get(str(row[0]))
        cells: list[dict[str, Any]] = [{"value": row[0], "link": ""}]
        for value, second in zip(row[1:], columns, strict=True):
            link = ""
            if value and first is not None and second is not None:
                params = request.GET.copy()
                params["first"], params["second"] = str(first.pk), str(second.pk)
                link = (
                    reverse("coding:cooccurrence", kwargs={"project_id": found.pk})
                    + "?"
                    + params.urlencode()
                )
            cells.append({"value": value, "link": link})
        rows.append(cells)
    return rows


@coder
def tables(request: HttpRequest, project_id: int) -> HttpResponse:
    """Code frequency, co-occurrence and codes × cases, each downloadable as CSV and XLSX."""
    found = _project(request, project_id)
    form = TablesForm(request.GET or None, coders=_coders(found), language=_language())
    by_cases = _table(request, found, "cases", form)
    # counted by case, the frequency table is the codes × cases table: read (and audit) once
    frequency = by_cases if form.count_by() == "case" else _table(request, found, "frequency", form)
    cooccurrence = _table(request, found, "cooccurrence", form)
    query_string = request.GET.copy()
    downloads = {}
    for which in TABLES:
        for fmt in ("csv", "xlsx"):
            query_string["table"], query_string["format"] = which, fmt
            downloads[f"{which}_{fmt}"] = (
                reverse("coding:table_download", kwargs={"project_id": found.pk})
                + "?"
                + query_string.urlencode()
            )
    context = {
        "project": found,
        "form": form,
        "frequency": frequency,
        "cooccurrence": cooccurrence,
        "cooccurrence_rows": _cooccurrence_links(cooccurrence, found, request),
        "by_cases": by_cases,
        "downloads": downloads,
    }
    return render(request, "coding/tables.html", context)


@coder
def table_download(request: HttpRequest, project_id: int) -> HttpResponse:
    """One table (`table`: frequency, cooccurrence or cases) as `format` csv or xlsx."""
    found = _project(request, project_id)
    which, fmt = request.GET.get("table", "frequency"), request.GET.get("format", "csv")
    if which not in TABLES or fmt not in ("csv", "xlsx"):
        raise Http404(_("No such table."))
    form = TablesForm(request.GET, coders=_coders(found), language=_language())
    table = _table(request, found, which, form)
    record(
        actor=_user(request),
        action="coding.table.exported",
        subject=found,
        context={"table": which, "format": fmt, "rows": len(table.rows)},
    )
    if fmt == "csv":
        response = HttpResponse(to_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(to_xlsx([table]), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{which}-{found.pk}.{fmt}"'
    return response


@coder
def cooccurrence(request: HttpRequest, project_id: int) -> HttpResponse:
    """One co-occurrence cell: the text coded with both codes."""
    found = _project(request, project_id)
    form = SegmentFilterForm(request.GET, coders=_coders(found), language=_language())
    codes = {str(code.pk): code for code in selectors.codes_of(found)}
    first, second = (
        codes.get(request.GET.get("first", "")),
        codes.get(request.GET.get("second", "")),
    )
    if first is None or second is None:
        raise Http404(_("No such code."))
    try:
        hits = selectors.co_occurring_text(
            _user(request), found, first, second, form.segment_filter()
        )
    except InvalidInput as error:
        raise Http404(" ".join(_messages_of(error))) from None
    context = {
        "project": found,
        "first": first.name_in(_language()),
        "second": second.name_in(_language()),
        "hits": _hits(hits),
    }
    return render(request, "coding/cooccurrence.html", context)


# --- search and agreement ------------------------------------------------------------------


@coder
def search(request: HttpRequest) -> HttpResponse:
    """Words in the transcripts the user may read, with the matches marked."""
    user = _user(request)
    text = request.GET.get("q", "").strip()[:200]
    project_id = request.GET.get("project", "")
    chosen = None
    if project_id:
        try:
            chosen = selectors.get_project_for(user, project_id)
        except NotFound:
            raise Http404(_("No such project.")) from None
    hits = selectors.search_transcripts(user, text, project=chosen) if text else []
    context = {
        "q": text,
        "project": chosen,
        "projects": selectors.projects_visible_to(user),
        "hits": [
            {"hit": hit, "link": _query_link(hit.transcript_id, hit.start, hit.end)} for hit in hits
        ],
    }
    return render(request, "coding/search.html", context)


def _number(value: Fraction | None) -> str:
    return _("undefined") if value is None else f"{float(value):.3f}"


@coder
def agreement(request: HttpRequest, project_id: int) -> HttpResponse:
    """Character-level agreement between two coders, per code and overall, and where they differ."""
    found = _project(request, project_id)
    user = _user(request)
    coders = list(selectors.coders_in(found))
    by_name = {person.username: person for person in coders}
    first, second = (
        by_name.get(request.GET.get("first", "")),
        by_name.get(request.GET.get("second", "")),
    )
    context: dict[str, Any] = {
        "project": found,
        "coders": coders,
        "first": first,
        "second": second,
        "report": None,
    }
    if first is not None and second is not None and first != second:
        visible = selectors.transcripts_visible_to(user).filter(project=found)
        inputs = selectors.agreement_inputs(found, first, second, visible)
        codes = {str(code.pk): code for code in found.codes.all()}
        names = {key: code.name_in(_language()) for key, code in codes.items()}
        report = character_agreement(inputs.lengths, inputs.first, inputs.second, names=names)
        by_segment = segment_agreement(inputs.lengths, inputs.first, inputs.second, names=names)
        context["segment_rows"] = [
            {
                "name": item.name,
                "percent": _number(item.table.percent_agreement),
                "kappa": _number(item.table.kappa),
                "alpha": "—" if item.alpha is None else f"{item.alpha:.3f}",
            }
            for item in by_segment.codes
        ]
        context["segment_overall"] = {
            "percent": _number(by_segment.overall.percent_agreement),
            "kappa": _number(by_segment.overall.kappa),
            "alpha": "—" if by_segment.alpha is None else f"{by_segment.alpha:.3f}",
            "units": by_segment.units,
        }
        texts = {str(t.pk): t for t in visible.filter(pk__in=[int(d) for d in inputs.lengths])}
        # the differences quote the transcripts' text and titles
        record(
            actor=user,
            action="coding.agreement.viewed",
            subject=found,
            context={"transcripts": sorted(int(d) for d in inputs.lengths)},
        )
        rows = [
            {
                "name": item.name,
                "table": item.table,
                "percent": _number(item.table.percent_agreement),
                "kappa": _number(item.table.kappa),
            }
            for item in report.codes
        ]
        context.update(
            report=report,
            rows=rows,
            overall={
                "table": report.overall,
                "percent": _number(report.overall.percent_agreement),
                "kappa": _number(report.overall.kappa),
            },
            documents=len(inputs.lengths),
            differences=[
                {
                    "transcript": texts[d.document],
                    "text": texts[d.document].text[d.start : d.end],
                    "code": names.get(d.code, d.code),
                    "by_first": d.coded_by == FIRST,
                    "link": _query_link(int(d.document), d.start, d.end),
                }
                for d in disagreements(inputs.lengths, inputs.first, inputs.second)[:500]
            ],
        )
    return render(request, "coding/agreement.html", context)


# --- de-identified copies ------------------------------------------------------------------


def _suggestion_key(suggestion: Any) -> str:
    return f"{suggestion.start}:{suggestion.end}:{suggestion.kind}"


def _extra_replacements(text: str, words: str, taken: list[tuple[int, int]]) -> list[Any]:
    """Every occurrence of each extra word a person typed, where no accepted stretch is."""
    from buoy.coding.domain.redaction import Replacement

    found: list[Any] = []
    for word in dict.fromkeys(line.strip() for line in words.splitlines()):
        at = text.find(word) if word else -1
        while at != -1:
            end = at + len(word)
            if all(end <= start or at >= stop for start, stop in taken):
                found.append(Replacement(at, end, _("[removed]")))
                taken.append((at, end))
            at = text.find(word, end)
    return found


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
    chosen = {_suggestion_key(s) for s in suggestions}
    extra = ""
    if request.method == "POST":
        chosen = set(request.POST.getlist("accept"))
        extra = request.POST.get("extra", "")
        accepted: list[Any] = [s for s in suggestions if _suggestion_key(s) in chosen]
        accepted += _extra_replacements(found.text, extra, [(s.start, s.end) for s in accepted])
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
        before = found.text[max(0, suggestion.start - 12) : suggestion.start]
        after = found.text[suggestion.end : suggestion.end + 12]
        rows.append(
            {
                "key": _suggestion_key(suggestion),
                "suggestion": suggestion,
                "before": before,
                "after": after,
                "checked": _suggestion_key(suggestion) in chosen,
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


# --- codebook ------------------------------------------------------------------------------


def _codebook_project(request: HttpRequest, project_id: int) -> Project:
    try:
        return selectors.get_codebook_project_for(_user(request), project_id)
    except NotFound:
        raise Http404(_("No such project.")) from None


def _may_edit_codebook(user: User, project: Project) -> bool:
    role = user.role_enum
    if project.kind == "casework":
        return can_edit_department_codebook(role)
    return can_code_interviews(role)


@login_required
def codebook(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project's codebook: every code with its names, definition and colour; add a code."""
    found = _codebook_project(request, project_id)
    user = _user(request)
    form = CodeForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST":
        parent = found.codes.active().filter(pk=request.POST.get("parent") or 0).first()
        if form.is_valid():
            try:
                services.add_code(actor=user, project=found, parent=parent, **form.cleaned_data)
            except Forbidden:
                raise PermissionDenied() from None
            except InvalidInput as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The code was added."))
                return redirect("coding:codebook", project_id=found.pk)
    language = _language()
    tree = _tree(found, {}, language)
    context = {
        "project": found,
        "tree": tree,
        "form": form,
        "errors": errors,
        "may_edit": _may_edit_codebook(user, found),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "coding/codebook.html", context, status=status)


@login_required
def code_edit(request: HttpRequest, code_id: int) -> HttpResponse:
    """Change one code: its fields, its place in the tree, merge it, or split it."""
    code = Code.objects.filter(pk=code_id).select_related("project").first()
    if code is None:
        raise Http404(_("No such code."))
    found = _codebook_project(request, code.project_id)
    user = _user(request)
    form = CodeForm(
        request.POST if request.POST.get("action") == "save" else None,
        initial={name: getattr(code, name) for name in CodeForm.base_fields},
    )
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        others = found.codes.active().exclude(pk=code.pk)
        try:
            if action == "save":
                if form.is_valid():
                    services.update_code(actor=user, code=code, **form.cleaned_data)
                    messages.success(request, _("The code was saved."))
                    return redirect("coding:code_edit", code_id=code.pk)
            elif action == "move":
                parent = others.filter(pk=request.POST.get("parent") or 0).first()
                services.move_code(actor=user, code=code, new_parent=parent)
                messages.success(request, _("The code was moved."))
                return redirect("coding:codebook", project_id=found.pk)
            elif action == "merge":
                into = others.filter(pk=request.POST.get("into") or 0).first()
                if into is None:
                    raise InvalidInput({"into": [_("Choose the code to merge into.")]})
                services.merge_codes(actor=user, merged=code, into=into)
                messages.success(request, _("The codes were merged."))
                return redirect("coding:codebook", project_id=found.pk)
            elif action == "split":
                names = request.POST.get("names", "").splitlines()
                assignments = {}
                for key in request.POST:
                    value = request.POST.get(key, "")
                    if key.startswith("segment-") and value.isdigit():
                        assignments[int(key.removeprefix("segment-"))] = int(value)
                services.split_code(actor=user, code=code, new_names=names, assignments=assignments)
                messages.success(request, _("The code was split."))
                return redirect("coding:codebook", project_id=found.pk)
            else:
                raise InvalidInput({"action": [_("Choose what to do.")]})
        except Forbidden:
            raise PermissionDenied() from None
        except InvalidInput as error:
            errors += _messages_of(error)
    visible = selectors.transcripts_visible_to(user).filter(project=found)
    may_edit = _may_edit_codebook(user, found)
    # the segments are listed only to those who may split the code
    segments = list(
        CodedSegment.objects.current()
        .filter(code=code, transcript__in=visible)
        .select_related("transcript")
        .defer("transcript__text")[:200]
        if may_edit
        else []
    )
    if segments:
        # each row names its transcript, whose title may name a family
        record(
            actor=user,
            action="coding.segment.listed",
            subject=code,
            context={
                "transcripts": sorted({s.transcript_id for s in segments}),
                "count": len(segments),
            },
        )
    context = {
        "project": found,
        "code": code,
        "form": form,
        "errors": errors,
        "others": selectors.codes_of(found),
        "segments": segments,
        "may_edit": may_edit,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "coding/code_edit.html", context, status=status)


# --- memos ---------------------------------------------------------------------------------


@coder
def memos(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project's memo report (CSV/XLSX too); write a memo on the project or a code."""
    found = _project(request, project_id)
    user = _user(request)
    form = MemoForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        code = found.codes.active().filter(pk=request.POST.get("code") or 0).first()
        case = None
        if request.POST.get("case") and code is None:
            try:
                case = get_case_for(user, request.POST["case"], audit_as=None)
            except NotFound:
                raise Http404(_("No such case.")) from None
        try:
            services.write_memo(
                actor=user,
                project=found,
                text=form.cleaned_data["text"],
                title=form.cleaned_data["title"],
                code=code,
                case=case,
            )
        except Forbidden:
            raise PermissionDenied() from None
        except InvalidInput as error:
            errors += _messages_of(error)
        else:
            messages.success(request, _("The memo was saved."))
            return redirect("coding:memos", project_id=found.pk)
    report = selectors.memo_report(user, found)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        data = to_csv(report) if fmt == "csv" else to_xlsx([report])
        response = HttpResponse(
            data, content_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX
        )
        response["Content-Disposition"] = f'attachment; filename="memos.{fmt}"'
        return response
    context = {
        "project": found,
        "report": report,
        "form": form,
        "errors": errors,
        "codes": selectors.codes_of(found),
        # cases whose interviews are in this project and whom the user may see
        "cases": cases_visible_to(user)
        .filter(transcripts__project=found)
        .distinct()
        .order_by("reference"),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "coding/memos.html", context, status=status)


# --- auto-coding ---------------------------------------------------------------------------


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
    user = _user(request)
    transcripts = list(
        selectors.transcripts_visible_to(user)
        .filter(project=project)
        .order_by("title", "pk")
        .values_list("pk", "title")
    )
    record(
        actor=user,
        action="coding.transcript.listed",
        subject=project,
        context={"ids": [pk for pk, _title in transcripts], "count": len(transcripts)},
    )
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


# --- learned suggestions -------------------------------------------------------------------


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
    transcripts = list(
        selectors.transcripts_visible_to(user).filter(project=project).order_by("title", "pk")
    )
    record(
        actor=user,
        action="coding.transcript.listed",
        subject=project,
        context={"ids": [t.pk for t in transcripts], "count": len(transcripts)},
    )
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
        services.accept_suggestion(
            actor=_user(request),
            transcript=found,
            code_id=request.POST.get("code"),
            start=request.POST.get("start"),
            end=request.POST.get("end"),
        )
    except (NotFound, Forbidden):
        raise Http404(_("No such transcript.")) from None
    except InvalidInput as error:
        shown = _transcript(request, transcript_id)  # the page shows the text: audited
        context = _transcript_suggestions_context(request, shown, _messages_of(error))
        return render(request, "coding/transcript_suggestions.html", context, status=400)
    messages.success(request, _("The suggested code was applied."))
    if request.POST.get("next") == "screen":
        return redirect(_query_link(found.pk, int(request.POST["start"]), int(request.POST["end"])))
    return redirect("coding:transcript_suggestions", transcript_id=found.pk)


# --- the case page's interviews section ------------------------------------------------------


@role_allows(can_see_identifiable_cases)
def case_section(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's interviews: its transcripts, and where to import one (htmx-loaded)."""
    try:
        case = get_case_for(_user(request), case_id, audit_as=None)
    except NotFound:
        raise Http404(_("No such case.")) from None
    transcripts = (
        selectors.transcripts_visible_to(_user(request))
        .filter(case=case, is_deidentified=False)
        .defer("text")
        .annotate(segment_count=Count("segments", filter=Q(segments__removed_at__isnull=True)))
        .order_by("-created_at")
    )
    shown = list(transcripts)
    record(
        actor=_user(request),
        action="coding.transcript.listed",
        subject=case,
        context={"ids": [t.pk for t in shown], "count": len(shown)},
    )
    context = {
        "case": case,
        "transcripts": shown,
        "casework_project": services.casework_project(),
    }
    return render(request, "coding/case_section.html", context)
