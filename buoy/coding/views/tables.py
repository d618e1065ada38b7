"""Result tables (frequency, co-occurrence, codes × cases) and their CSV / XLSX downloads."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from buoy.audit.services import record
from buoy.coding import selectors
from buoy.coding.domain.tables import Table, to_csv, to_xlsx
from buoy.coding.forms import TablesForm
from buoy.coding.models import Project
from buoy.coding.views.common import XLSX, _coders, _language, _project, _user, coder

TABLES = ("frequency", "cooccurrence", "cases")


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
