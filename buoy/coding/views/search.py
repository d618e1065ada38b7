"""Search: words in the transcripts the user may read, with the matches marked."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from buoy.coding import selectors
from buoy.coding.views.common import _query_link, _user, coder
from buoy.core.errors import NotFound


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
