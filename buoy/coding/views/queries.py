"""Code queries and the text of one co-occurrence cell; each hit links into its transcript."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from buoy.coding import selectors
from buoy.coding.domain.tables import to_csv, to_xlsx
from buoy.coding.forms import QueryForm, SegmentFilterForm
from buoy.coding.views.common import (
    XLSX,
    _coders,
    _language,
    _messages_of,
    _project,
    _query_link,
    _tree,
    _user,
    coder,
)
from buoy.core.errors import InvalidInput


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
