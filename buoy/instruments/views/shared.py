"""What the instruments pages share: who may open them, the signed-in user and the page's
language, the case and the assessment a page is about (through the one door), language names."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from buoy.access.decorators import role_allows
from buoy.access.domain.roles import can_manage_instruments, can_see_identifiable_cases
from buoy.access.models import User
from buoy.cases.models import Case
from buoy.cases.selectors import get_case_for
from buoy.core.errors import NotFound
from buoy.instruments import selectors
from buoy.instruments.models import Assessment

casework = role_allows(can_see_identifiable_cases)
instrument_keeping = role_allows(can_manage_instruments)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _language() -> str:
    return get_language() or "en"


def _case(request: HttpRequest, case_id: int, *, audit: bool = True) -> Case:
    try:
        return get_case_for(
            _user(request),
            case_id,
            audit_as="cases.case.viewed" if audit and request.method == "GET" else None,
        )
    except NotFound:
        raise Http404(_("No such case.")) from None


def _assessment(request: HttpRequest, case: Case, assessment_id: int) -> Assessment:
    try:
        assessment = selectors.get_assessment_for(_user(request), assessment_id)
    except NotFound:
        raise Http404(_("No such assessment.")) from None
    if assessment.case_id != case.pk:
        raise Http404(_("No such assessment."))
    return assessment


def _language_name(code: str) -> str:
    return {"en": _("English"), "zh-hans": _("Chinese")}.get(code, code)
