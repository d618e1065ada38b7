"""What every coding page shares: the role check, projects and transcripts through their doors
(a 404 when not found), the code tree and links into a transcript."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from buoy.access.decorators import role_allows
from buoy.access.domain.roles import can_code_interviews, can_see_identifiable_cases
from buoy.access.models import User
from buoy.coding import selectors
from buoy.coding.models import Project, Transcript
from buoy.core.errors import InvalidInput, NotFound

coder = role_allows(can_code_interviews)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _language() -> str:
    return get_language() or "en"


def _is_casework(user: User) -> bool:
    return can_see_identifiable_cases(user.role_enum)


def _wants_fragment(request: HttpRequest) -> bool:
    return bool(request.htmx)  # type: ignore[attr-defined]


def _project(request: HttpRequest, project_id: int) -> Project:
    try:
        return selectors.get_project_for(_user(request), project_id)
    except NotFound:
        raise Http404(_("No such project.")) from None


def _transcript(request: HttpRequest, transcript_id: int, *, audit: bool = True) -> Transcript:
    """The transcript through its one door; only a page that shows it is audited as a view."""
    audit_as = "coding.transcript.viewed" if audit else None
    try:
        return selectors.get_transcript_for(_user(request), transcript_id, audit_as=audit_as)
    except NotFound:
        raise Http404(_("No such transcript.")) from None


def _messages_of(error: InvalidInput) -> list[str]:
    return [message for field_messages in error.errors.values() for message in field_messages]


def _tree(
    project: Project, counts: dict[int, tuple[int, int]], language: str
) -> list[dict[str, Any]]:
    codes = selectors.codes_of(project)
    depths = selectors.code_depths(codes)
    return [
        {
            "code": code,
            "name": code.name_in(language),
            "depth": min(depths.get(code.pk, 0), 6),
            "own": counts.get(code.pk, (0, 0))[0],
            "rolled": counts.get(code.pk, (0, 0))[1],
        }
        for code in codes
    ]


def _coders(project: Project) -> list[str]:
    return list(selectors.coders_in(project).values_list("username", flat=True))


def _query_link(transcript_id: int, start: int, end: int) -> str:
    base = reverse("coding:transcript", kwargs={"transcript_id": transcript_id})
    return f"{base}?{urlencode({'at': start, 'to': end})}#located"
