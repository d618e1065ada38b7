"""The codebook: every code with its names and definition; add, change, move, merge, split."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from buoy.coding import selectors, services
from buoy.coding.forms import CodeForm
from buoy.coding.models import Code, Project
from buoy.coding.views.common import _language, _messages_of, _tree, _user
from buoy.core.errors import Forbidden, InvalidInput, NotFound
from buoy.core.forms import add_service_errors


def _codebook_project(request: HttpRequest, project_id: int) -> Project:
    try:
        return selectors.get_codebook_project_for(_user(request), project_id)
    except NotFound:
        raise Http404(_("No such project.")) from None


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
        "may_edit": selectors.may_edit_codebook(user, found),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "coding/codebook.html", context, status=status)


@login_required
def code_edit(request: HttpRequest, code_id: int) -> HttpResponse:
    """Change one code: its fields, its place in the tree, merge it, or split it."""
    user = _user(request)
    try:
        code = selectors.get_code_for(user, code_id)
    except NotFound:
        raise Http404(_("No such code.")) from None
    found = code.project
    form = CodeForm(
        request.POST if request.POST.get("action") == "save" else None,
        initial={name: getattr(code, name) for name in CodeForm.base_fields},
    )
    errors: list[str] = []
    if request.method == "POST":
        try:
            done = _change_code(request, code, form)
        except Forbidden:
            raise PermissionDenied() from None
        except InvalidInput as error:
            errors += _messages_of(error)
        else:
            if done is not None:
                return done
    may_edit = selectors.may_edit_codebook(user, found)
    context = {
        "project": found,
        "code": code,
        "form": form,
        "errors": errors,
        "others": selectors.codes_of(found),
        # the segments are listed only to those who may split the code
        "segments": selectors.segments_to_split(user, code) if may_edit else [],
        "may_edit": may_edit,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "coding/code_edit.html", context, status=status)


def _change_code(request: HttpRequest, code: Code, form: CodeForm) -> HttpResponse | None:
    """Do the posted `action` to the code: a redirect once done, None when the code's form
    is not valid; the services' InvalidInput and Forbidden pass through."""
    user, found = _user(request), code.project
    action = request.POST.get("action")
    others = found.codes.active().exclude(pk=code.pk)
    if action == "save":
        if not form.is_valid():
            return None
        services.update_code(actor=user, code=code, **form.cleaned_data)
        messages.success(request, _("The code was saved."))
        return redirect("coding:code_edit", code_id=code.pk)
    if action == "move":
        parent = others.filter(pk=request.POST.get("parent") or 0).first()
        services.move_code(actor=user, code=code, new_parent=parent)
        messages.success(request, _("The code was moved."))
    elif action == "merge":
        into = others.filter(pk=request.POST.get("into") or 0).first()
        if into is None:
            raise InvalidInput({"into": [_("Choose the code to merge into.")]})
        services.merge_codes(actor=user, merged=code, into=into)
        messages.success(request, _("The codes were merged."))
    elif action == "split":
        names = request.POST.get("names", "").splitlines()
        services.split_code(
            actor=user, code=code, new_names=names, assignments=_split_assignments(request)
        )
        messages.success(request, _("The code was split."))
    else:
        raise InvalidInput({"action": [_("Choose what to do.")]})
    return redirect("coding:codebook", project_id=found.pk)


def _split_assignments(request: HttpRequest) -> dict[int, int]:
    """Posted `segment-<id>` = the index of the new code each segment goes to."""
    assignments = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("segment-") and value.isdigit():
            assignments[int(key.removeprefix("segment-"))] = int(value)
    return assignments
