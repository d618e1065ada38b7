"""What the plans pages share: who may open them, the signed-in user and the page's language,
and the case a page is about (through the one door)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from buoy.access.decorators import role_allows
from buoy.access.domain.roles import can_see_identifiable_cases
from buoy.access.models import User
from buoy.cases.models import Case
from buoy.cases.selectors import get_case_for
from buoy.core.errors import NotFound

casework = role_allows(can_see_identifiable_cases)


def user_of(request: HttpRequest) -> User:
    """The signed-in user (the decorators have made sure there is one)."""
    return request.user  # type: ignore[return-value]


def page_language() -> str:
    """The language the page is drawn in (``en`` or ``zh-hans``)."""
    return get_language() or "en"


def case_of(request: HttpRequest, case_id: int, *, audit: bool = True) -> Case:
    """The case of the page through the one door; 404 for a case the user may not see. A GET
    of a page of its own records a view of the case; sections loaded into the case page pass
    ``audit=False`` (the case page has recorded it)."""
    try:
        return get_case_for(
            user_of(request),
            case_id,
            audit_as="cases.case.viewed" if audit and request.method == "GET" else None,
        )
    except NotFound:
        raise Http404(_("No such case.")) from None
