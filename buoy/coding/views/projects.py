"""Projects: the list, starting one, a project's page and importing a transcript into it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buoy.access.domain.roles import can_start_research_projects
from buoy.access.models import User
from buoy.cases.models import Case
from buoy.cases.selectors import cases_visible_to, get_case_for
from buoy.coding import selectors, services
from buoy.coding.forms import ProjectStartForm, TranscriptImportForm
from buoy.coding.models import Project
from buoy.coding.views.common import _is_casework, _language, _project, _tree, _user, coder
from buoy.core.errors import Forbidden, InvalidInput, NotFound
from buoy.core.forms import add_service_errors


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
    transcripts = selectors.listed_transcripts(user, project)
    visible = selectors.transcripts_visible_to(user).filter(project=project)
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
