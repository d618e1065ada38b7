"""The case page's interviews section (htmx-loaded into the case page)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from buoy.access.decorators import role_allows
from buoy.access.domain.roles import can_see_identifiable_cases
from buoy.cases.selectors import get_case_for
from buoy.coding import selectors, services
from buoy.coding.views.common import _user
from buoy.core.errors import NotFound


@role_allows(can_see_identifiable_cases)
def case_section(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's interviews: its transcripts, and where to import one (htmx-loaded)."""
    try:
        case = get_case_for(_user(request), case_id, audit_as=None)
    except NotFound:
        raise Http404(_("No such case.")) from None
    context = {
        "case": case,
        "transcripts": selectors.listed_transcripts(_user(request), case),
        "casework_project": services.casework_project(),
    }
    return render(request, "coding/case_section.html", context)
