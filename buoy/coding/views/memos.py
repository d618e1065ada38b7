"""The project's memo report (CSV / XLSX too), and a memo on the project or a code."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from buoy.cases.selectors import cases_visible_to, get_case_for
from buoy.coding import selectors, services
from buoy.coding.domain.tables import to_csv, to_xlsx
from buoy.coding.forms import MemoForm
from buoy.coding.views.common import XLSX, _messages_of, _project, _user, coder
from buoy.core.errors import Forbidden, InvalidInput, NotFound


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
