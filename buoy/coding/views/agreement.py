"""Inter-coder agreement between two coders, per code and overall, and where they differ."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from buoy.coding import selectors
from buoy.coding.domain.agreement import FIRST
from buoy.coding.views.common import _language, _project, _query_link, _user, coder


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
        result = selectors.agreement_report(user, found, first, second, language=_language())
        report, by_segment = result.character, result.segment
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
            documents=result.documents,
            differences=[
                {
                    "transcript": result.transcripts[d.document],
                    "text": result.transcripts[d.document].text[d.start : d.end],
                    "code": result.names.get(d.code, d.code),
                    "by_first": d.coded_by == FIRST,
                    "link": _query_link(int(d.document), d.start, d.end),
                }
                for d in result.differences[:500]
            ],
        )
    return render(request, "coding/agreement.html", context)
