"""Transcripts: who may read which, and the one door to a single transcript.

Who sees a transcript (ADR 0008's companion rules, `docs/coding.md`):
- workers and supervisors: the transcripts of the cases they may see, and any de-identified or
  case-less transcript of a project they are a member of;
- researchers: only de-identified or case-less transcripts of projects they are members of;
- administrators: none.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from buoy.access.domain.roles import can_see_case, transcript_access
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Case
from buoy.cases.selectors import access_facts, cases_visible_to
from buoy.coding.models import Project, ProjectMember, Transcript
from buoy.coding.selectors.projects import is_member
from buoy.core.errors import NotFound


def transcripts_visible_to(user: User) -> QuerySet[Transcript]:
    """Every transcript `user` may read (see the module docstring)."""
    if not user.is_authenticated or not user.is_active:
        return Transcript.objects.none()
    access = transcript_access(user.role_enum)
    ways_in: list[Q] = []
    if access.through_cases:
        ways_in.append(Q(case__in=cases_visible_to(user).values("pk")))
    if access.through_projects:
        member = ProjectMember.objects.filter(project=OuterRef("project_id"), user_id=user.pk)
        ways_in.append(Q(Exists(member)) & (Q(is_deidentified=True) | Q(case__isnull=True)))
    if not ways_in:
        return Transcript.objects.none()
    return Transcript.objects.filter(reduce(operator.or_, ways_in))


def may_read_transcript(user: User, transcript: Transcript) -> bool:
    """`transcripts_visible_to` for one transcript already loaded (the same rule, no list).

    tests/coding/test_coding_services.py checks that the two agree for every persona.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    access = transcript_access(user.role_enum)
    case = transcript.case
    if (
        access.through_cases
        and case is not None
        and can_see_case(user.as_actor(), access_facts(case))
    ):
        return True
    if not access.through_projects:
        return False
    if not (transcript.is_deidentified or transcript.case_id is None):
        return False
    return is_member(user, transcript.project_id)


def get_transcript_for(
    user: User,
    transcript_id: Any,
    *,
    audit_as: str | None = "coding.transcript.viewed",
    with_text: bool = True,
) -> Transcript:
    """The transcript if `user` may read it; the same NotFound for "missing" and "not yours".

    Opening an identifiable transcript is audited; a caller about to change it passes
    `audit_as=None` because the change is audited by its service.
    """
    try:
        pk = int(transcript_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = Transcript.objects.select_related("project", "case")
    if not with_text:
        found = found.defer("text")  # coding needs only the stored length
    transcript = found.filter(pk=pk).first()
    if transcript is not None and not may_read_transcript(user, transcript):
        transcript = None
    if transcript is None:
        raise NotFound()
    if audit_as:
        record(actor=user, action=audit_as, subject=transcript)
    return transcript


def listed_transcripts(user: User, about: Project | Case) -> list[Transcript]:
    """The transcripts a page lists, and the listing audited (`coding.transcript.listed`, its
    subject `about`: the ids shown and their number).

    For a project: its transcripts `user` may read, by title. For a case: the case's own
    interviews (not research copies), newest first. Each comes without its text, with its case
    and the number of its current coded segments (`segment_count`).
    """
    visible = transcripts_visible_to(user)
    if isinstance(about, Case):
        chosen = visible.filter(case=about, is_deidentified=False).order_by("-created_at")
    else:
        chosen = visible.filter(project=about).order_by("title", "pk")
    shown: list[Transcript] = list(
        chosen.select_related("case")
        .defer("text")
        .annotate(segment_count=Count("segments", filter=Q(segments__removed_at__isnull=True)))
    )
    record(
        actor=user,
        action="coding.transcript.listed",
        subject=about,
        context={"ids": [t.pk for t in shown], "count": len(shown)},
    )
    return shown
